/**
 * Runs a chat request against a configured provider, generated or streamed, with or without a
 * tool loop, and reports every model call's normalised usage. Failures become PROVIDER_* errors
 * that still carry the usage the provider charged before failing (completed tool-loop steps, and
 * for streams the usage reported before the break), so nothing billed goes unrecorded.
 */
import { generateText, stepCountIs, streamText, type ModelMessage, type ToolSet } from 'ai';

import { DEFAULT_MAX_TOOL_STEPS } from '../conversations/send-message-input';
import { AppError } from '../shared/errors';
import { logger } from '../shared/logger';
import { toModelCall, type ModelCall } from './model-call';
import { toProviderError } from './provider-errors';
import type { ProviderRegistry } from './provider-registry';
import { addUsage, emptyUsage, type NormalisedUsage } from './usage/normalised-usage';
import { createStreamUsageTracker, usageFromResponseBody } from './usage/stream-usage-tracker';

// The AI SDK prints provider warnings to the console; route them to our structured log instead.
globalThis.AI_SDK_LOG_WARNINGS ??= ({ warnings, provider, model }) => {
  if (warnings.length > 0) logger.warn({ provider, model, warnings }, 'AI SDK warnings');
};

export interface ChatRequest {
  provider: string;
  model: string;
  system?: string;
  messages: ModelMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  /** AI SDK tools (the MCP integration passes its tools here). */
  tools?: ToolSet;
  /** Upper bound on model calls in the tool loop; default 1 without tools, 8 with. */
  maxSteps?: number;
  abortSignal?: AbortSignal;
  /**
   * Streams only: called when the consumer stops reading before the end, with the usage the
   * provider had charged so far (finished calls, and the partial call if it reported usage).
   */
  onAbandoned?: (chargedCalls: ModelCall[]) => void;
}

export interface ChatToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

export interface ChatResult {
  provider: string;
  model: string;
  text: string;
  finishReason: string;
  calls: ModelCall[];
  /** Sum over `calls`. */
  usage: NormalisedUsage;
  toolCalls: ChatToolCall[];
}

export type ChatStreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; toolCall: ChatToolCall }
  | { type: 'call-finished'; call: ModelCall }
  | { type: 'finish'; result: ChatResult };

/** A provider failure, with the usage the provider had charged before it (possibly none). */
export class ProviderRequestError extends AppError {
  constructor(
    error: AppError,
    readonly chargedCalls: ModelCall[],
  ) {
    super(error.code, error.message, { details: error.details, status: error.status, cause: error.cause });
    this.name = 'ProviderRequestError';
  }
}

function sumUsage(calls: ModelCall[]): NormalisedUsage {
  return calls.reduce((sum, call) => addUsage(sum, call.usage), emptyUsage());
}

export class ChatRunner {
  constructor(private readonly registry: ProviderRegistry) {}

  /** Fails fast (PROVIDER_NOT_CONFIGURED, BAD_USER_INPUT) before anything is stored for a request. */
  assertAvailable(providerId: string, model: string): void {
    this.registry.get(providerId);
    if (!model.trim()) {
      throw new AppError('BAD_USER_INPUT', 'A model is required.', {
        details: { fields: [{ field: 'model' }] },
      });
    }
  }

  private prepare(request: ChatRequest) {
    this.assertAvailable(request.provider, request.model);
    const provider = this.registry.get(request.provider);
    const { timeoutMs, maxRetries } = this.registry.config;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('provider timeout', 'TimeoutError')),
      timeoutMs,
    );
    // Aborted when a stream's consumer stops reading, so the provider request is not left running.
    const abandoned = new AbortController();
    const signal = AbortSignal.any([
      timeout.signal,
      abandoned.signal,
      ...(request.abortSignal ? [request.abortSignal] : []),
    ]);
    const hasTools = Object.keys(request.tools ?? {}).length > 0;
    return {
      provider,
      format: provider.usageFormat,
      signal,
      done: () => clearTimeout(timer),
      abandon: () => abandoned.abort(new DOMException('stream consumer stopped', 'AbortError')),
      timedOut: () => timeout.signal.aborted,
      settings: {
        model: provider.languageModel(request.model),
        system: request.system,
        messages: request.messages,
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
        tools: request.tools,
        stopWhen: stepCountIs(request.maxSteps ?? (hasTools ? DEFAULT_MAX_TOOL_STEPS : 1)),
        maxRetries,
        abortSignal: signal,
      },
    };
  }

  private fail(
    error: unknown,
    request: ChatRequest,
    timedOut: boolean,
    calls: ModelCall[],
  ): ProviderRequestError {
    const mapped = toProviderError(error, { provider: request.provider, model: request.model, timedOut });
    return new ProviderRequestError(mapped, calls);
  }

  async generate(request: ChatRequest): Promise<ChatResult> {
    const run = this.prepare(request);
    const calls: ModelCall[] = [];
    try {
      const result = await generateText({
        ...run.settings,
        onStepFinish: (step) => {
          calls.push(
            toModelCall(run.format, calls.length, step.usage, {
              finishReason: step.finishReason,
              responseId: step.response.id,
              responseModel: step.response.modelId,
              raw: usageFromResponseBody(run.format, step.response.body),
            }),
          );
        },
      });
      return {
        provider: run.provider.id,
        model: request.model,
        text: result.text,
        finishReason: result.finishReason,
        calls,
        usage: sumUsage(calls),
        toolCalls: result.steps.flatMap((s) =>
          s.toolCalls.map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: c.input })),
        ),
      };
    } catch (error) {
      throw this.fail(error, request, run.timedOut(), calls);
    } finally {
      run.done();
    }
  }

  /**
   * Streams a request. Yields text deltas, tool calls and each finished model call, then a final
   * `finish` event with the same `ChatResult` `generate` returns; throws ProviderRequestError.
   */
  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, ChatResult> {
    const run = this.prepare(request);
    const calls: ModelCall[] = [];
    const toolCalls: ChatToolCall[] = [];
    let tracker = createStreamUsageTracker(run.format);
    let text = '';
    let finishReason = 'unknown';
    let failure: unknown;
    let settled = false;
    // An error inside a step still ends with finish-step: that call's usage is then partial.
    let stepFailed = false;
    // A call cut short counts with the usage its provider had reported so far, if any.
    const addPartialCall = (finishReason: 'abandoned' | 'error') => {
      const partialRaw = tracker.current();
      if (partialRaw) {
        calls.push(
          toModelCall(run.format, calls.length, undefined, { finishReason, partial: true, raw: partialRaw }),
        );
      }
    };
    try {
      const result = streamText({ ...run.settings, includeRawChunks: true, onError: () => undefined });
      for await (const part of result.fullStream) {
        switch (part.type) {
          case 'start-step':
            tracker = createStreamUsageTracker(run.format);
            stepFailed = false;
            break;
          case 'raw':
            tracker.observe(part.rawValue);
            break;
          case 'text-delta':
            text += part.text;
            yield { type: 'text-delta', text: part.text };
            break;
          case 'tool-call': {
            const toolCall = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
            toolCalls.push(toolCall);
            yield { type: 'tool-call', toolCall };
            break;
          }
          case 'finish-step': {
            const call = toModelCall(run.format, calls.length, part.usage, {
              finishReason: part.finishReason,
              partial: stepFailed || part.finishReason === 'error',
              responseId: part.response.id,
              responseModel: part.response.modelId,
              // The chunks as sent beat the SDK's filtered copy (see usageFromResponseBody).
              raw: tracker.current() ?? part.usage.raw,
            });
            calls.push(call);
            tracker = createStreamUsageTracker(run.format);
            yield { type: 'call-finished', call };
            break;
          }
          case 'finish':
            finishReason = part.finishReason;
            break;
          case 'error':
            failure ??= part.error;
            stepFailed = true;
            break;
          case 'abort':
            failure ??= run.timedOut()
              ? new DOMException('provider timeout', 'TimeoutError')
              : new DOMException('cancelled', 'AbortError');
            break;
        }
      }
      settled = true;
    } catch (error) {
      failure ??= error;
      settled = true;
    } finally {
      if (!settled) {
        run.abandon();
        addPartialCall('abandoned');
        request.onAbandoned?.(calls);
      }
      run.done();
    }
    if (failure !== undefined) {
      addPartialCall('error');
      throw this.fail(failure, request, run.timedOut(), calls);
    }
    const chatResult: ChatResult = {
      provider: run.provider.id,
      model: request.model,
      text,
      finishReason,
      calls,
      usage: sumUsage(calls),
      toolCalls,
    };
    yield { type: 'finish', result: chatResult };
    return chatResult;
  }
}
