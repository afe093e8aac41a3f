/**
 * The `mock` provider's model: a real AI SDK LanguageModelV3, so mock requests go through exactly
 * the same generateText/streamText path, tool loop, usage handling and error mapping as real
 * providers. Deterministic: the same prompt and script give the same text and usage. Every
 * default answer says it comes from the mock. Scripted errors are not retryable, so one scripted
 * turn is one outcome.
 */
import { APICallError } from '@ai-sdk/provider';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

import { makeUsage, type NormalisedUsage } from '../usage/normalised-usage';
import { parseMockDirective, type MockScriptBook, type MockTurn } from './mock-script';
import { sleep } from '../../shared/sleep';

const CHARS_PER_TOKEN = 4;

function promptText(prompt: LanguageModelV3Prompt): { all: string; lastUser: string } {
  let all = '';
  let lastUser = '';
  for (const message of prompt) {
    if (message.role === 'system') {
      all += message.content;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') {
        all += part.text;
        if (message.role === 'user') lastUser = part.text;
      } else if (part.type === 'tool-result' || part.type === 'tool-call') {
        all += JSON.stringify(part);
      }
    }
  }
  return { all, lastUser };
}

const estimate = (text: string) => Math.ceil(text.length / CHARS_PER_TOKEN);

function toSdkUsage(usage: NormalisedUsage): LanguageModelV3Usage {
  const input = usage.inputUncached + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h;
  return {
    inputTokens: {
      total: input,
      noCache: usage.inputUncached,
      cacheRead: usage.cacheRead,
      cacheWrite: usage.cacheWrite5m + usage.cacheWrite1h,
    },
    outputTokens: { total: usage.output + usage.reasoning, text: usage.output, reasoning: usage.reasoning },
    raw: { ...usage },
  };
}

function scriptedError(turn: MockTurn, modelId: string): APICallError {
  const status = turn.error?.status ?? 500;
  return new APICallError({
    message: turn.error?.message ?? `Mock provider scripted failure (HTTP ${status})`,
    url: `mock://${modelId}`,
    requestBodyValues: {},
    statusCode: status,
    isRetryable: false,
  });
}

interface PlannedTurn {
  turn: MockTurn;
  text: string;
  usage: NormalisedUsage;
  content: LanguageModelV3Content[];
  finishReason: LanguageModelV3GenerateResult['finishReason'];
}

export class MockLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider = 'mock';
  readonly supportedUrls = {};
  private callCounter = 0;

  constructor(
    readonly modelId: string,
    private readonly scripts: MockScriptBook,
  ) {}

  private plan(options: LanguageModelV3CallOptions): PlannedTurn {
    const { all, lastUser } = promptText(options.prompt);
    const turn = this.scripts.next(this.modelId) ?? parseMockDirective(lastUser) ?? {};
    const hasTools = (turn.toolCalls?.length ?? 0) > 0;
    const text = turn.echoPrompt
      ? all
      : (turn.text ?? (hasTools ? '' : `[mock ${this.modelId}] ${lastUser.slice(0, 200)}`));
    this.callCounter += 1;
    const content: LanguageModelV3Content[] = [];
    if (text) content.push({ type: 'text', text });
    (turn.toolCalls ?? []).forEach((call, i) => {
      content.push({
        type: 'tool-call',
        toolCallId: call.toolCallId ?? `mock-call-${this.callCounter}-${i}`,
        toolName: call.toolName,
        input: JSON.stringify(call.input ?? {}),
      });
    });
    const usage = makeUsage({
      inputUncached: estimate(all),
      output: estimate(text + JSON.stringify(turn.toolCalls ?? [])),
      ...turn.usage,
    });
    return {
      turn,
      text,
      usage,
      content,
      finishReason: hasTools
        ? { unified: 'tool-calls', raw: 'tool_calls' }
        : { unified: 'stop', raw: 'stop' },
    };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const planned = this.plan(options);
    await sleep(planned.turn.delayMs ?? 0, options.abortSignal);
    if (planned.turn.error) throw scriptedError(planned.turn, this.modelId);
    return {
      content: planned.content,
      finishReason: planned.finishReason,
      usage: toSdkUsage(planned.usage),
      response: { id: `mock-${this.callCounter}`, modelId: this.modelId, timestamp: new Date(0) },
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const planned = this.plan(options);
    const { turn, text } = planned;
    const signal = options.abortSignal;
    const size = turn.chunkSize ?? 8;
    const raw = options.includeRawChunks === true;
    const id = `mock-${this.callCounter}`;
    const modelId = this.modelId;
    const inputOnly = { ...planned.usage, output: 0, reasoning: 0 };
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      async start(controller) {
        try {
          await sleep(turn.delayMs ?? 0, signal);
          if (turn.error && turn.failAfterChunks === undefined) throw scriptedError(turn, modelId);
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'response-metadata', id, modelId, timestamp: new Date(0) });
          // Like Anthropic's message_start: input usage is known (and charged) before any text.
          if (raw) controller.enqueue({ type: 'raw', rawValue: { usage: inputOnly } });
          if (text) controller.enqueue({ type: 'text-start', id: 't0' });
          for (let i = 0, sent = 0; i < text.length; i += size, sent += 1) {
            if (turn.failAfterChunks !== undefined && sent >= turn.failAfterChunks) {
              throw scriptedError(turn, modelId);
            }
            if (i > 0) await sleep(turn.chunkDelayMs ?? 0, signal);
            controller.enqueue({ type: 'text-delta', id: 't0', delta: text.slice(i, i + size) });
          }
          if (turn.failAfterChunks !== undefined) throw scriptedError(turn, modelId);
          if (text) controller.enqueue({ type: 'text-end', id: 't0' });
          for (const part of planned.content) if (part.type === 'tool-call') controller.enqueue(part);
          if (raw) controller.enqueue({ type: 'raw', rawValue: { usage: planned.usage } });
          controller.enqueue({
            type: 'finish',
            usage: toSdkUsage(planned.usage),
            finishReason: planned.finishReason,
          });
          controller.close();
        } catch (error) {
          controller.enqueue({ type: 'error', error });
          controller.close();
        }
      },
    });
    return { stream };
  }
}
