/**
 * Maximum output tokens per model family, for requests that do not set maxOutputTokens:
 * the worst case is then the most the model can produce. Unknown models use a generous
 * default so a request is never under-estimated silently; set maxOutputTokens to tighten it.
 */
const LIMITS: [RegExp, number][] = [
  [/^gpt-5/, 128_000],
  [/^o[134](-|$)/, 100_000],
  [/^gpt-4\.1/, 32_768],
  [/^gpt-4o/, 16_384],
  [/^gpt-4-turbo|^gpt-4-\d{4}/, 4_096],
  [/^gpt-4/, 8_192],
  [/^gpt-3\.5/, 4_096],
  [/^claude-(opus-4|4-opus)/, 32_000],
  [/^claude-(sonnet-4|4-sonnet|3-7-sonnet|3\.7-sonnet)/, 64_000],
  [/^claude-(haiku-4|4-haiku)/, 64_000],
  [/^claude-3-5|^claude-3\.5/, 8_192],
  [/^claude-3/, 4_096],
  [/^gemini-2\.5/, 65_536],
  [/^gemini/, 8_192],
];

export const DEFAULT_MAX_OUTPUT_TOKENS = 32_768;

export function maxOutputTokensFor(model: string): number {
  const name = model.toLowerCase().replace(/^models\//, '');
  for (const [pattern, limit] of LIMITS) if (pattern.test(name)) return limit;
  return DEFAULT_MAX_OUTPUT_TOKENS;
}
