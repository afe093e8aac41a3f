/**
 * Sending messages: the request path of an AI call. It validates the input, loads or starts the
 * conversation, calls the provider (generated or streamed, with MCP tools when asked), then writes
 * everything in one parallel round: the conversation (new) or its update time (continued), the
 * question and the answer together, and the one durable write that matters for money:
 * ResponseGenerated, whose outbox row carries the usage event (id derived from it, so a retried
 * dispatch is deduplicated). Nothing is written before the provider answers, so a refused or
 * failed request leaves no half-written conversation behind; a failed one still stores the
 * question, and the usage the provider charged. MCP tool calls the model made are recorded on the
 * assistant message; chain pre-step results reach the model after the system prompt. Each tool
 * step after the first holds its own worst case on the request's budgets before it is made; a
 * refused hold ends the loop there and the answer says so. A stream whose client goes away is
 * aborted at once; what it consumed is recorded and its budget hold trimmed to that at once (see
 * streamMessage). Cost records are written by the cost-tracking listener, not here.
 */
import { randomUUID } from 'node:crypto';
import type { ModelMessage } from 'ai';

import { canUseProject, type Caller } from '../auth/roles';
import { priceRequest } from '../costs/request-pricer';
import type { PricedRequest } from '../costs/cost-calculator';
import type { CostTrackingService } from '../costs/cost-tracking-service';
import { responseGeneratedFor } from '../costs/response-event';
import { usageEventIdFor, type UsageEvent } from '../costs/usage-event';
import type { EventBus } from '../events';
import type { PricingService } from '../pricing/pricing-service';
import {
  ProviderRequestError,
  type ChatRequest,
  type ChatResult,
  type ChatRunner,
} from '../providers/chat-runner';
import type { ModelCall } from '../providers/model-call';
import type { NormalisedUsage } from '../providers/usage/normalised-usage';
import type { Clock } from '../shared/clock';
import { AppError, ValidationError } from '../shared/errors';
import { logger } from '../shared/logger';
import { abortableStream, type AbortableStream } from './abortable-stream';
import type { Conversation, Message } from './conversation';
import { requestFinishReason, type RequestFinishReason } from './finish-reason';
import { promptPrefixHash } from './prompt-prefix';
import { toMessageToolCall, type RequestTools, type RequestToolsOptions } from './request-tools';
import { canContinueConversation, canReadConversation, visibleConversations } from './conversation-access';
import type { ConversationCursor, ConversationReader, ConversationStore } from './conversation-store';
import type { RequestHolds } from './request-holds';
import { RequestConversationReads } from './request-reads';
import { parseSendMessageInput, type ParsedSendMessageInput } from './send-message-input';
import { holdEachToolStep, type StepStop } from './tool-step-holds';

export interface ConversationServiceDeps {
  store: ConversationStore;
  runner: ChatRunner;
  costs: CostTrackingService;
  pricing: PricingService;
  events: EventBus;
  clock: Clock;
  newId?: () => string;
  /**
   * Resolves MCP servers and chains to AI SDK tools, runs chain pre-steps, and records every call
   * (provided by the MCP integration: `McpService.prepareTools`).
   */
  prepareTools?: (servers: string[], caller: Caller, options: RequestToolsOptions) => Promise<RequestTools>;
  /** The request's budget holds (none: nothing is held, e.g. unit tests without budgets). */
  holds?: RequestHolds;
}

export interface RequestOptions {
  requestId?: string;
  abortSignal?: AbortSignal;
  /**
   * What lives as long as the request (the GraphQL context): a continued conversation read by the
   * budget check through `readerFor(scope)` is not read again.
   */
  scope?: object;
}

export interface SendMessagePayload {
  requestId: string;
  conversation: Conversation;
  message: Message;
  usage: NormalisedUsage;
  /** The cost, from the same pricing service the cost records use. */
  cost: PricedRequest;
  /** One per step of the tool loop, in order; `cost.calls` prices each. */
  modelCalls: ModelCall[];
  finishReason: RequestFinishReason;
  /** Set when the tool loop stopped because a step's budget hold was refused. */
  budgetStop: StepStop | null;
}

export type StreamMessageEvent =
  { type: 'delta'; text: string } | { type: 'done'; payload: SendMessagePayload };

interface PreparedRequest {
  input: ParsedSendMessageInput;
  conversation: Conversation;
  /** A conversation started by this request: stored with its first messages. */
  isNew: boolean;
  /** The caller's message, stored with the answer (or alone when the request fails). */
  question: Message;
  /** Set once the conversation and the question are stored. */
  stored: boolean;
  chat: ChatRequest;
  requestId: string;
  requestedAt: Date;
  /** The MCP tools of the request, with the calls the model makes (none without mcpServers). */
  tools: RequestTools | null;
  promptPrefixHash: string | null;
  /** Set when a tool step's budget hold was refused and the loop stopped before that step. */
  budgetStop: StepStop | null;
}

/** How long the request took, and for streams how long until the first text arrived. */
interface Timing {
  latencyMs: number;
  ttftMs: number | null;
}

export class ConversationService {
  private readonly newId: () => string;
  private readonly reads: RequestConversationReads;

  constructor(private readonly deps: ConversationServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.reads = new RequestConversationReads(deps.store);
  }

  /** Conversation reads that the request in `scope` takes over instead of reading again. */
  readerFor(scope: object | undefined): ConversationReader {
    return this.reads.readerFor(scope);
  }

  async getConversation(
    caller: Caller,
    id: string,
  ): Promise<{ conversation: Conversation; messages: Message[] }> {
    const conversation = await this.deps.store.get(id);
    if (!conversation || !canReadConversation(caller, conversation)) {
      throw new AppError('NOT_FOUND', `Conversation ${id} does not exist or is not visible to you.`);
    }
    return { conversation, messages: await this.deps.store.messages(id) };
  }

  async listConversations(caller: Caller, page: { first?: number; after?: ConversationCursor } = {}) {
    const first = Math.min(Math.max(page.first ?? 20, 1), 100);
    // One extra row tells whether another page exists.
    const rows = await this.deps.store.list(visibleConversations(caller), {
      first: first + 1,
      after: page.after,
    });
    return { conversations: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  async sendMessage(
    caller: Caller,
    rawInput: unknown,
    options: RequestOptions = {},
  ): Promise<SendMessagePayload> {
    const prepared = await this.prepare(caller, rawInput, options);
    const started = performance.now();
    const elapsed = (): Timing => ({ latencyMs: performance.now() - started, ttftMs: null });
    try {
      const result = await this.deps.runner.generate(prepared.chat);
      return await this.complete(caller, prepared, result, elapsed());
    } catch (error) {
      await this.recordFailure(caller, prepared, error, elapsed());
      throw error;
    }
  }

  /**
   * Streams the answer. A client that goes away (graphql-ws `complete` or closed socket: the
   * iterator's `return()`; a dropped SSE connection: `options.abortSignal`) aborts the provider call
   * at once, even while the provider is silent; what the call consumed (as reported, else counted)
   * is recorded, and the request's budget hold is trimmed to its cost straight away instead of
   * being held until it expires. The cost job settles the rest with the recorded cost.
   */
  streamMessage(
    caller: Caller,
    rawInput: unknown,
    options: RequestOptions = {},
  ): AbortableStream<StreamMessageEvent> {
    const requestId = options.requestId ?? this.newId();
    return abortableStream(
      (stopped) =>
        this.stream(caller, rawInput, {
          ...options,
          requestId,
          abortSignal: options.abortSignal ? AbortSignal.any([options.abortSignal, stopped]) : stopped,
        }),
      // Gone before the stream ran: nothing was consumed, and nothing else will hand the hold back.
      { onStoppedUnstarted: () => this.trimHold(requestId, 0n) },
    );
  }

  private async *stream(
    caller: Caller,
    rawInput: unknown,
    options: RequestOptions,
  ): AsyncGenerator<StreamMessageEvent, void> {
    let prepared: PreparedRequest;
    try {
      prepared = await this.prepare(caller, rawInput, options);
    } catch (error) {
      if (!options.abortSignal?.aborted) throw error;
      // Gone while the request was prepared (e.g. MCP tools): no provider call, nothing consumed.
      await this.trimHold(options.requestId!, 0n);
      return;
    }
    const started = performance.now();
    // A client that disconnects mid-stream still pays for what the provider charged.
    let abandoned: ModelCall[] | undefined;
    const chat = { ...prepared.chat, onAbandoned: (calls: ModelCall[]) => (abandoned = calls) };
    const timing: Timing = { latencyMs: 0, ttftMs: null };
    const elapsed = () => ({ ...timing, latencyMs: performance.now() - started });
    try {
      for await (const event of this.deps.runner.stream(chat)) {
        if (event.type === 'text-delta') {
          timing.ttftMs ??= performance.now() - started;
          yield { type: 'delta', text: event.text };
        }
        if (event.type === 'finish') {
          yield { type: 'done', payload: await this.complete(caller, prepared, event.result, elapsed()) };
        }
      }
    } catch (error) {
      if (!(options.abortSignal?.aborted && error instanceof ProviderRequestError)) {
        await this.recordFailure(caller, prepared, error, elapsed());
        throw error;
      }
      // The client went away and the provider call was aborted: nobody is left to tell, and what
      // the call consumed is recorded below.
      abandoned = error.chargedCalls;
    } finally {
      // A client that went away keeps its question too (a finished or failed stream stored it).
      await Promise.all([
        prepared.stored ? undefined : this.storeConversation(prepared, null),
        abandoned ? this.recordConsumed(caller, prepared, abandoned, elapsed()) : undefined,
      ]);
    }
  }

  /**
   * A request that ends without an answer (failed, or a stream cut short): records what it
   * consumed and trims its hold to that cost at once (the rest goes back to the budgets now; the
   * cost job settles what is kept with the recorded cost). Nothing consumed: the hold is released.
   */
  private async recordConsumed(
    caller: Caller,
    prepared: PreparedRequest,
    calls: ModelCall[],
    timing: Timing,
  ) {
    if (calls.length === 0) return this.trimHold(prepared.requestId, 0n);
    const trimmed = priceRequest(this.deps.pricing, {
      organizationId: caller.organizationId,
      provider: prepared.input.provider,
      model: prepared.input.model,
      at: prepared.requestedAt,
      calls: calls.map((c) => c.usage),
    }).then((cost) =>
      // Unpriced, the consumed cost is unknown: the hold stays until the cost job settles it.
      cost.status === 'priced' ? this.trimHold(prepared.requestId, cost.cost.total) : undefined,
    );
    await Promise.all([this.recordUsage(caller, prepared, calls, 'failed', timing, null), trimmed]);
  }

  /** Hands back all of the request's budget hold above `keepNano` (a no-op when nothing is held). */
  private async trimHold(requestId: string, keepNano: bigint): Promise<void> {
    // A failed trim costs only time: the cost job (or the hold's expiry) still settles the hold.
    await this.deps.holds
      ?.trim(requestId, keepNano)
      .catch((err: unknown) => logger.warn({ err, requestId }, 'could not trim a budget hold'));
  }

  private async prepare(
    caller: Caller,
    rawInput: unknown,
    options: RequestOptions,
  ): Promise<PreparedRequest> {
    const input = parseSendMessageInput(rawInput);
    // Before anything is stored: an unconfigured provider must not leave a dangling message.
    this.deps.runner.assertAvailable(input.provider, input.model);
    const now = this.deps.clock.now();
    const { conversation, isNew, history } = await this.conversationFor(caller, input, now, options.scope);
    const messages: ModelMessage[] = history.map((m) => ({ role: m.role, content: m.content }));
    messages.push({ role: 'user', content: input.content });
    const requestId = options.requestId ?? this.newId();
    const tools = await this.toolsFor(caller, input, requestId, options.abortSignal);
    // Chain pre-step results reach the model as context after the caller's own system prompt.
    const system = [input.system, tools?.context].filter((part) => part).join('\n\n') || undefined;
    const prepared: PreparedRequest = {
      input,
      conversation,
      isNew,
      question: {
        id: this.newId(),
        conversationId: conversation.id,
        organizationId: conversation.organizationId,
        role: 'user',
        content: input.content,
        createdAt: now,
        requestId: null,
        provider: null,
        model: null,
        usage: null,
        metadata: input.metadata ?? {},
        toolCalls: [],
      },
      stored: false,
      requestId,
      requestedAt: now,
      tools,
      promptPrefixHash: promptPrefixHash(system, messages),
      chat: {
        provider: input.provider,
        model: input.model,
        system,
        messages,
        maxOutputTokens: input.maxOutputTokens ?? undefined,
        temperature: input.temperature ?? undefined,
        tools: tools?.tools,
        maxSteps: tools?.maxSteps,
        abortSignal: options.abortSignal,
      },
      budgetStop: null,
    };
    if (tools && this.deps.holds) {
      // Each tool step after the first holds its own worst case; a refusal ends the loop there.
      prepared.chat.beforeStep = holdEachToolStep(
        this.deps.holds,
        {
          requestId,
          subject: {
            organizationId: caller.organizationId,
            projectId: conversation.projectId,
            userId: caller.userId,
            apiKeyId: caller.apiKeyId,
          },
          provider: input.provider,
          model: input.model,
          at: now,
          system,
          tools: tools.tools,
          maxOutputTokens: input.maxOutputTokens ?? undefined,
        },
        (stop) => (prepared.budgetStop = stop),
      );
      // The first call holds its worst case again, now counting the tool definitions and the chain
      // pre-steps' context, which the budget check before the resolver could not see. Nothing has
      // been sent yet, so a refusal refuses the request, as that check would have.
      if (!(await prepared.chat.beforeStep({ stepNumber: 0, calls: [], messages }))) {
        const stop = prepared.budgetStop!;
        // Nothing was sent: the whole hold goes back now (a stream's refusal releases nothing else).
        await this.trimHold(requestId, 0n);
        throw new AppError(stop.code, stop.message, { details: { ...stop.refusal } });
      }
    }
    return prepared;
  }

  private async toolsFor(
    caller: Caller,
    input: ParsedSendMessageInput,
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<RequestTools | null> {
    if (!input.mcpServers?.length) return null;
    if (!this.deps.prepareTools) {
      throw new ValidationError([
        { field: 'mcpServers', message: 'MCP tools are not available on this server' },
      ]);
    }
    return this.deps.prepareTools(input.mcpServers, caller, {
      message: input.content,
      requestId,
      requireTools: input.requireTools ?? undefined,
      maxSteps: input.maxToolSteps ?? undefined,
      signal,
    });
  }

  private async conversationFor(
    caller: Caller,
    input: ParsedSendMessageInput,
    now: Date,
    scope: object | undefined,
  ): Promise<{ conversation: Conversation; isNew: boolean; history: Message[] }> {
    if (input.conversationId) {
      // The conversation and its history are requested together (or were, by the budget check).
      const read = this.reads.take(scope, input.conversationId);
      const existing = await read.conversation;
      if (!existing || !canReadConversation(caller, existing)) {
        throw new AppError(
          'NOT_FOUND',
          `Conversation ${input.conversationId} does not exist or is not visible to you.`,
        );
      }
      if (!canContinueConversation(caller, existing)) {
        throw new AppError(
          'FORBIDDEN',
          'Only the author or an organisation admin can continue this conversation.',
        );
      }
      if (input.projectId && input.projectId !== existing.projectId) {
        throw new AppError('BAD_USER_INPUT', 'projectId does not match the conversation’s project.', {
          details: { fields: [{ field: 'projectId', message: 'does not match the conversation' }] },
        });
      }
      return { conversation: { ...existing, updatedAt: now }, isNew: false, history: await read.messages };
    }
    if (!input.projectId) {
      throw new AppError('BAD_USER_INPUT', 'projectId is required to start a conversation.', {
        details: { fields: [{ field: 'projectId', message: 'is required' }] },
      });
    }
    if (!canUseProject(caller, input.projectId)) {
      throw new AppError('FORBIDDEN', `You cannot send messages in project ${input.projectId}.`);
    }
    const conversation: Conversation = {
      id: this.newId(),
      organizationId: caller.organizationId,
      projectId: input.projectId,
      userId: caller.userId,
      title: input.content.slice(0, 80),
      createdAt: now,
      updatedAt: now,
    };
    return { conversation, isNew: true, history: [] };
  }

  /**
   * Stores the conversation's side of the request: the conversation (or its new update time) and
   * the question, once, then the answer if there is one. The writes are independent (readers go
   * through the conversation first), so they run together.
   */
  private async storeConversation(prepared: PreparedRequest, answer: Message | null): Promise<void> {
    const first = !prepared.stored;
    prepared.stored = true;
    const { conversation } = prepared;
    const messages = [...(first ? [prepared.question] : []), ...(answer ? [answer] : [])];
    await Promise.all([
      first && prepared.isNew ? this.deps.store.create(conversation) : undefined,
      first && !prepared.isNew ? this.deps.store.touch(conversation.id, conversation.updatedAt) : undefined,
      messages.length > 0 ? this.deps.store.addMessages(messages) : undefined,
    ]);
  }

  /** The durable write of the request path: ResponseGenerated, carrying the usage event. */
  private async recordUsage(
    caller: Caller,
    prepared: PreparedRequest,
    calls: ModelCall[],
    outcome: UsageEvent['outcome'],
    timing: Timing,
    messageId: string | null,
  ): Promise<UsageEvent> {
    const toolCalls = prepared.tools?.calls ?? [];
    const event: UsageEvent = {
      id: usageEventIdFor(prepared.requestId),
      organizationId: caller.organizationId,
      projectId: prepared.conversation.projectId,
      userId: caller.userId,
      apiKeyId: caller.apiKeyId,
      requestId: prepared.requestId,
      conversationId: prepared.conversation.id,
      messageId,
      provider: prepared.input.provider,
      model: prepared.input.model,
      calls: calls.map((c) => ({
        index: c.index,
        usage: c.usage,
        partial: c.partial,
        usageSource: c.usageSource,
      })),
      outcome,
      requestedAt: prepared.requestedAt,
      latencyMs: Math.round(timing.latencyMs),
      ttftMs: timing.ttftMs === null ? null : Math.round(timing.ttftMs),
      maxOutputTokens: prepared.input.maxOutputTokens ?? null,
      promptPrefixHash: prepared.promptPrefixHash,
      toolCalls: toolCalls.length,
      toolErrors: toolCalls.filter((c) => c.isError).length,
    };
    // One durable write: ResponseGenerated's outbox row carries the whole usage event.
    await this.deps.events.dispatch(responseGeneratedFor(event, this.deps.clock.now()));
    return event;
  }

  private async complete(
    caller: Caller,
    prepared: PreparedRequest,
    result: Pick<ChatResult, 'text' | 'calls' | 'finishReason'>,
    timing: Timing,
  ): Promise<SendMessagePayload> {
    const { text, calls } = result;
    const messageId = this.newId();
    const usage = calls.reduce(
      (sum, c) => ({
        inputUncached: sum.inputUncached + c.usage.inputUncached,
        cacheRead: sum.cacheRead + c.usage.cacheRead,
        cacheWrite5m: sum.cacheWrite5m + c.usage.cacheWrite5m,
        cacheWrite1h: sum.cacheWrite1h + c.usage.cacheWrite1h,
        output: sum.output + c.usage.output,
        reasoning: sum.reasoning + c.usage.reasoning,
      }),
      { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 },
    );
    const message: Message = {
      id: messageId,
      conversationId: prepared.conversation.id,
      organizationId: prepared.conversation.organizationId,
      role: 'assistant',
      content: text,
      createdAt: this.deps.clock.now(),
      requestId: prepared.requestId,
      provider: prepared.input.provider,
      model: prepared.input.model,
      usage,
      metadata: prepared.input.metadata ?? {},
      toolCalls: (prepared.tools?.calls ?? []).map(toMessageToolCall),
    };
    // The usage write, the conversation writes and the displayed price are independent: run them
    // together. All writes finish before the response returns, so none can be lost.
    const [, , cost] = await Promise.all([
      this.recordUsage(caller, prepared, calls, 'succeeded', timing, messageId),
      this.storeConversation(prepared, message),
      priceRequest(this.deps.pricing, {
        organizationId: caller.organizationId,
        provider: prepared.input.provider,
        model: prepared.input.model,
        at: prepared.requestedAt,
        calls: calls.map((c) => c.usage),
      }),
    ]);
    return {
      requestId: prepared.requestId,
      conversation: prepared.conversation,
      message,
      usage,
      cost,
      modelCalls: calls,
      finishReason: requestFinishReason(result.finishReason, prepared.budgetStop),
      budgetStop: prepared.budgetStop,
    };
  }

  /** A failed request keeps the question, and the usage the provider charged for it. */
  private async recordFailure(caller: Caller, prepared: PreparedRequest, error: unknown, timing: Timing) {
    const charged = error instanceof ProviderRequestError ? error.chargedCalls : [];
    // The hold goes down to what was charged now: left open, it would be charged whole as an
    // estimate when it expires (a failed stream has no one else to release it).
    await Promise.all([
      this.storeConversation(prepared, null),
      this.recordConsumed(caller, prepared, charged, timing),
    ]);
  }
}
