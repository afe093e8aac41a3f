/**
 * One model call (one step of a request) as the rest of the product sees it: normalised usage
 * read from the provider's raw usage, whether that usage is complete, and what the provider said.
 */
import type { LanguageModelUsage } from 'ai';

import { makeUsage, type NormalisedUsage } from './usage/normalised-usage';
import { normaliseRawUsage, type UsageFormat } from './usage/raw-usage-normalisers';

export interface ModelCall {
  /** Zero-based position in the request's tool loop. */
  index: number;
  usage: NormalisedUsage;
  /** The provider's own usage object, kept for audit. */
  rawUsage: Record<string, unknown> | null;
  /**
   * `raw`: read from the provider's usage; `sdk`: the provider sent no raw usage and the AI SDK's
   * totals were used; `missing`: no usage at all (the cost is unknown, not zero); `estimated`: a
   * call cut short (the client went away) before its provider reported all it used, counted with
   * our tokenizer (the prompt, and the text streamed so far); always `partial`.
   */
  usageSource: 'raw' | 'sdk' | 'missing' | 'estimated';
  /** True when the call failed part-way and this is the usage charged so far. */
  partial: boolean;
  finishReason: string;
  responseId?: string;
  responseModel?: string;
}

function fromSdkUsage(usage: LanguageModelUsage): NormalisedUsage {
  const cacheRead = usage.inputTokenDetails?.cacheReadTokens ?? 0;
  const cacheWrite = usage.inputTokenDetails?.cacheWriteTokens ?? 0;
  const reasoning = usage.outputTokenDetails?.reasoningTokens ?? 0;
  return makeUsage({
    inputUncached:
      usage.inputTokenDetails?.noCacheTokens ?? (usage.inputTokens ?? 0) - cacheRead - cacheWrite,
    cacheRead,
    cacheWrite5m: cacheWrite,
    output: usage.outputTokenDetails?.textTokens ?? (usage.outputTokens ?? 0) - reasoning,
    reasoning,
  });
}

export function toModelCall(
  format: UsageFormat,
  index: number,
  usage: LanguageModelUsage | undefined,
  extra: {
    finishReason: string;
    partial?: boolean;
    responseId?: string;
    responseModel?: string;
    raw?: unknown;
  },
): ModelCall {
  const raw = extra.raw ?? usage?.raw;
  const base = {
    index,
    partial: extra.partial ?? false,
    finishReason: extra.finishReason,
    responseId: extra.responseId,
    responseModel: extra.responseModel,
  };
  if (raw && typeof raw === 'object') {
    return {
      ...base,
      usage: normaliseRawUsage(format, raw),
      rawUsage: raw as Record<string, unknown>,
      usageSource: 'raw',
    };
  }
  if (usage && (usage.inputTokens !== undefined || usage.outputTokens !== undefined)) {
    return { ...base, usage: fromSdkUsage(usage), rawUsage: null, usageSource: 'sdk' };
  }
  return { ...base, usage: makeUsage({}), rawUsage: null, usageSource: 'missing' };
}
