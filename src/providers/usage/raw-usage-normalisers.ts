/**
 * Converts each provider API's raw usage object into `NormalisedUsage`, following that API's own
 * conventions. We read the raw usage (AI SDK `usage.raw`) rather than trusting a generic mapping
 * because costs depend on details a generic layer drops (Anthropic's 5m/1h cache writes, Gemini's
 * tool-use prompt tokens).
 *
 * - OpenAI chat completions: `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`;
 *   `completion_tokens` INCLUDES `completion_tokens_details.reasoning_tokens`.
 * - OpenAI Responses API: same rules with `input_tokens` / `output_tokens` and `*_details`.
 * - Anthropic messages: `input_tokens` EXCLUDES cache reads and writes; writes are
 *   `cache_creation_input_tokens`, split by TTL in `cache_creation.ephemeral_5m/1h_input_tokens`
 *   (absent split = the default 5 minute TTL). `output_tokens` includes any thinking.
 * - Gemini generateContent: `promptTokenCount` INCLUDES `cachedContentTokenCount`;
 *   `candidatesTokenCount` EXCLUDES `thoughtsTokenCount` (reasoning); `toolUsePromptTokenCount`
 *   is extra prompt input billed at the input rate.
 */
import { z } from 'zod';

import { makeUsage, type NormalisedUsage } from './normalised-usage';

export type UsageFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'google' | 'normalised';

const count = z.number().nonnegative().nullish();

const openAiChatUsage = z
  .object({
    prompt_tokens: count,
    completion_tokens: count,
    prompt_tokens_details: z
      .object({ cached_tokens: count, cache_write_tokens: count })
      .passthrough()
      .nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: count }).passthrough().nullish(),
    // DeepSeek and some other OpenAI-compatible servers report cache hits here instead.
    prompt_cache_hit_tokens: count,
  })
  .passthrough();

const openAiResponsesUsage = z
  .object({
    input_tokens: count,
    output_tokens: count,
    input_tokens_details: z
      .object({ cached_tokens: count, cache_write_tokens: count })
      .passthrough()
      .nullish(),
    output_tokens_details: z.object({ reasoning_tokens: count }).passthrough().nullish(),
  })
  .passthrough();

const anthropicUsage = z
  .object({
    input_tokens: count,
    output_tokens: count,
    cache_read_input_tokens: count,
    cache_creation_input_tokens: count,
    cache_creation: z
      .object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count })
      .passthrough()
      .nullish(),
    output_tokens_details: z.object({ thinking_tokens: count }).passthrough().nullish(),
  })
  .passthrough();

const googleUsage = z
  .object({
    promptTokenCount: count,
    cachedContentTokenCount: count,
    candidatesTokenCount: count,
    thoughtsTokenCount: count,
    toolUsePromptTokenCount: count,
  })
  .passthrough();

const normalisedUsage = z
  .object({
    inputUncached: count,
    cacheRead: count,
    cacheWrite5m: count,
    cacheWrite1h: count,
    output: count,
    reasoning: count,
  })
  .passthrough();

export class UsageFormatError extends Error {
  constructor(format: UsageFormat, issues: string) {
    super(`Provider usage in ${format} format could not be read: ${issues}`);
    this.name = 'UsageFormatError';
  }
}

function parse<T extends z.ZodTypeAny>(format: UsageFormat, schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new UsageFormatError(
      format,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

const n = (value: number | null | undefined): number => value ?? 0;

function fromOpenAiChat(raw: unknown): NormalisedUsage {
  const u = parse('openai-chat', openAiChatUsage, raw);
  const cacheRead = n(u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens);
  const cacheWrite = n(u.prompt_tokens_details?.cache_write_tokens);
  const reasoning = n(u.completion_tokens_details?.reasoning_tokens);
  return makeUsage({
    inputUncached: n(u.prompt_tokens) - cacheRead - cacheWrite,
    cacheRead,
    cacheWrite5m: cacheWrite,
    output: n(u.completion_tokens) - reasoning,
    reasoning,
  });
}

function fromOpenAiResponses(raw: unknown): NormalisedUsage {
  const u = parse('openai-responses', openAiResponsesUsage, raw);
  const cacheRead = n(u.input_tokens_details?.cached_tokens);
  const cacheWrite = n(u.input_tokens_details?.cache_write_tokens);
  const reasoning = n(u.output_tokens_details?.reasoning_tokens);
  return makeUsage({
    inputUncached: n(u.input_tokens) - cacheRead - cacheWrite,
    cacheRead,
    cacheWrite5m: cacheWrite,
    output: n(u.output_tokens) - reasoning,
    reasoning,
  });
}

function fromAnthropic(raw: unknown): NormalisedUsage {
  const u = parse('anthropic', anthropicUsage, raw);
  const split = u.cache_creation;
  const write1h = n(split?.ephemeral_1h_input_tokens);
  // The total is authoritative when present; whatever is not 1h was written with the 5m TTL.
  const write5m =
    u.cache_creation_input_tokens != null
      ? u.cache_creation_input_tokens - write1h
      : n(split?.ephemeral_5m_input_tokens);
  const thinking = n(u.output_tokens_details?.thinking_tokens);
  return makeUsage({
    inputUncached: n(u.input_tokens),
    cacheRead: n(u.cache_read_input_tokens),
    cacheWrite5m: write5m,
    cacheWrite1h: write1h,
    output: n(u.output_tokens) - thinking,
    reasoning: thinking,
  });
}

function fromGoogle(raw: unknown): NormalisedUsage {
  const u = parse('google', googleUsage, raw);
  const cacheRead = n(u.cachedContentTokenCount);
  return makeUsage({
    inputUncached: n(u.promptTokenCount) - cacheRead + n(u.toolUsePromptTokenCount),
    cacheRead,
    output: n(u.candidatesTokenCount),
    reasoning: n(u.thoughtsTokenCount),
  });
}

function fromNormalised(raw: unknown): NormalisedUsage {
  return makeUsage(parse('normalised', normalisedUsage, raw));
}

const normalisers: Record<UsageFormat, (raw: unknown) => NormalisedUsage> = {
  'openai-chat': fromOpenAiChat,
  'openai-responses': fromOpenAiResponses,
  anthropic: fromAnthropic,
  google: fromGoogle,
  normalised: fromNormalised,
};

/** Converts one model call's raw usage, in the given API format, into `NormalisedUsage`. */
export function normaliseRawUsage(format: UsageFormat, raw: unknown): NormalisedUsage {
  return normalisers[format](raw);
}
