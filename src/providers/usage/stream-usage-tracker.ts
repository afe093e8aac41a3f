/**
 * Follows the raw chunks of one streamed model call and keeps the provider's latest usage object,
 * in that API's own raw shape. When a stream breaks after the provider has started charging
 * (Anthropic reports input tokens in `message_start`, Gemini in every chunk) this is the usage we
 * record as partial; `normaliseRawUsage` then reads it exactly like a complete response's usage.
 */
import type { UsageFormat } from './raw-usage-normalisers';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface StreamUsageTracker {
  observe(rawChunk: unknown): void;
  /** The latest raw usage seen, or undefined when the provider has reported none yet. */
  current(): Json | undefined;
}

export function createStreamUsageTracker(format: UsageFormat): StreamUsageTracker {
  let latest: Json | undefined;
  const observers: Record<UsageFormat, (chunk: Json) => void> = {
    // The final chunk (stream_options.include_usage) carries the whole call's usage.
    'openai-chat': (chunk) => {
      if (isObject(chunk.usage)) latest = chunk.usage;
    },
    // response.completed / response.incomplete / response.failed carry response.usage.
    'openai-responses': (chunk) => {
      if (isObject(chunk.response) && isObject(chunk.response.usage)) latest = chunk.response.usage;
    },
    // message_start holds input and cache counts; message_delta updates output (cumulative).
    anthropic: (chunk) => {
      if (chunk.type === 'message_start' && isObject(chunk.message) && isObject(chunk.message.usage)) {
        latest = { ...chunk.message.usage };
      } else if (chunk.type === 'message_delta' && isObject(chunk.usage)) {
        latest = { ...(latest ?? {}), ...stripNulls(chunk.usage) };
      }
    },
    // Every chunk may carry cumulative usageMetadata; the last one wins.
    google: (chunk) => {
      if (isObject(chunk.usageMetadata)) latest = chunk.usageMetadata;
    },
    normalised: (chunk) => {
      if (isObject(chunk.usage)) latest = chunk.usage;
    },
  };
  const observer = observers[format];
  return {
    observe(rawChunk) {
      if (isObject(rawChunk)) observer(rawChunk);
    },
    current: () => latest,
  };
}

/** message_delta repeats some fields as null; those must not erase message_start's counts. */
function stripNulls(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * The usage object inside one complete (non-streamed) response body, exactly as the provider sent
 * it. The AI SDK's `usage.raw` is its schema-filtered copy and can drop fields some
 * OpenAI-compatible servers use (e.g. `prompt_cache_hit_tokens`), so the body is read first.
 */
export function usageFromResponseBody(format: UsageFormat, body: unknown): Json | undefined {
  if (!isObject(body)) return undefined;
  if (format === 'google') return isObject(body.usageMetadata) ? body.usageMetadata : undefined;
  return isObject(body.usage) ? body.usage : undefined;
}
