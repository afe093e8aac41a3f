/**
 * Runs a chat request against a configured provider, generated or streamed, with or without a
 * tool loop, and reports every model call's normalised usage. Failures become PROVIDER_* errors
 * that still carry the usage the provider charged before failing (completed tool-loop steps, and
 * for streams the usage reported before the break), so nothing billed goes unrecorded. A stream
 * cut short by its consumer or caller (a client that went away) records its unfinished call with
 * our own count where the provider had not reported its usage yet (see cut-short-usage).
 */
import {
  generateText,
  stepCountIs,
  streamText,
  type ModelMessage,
  type StopCondition,
  type ToolSet,
} from 'ai';

import { DEFAULT_MAX_TOOL_STEPS } from '../conversations/send-message-input';
import { AppError } from '../shared/errors';
import { logger } from '../shared/logger';
import { toModelCall, type ModelCall } from './model-call';
import { toProviderError } from './provider-errors';
import type { ProviderRegistry } from './provider-registry';
import { countCutShort, cutShortModelCall } from './usage/cut-short-usage';
import { addUsage, emptyUsage, type NormalisedUsage } from './usage/normalised-usage';
import type { UsageFormat } from './usage/raw-usage-normalisers';
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
  /**
   * Asked before each model call after the first in the tool loop, with the calls made so far and
   * every message the next call will send (tool calls and results included); false ends the loop
   * there, as a normal finish with what the model has produced. Must not throw.
   */
  beforeStep?: (next: NextStep) => Promise<boolean>;
  abortSignal?: AbortSignal;
  /**
   * Streams only: called when the consumer stops reading before the end, with the usage charged so
   * far (finished calls, and the call that was cut, as reported or estimated).
   */
  onAbandoned?: (chargedCalls: ModelCall[]) => void;
}

export interface NextStep {
  /** Zero-based index of the call about to be made. */
  stepNumber: number;
  calls: ModelCall[];
  /** The request's messages followed by every assistant and tool message of the loop so far. */
  messages: ModelMessage[];
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

/**
 * The loop's stop condition: the step bound, then `beforeStep`. The SDK checks it only when another
 * model call would follow, so a refusal there stops the loop before that call, without an error.
 * The calls are read from the SDK's steps, complete for streams too (their finish-step events may
 * not have been consumed yet).
 */
function stopCondition(request: ChatRequest, format: UsageFormat, maxSteps: number): StopCondition<ToolSet> {
  const { beforeStep } = request;
  if (!beforeStep) return stepCountIs(maxSteps);
  return async ({ steps }) => {
    if (steps.length >= maxSteps) return true;
    const calls = steps.map((step, index) =>
      toModelCall(format, index, step.usage, {
        finishReason: step.finishReason,
        raw: usageFromResponseBody(format, step.response.body),
      }),
    );
    const messages = [...request.messages, ...(steps.at(-1)?.response.messages ?? [])];
    return !(await beforeStep({ stepNumber: steps.length, calls, messages }));
  };
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
    const maxSteps = request.maxSteps ?? (hasTools ? DEFAULT_MAX_TOOL_STEPS : 1);
    return {
      provider,
      maxSteps,
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
        stopWhen: stopCondition(request, provider.usageFormat, maxSteps),
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
    // Whether a model call has been sent and has not finished (the first is sent at once; the next
    // after a step that ended in tool calls, unless that was the last step), what earlier steps
    // added to its prompt, and what it has streamed: a call we cut is counted from them.
    let inFlight = true;
    let earlierSteps = '';
    let streamed = '';
    let toolResults = '';
    // A call that failed counts with the usage its provider had reported so far, if any; one we cut
    // short (`cut`) also with our count where the provider's report falls short.
    const addPartialCall = (finishReason: 'abandoned' | 'error', cut: boolean) => {
      const partialRaw = tracker.current();
      const reported = partialRaw
        ? toModelCall(run.format, calls.length, undefined, { finishReason, partial: true, raw: partialRaw })
        : undefined;
      if (cut && inFlight) {
        const counted = countCutShort({ ...request, earlierSteps, streamed });
        calls.push(cutShortModelCall(reported, counted, calls.length, finishReason));
      } else if (reported) calls.push(reported);
      inFlight = false;
    };
    try {
      const result = streamText({ ...run.settings, includeRawChunks: true, onError: () => undefined });
      for await (const part of result.fullStream) {
        switch (part.type) {
          case 'start-step':
            tracker = createStreamUsageTracker(run.format);
            stepFailed = false;
            inFlight = true;
            break;
          case 'raw':
            tracker.observe(part.rawValue);
            break;
          case 'text-delta':
            text += part.text;
            streamed += part.text;
            yield { type: 'text-delta', text: part.text };
            break;
          case 'reasoning-delta':
            streamed += part.text;
            break;
          case 'tool-result':
            toolResults += JSON.stringify(part.output ?? null);
            break;
          case 'tool-call': {
            const toolCall = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
            streamed += JSON.stringify(part.input ?? null);
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
            earlierSteps += streamed + toolResults;
            streamed = toolResults = '';
            inFlight = part.finishReason === 'tool-calls' && calls.length < run.maxSteps;
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
        addPartialCall('abandoned', true);
        request.onAbandoned?.(calls);
      }
      run.done();
    }
    if (failure !== undefined) {
      // Aborted by the caller (a client that went away) rather than failed. A timeout stays a
      // failure: a provider that never answered may not have charged anything.
      const cut = run.signal.aborted && !run.timedOut();
      addPartialCall(cut ? 'abandoned' : 'error', cut);
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
