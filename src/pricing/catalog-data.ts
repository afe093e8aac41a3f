/**
 * The shipped price catalog: list prices in USD per million tokens, as decimal strings, from each
 * provider's public pricing pages. Each row says where it comes from, from when it applies (the
 * model's release or the price change; a model's first row also covers earlier requests) and its
 * tier. A price change is a new row with a later `effectiveFrom`, never an edit of an old one, so
 * old requests keep the price that was in force when they were made.
 *
 * Checked on 2026-11-25 against the provider pages:
 * - Anthropic: every row against the model pricing table of platform.claude.com (base input,
 *   5m/1h cache writes, cache hits, output) and the release dates on its model pages;
 * - OpenAI: gpt-5, gpt-5-nano (and gpt-5-codex's identical rates) against their model pages on
 *   developers.openai.com; the other OpenAI rows match OpenAI's published rates as quoted by
 *   several independent pricing tables, but their provider page was not in reach;
 * - Google: not re-checked against ai.google.dev in this pass (no copy of the page was in reach).
 * Rows whose provider page could not be read are marked in the README; newer models seen only in
 * third-party tables (e.g. OpenAI's GPT-5.4/5.5 family, later Claude and Gemini generations) are
 * left out rather than guessed: price them with `setModelPrice` until a row is added here.
 *
 * Organisations with negotiated prices record them with `setModelPrice`; those take precedence.
 */
export interface CatalogRates {
  input: string;
  cachedInput?: string;
  cacheWrite5m?: string;
  cacheWrite1h?: string;
  output: string;
  reasoning?: string;
}

/**
 * What class of model this is within its provider's line-up: `flagship` (the most capable and most
 * expensive), `standard` (the balanced default) or `economy` (small, fast, cheap). Recommendations
 * use it with `cheaperAlternatives` to suggest a step down.
 */
export type ModelTier = 'flagship' | 'standard' | 'economy';

export interface CatalogRow {
  provider: 'openai' | 'anthropic' | 'google';
  model: string;
  tier: ModelTier;
  /** Other names the provider accepts for exactly this model and price. */
  aliases?: string[];
  effectiveFrom: string;
  source: string;
  rates: CatalogRates;
  tiers?: { abovePromptTokens: number; rates: CatalogRates }[];
}

const OPENAI = 'https://developers.openai.com/api/docs/pricing';
const ANTHROPIC = 'https://platform.claude.com/docs/en/about-claude/pricing';
const GOOGLE = 'https://ai.google.dev/gemini-api/docs/pricing';

/** Anthropic cache writes: 1.25x input for the 5 minute TTL, 2x for 1 hour; reads 0.1x. */
function anthropic(
  input: string,
  cacheWrite5m: string,
  cacheWrite1h: string,
  cachedInput: string,
  output: string,
) {
  return { input, cacheWrite5m, cacheWrite1h, cachedInput, output };
}

export const CATALOG: CatalogRow[] = [
  // OpenAI: cached input is the automatic prompt-cache rate; there is no cache-write charge.
  // Reasoning tokens are billed as output tokens.
  {
    provider: 'openai',
    model: 'gpt-4o',
    tier: 'standard',
    aliases: ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'],
    effectiveFrom: '2024-10-02',
    source: OPENAI,
    rates: { input: '2.50', cachedInput: '1.25', output: '10.00' },
  },
  {
    provider: 'openai',
    model: 'gpt-4o-2024-05-13',
    tier: 'standard',
    effectiveFrom: '2024-05-13',
    source: OPENAI,
    rates: { input: '5.00', output: '15.00' },
  },
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    tier: 'economy',
    effectiveFrom: '2024-10-01',
    source: OPENAI,
    rates: { input: '0.15', cachedInput: '0.075', output: '0.60' },
  },
  {
    provider: 'openai',
    model: 'gpt-4.1',
    tier: 'standard',
    effectiveFrom: '2025-04-14',
    source: OPENAI,
    rates: { input: '2.00', cachedInput: '0.50', output: '8.00' },
  },
  {
    provider: 'openai',
    model: 'gpt-4.1-mini',
    tier: 'economy',
    effectiveFrom: '2025-04-14',
    source: OPENAI,
    rates: { input: '0.40', cachedInput: '0.10', output: '1.60' },
  },
  {
    provider: 'openai',
    model: 'gpt-4.1-nano',
    tier: 'economy',
    effectiveFrom: '2025-04-14',
    source: OPENAI,
    rates: { input: '0.10', cachedInput: '0.025', output: '0.40' },
  },
  {
    provider: 'openai',
    model: 'gpt-5',
    tier: 'flagship',
    effectiveFrom: '2025-08-07',
    source: OPENAI,
    rates: { input: '1.25', cachedInput: '0.125', output: '10.00' },
  },
  {
    provider: 'openai',
    model: 'gpt-5-mini',
    tier: 'standard',
    effectiveFrom: '2025-08-07',
    source: OPENAI,
    rates: { input: '0.25', cachedInput: '0.025', output: '2.00' },
  },
  {
    provider: 'openai',
    model: 'gpt-5-nano',
    tier: 'economy',
    effectiveFrom: '2025-08-07',
    source: OPENAI,
    rates: { input: '0.05', cachedInput: '0.005', output: '0.40' },
  },
  {
    provider: 'openai',
    model: 'o1',
    tier: 'flagship',
    effectiveFrom: '2024-12-17',
    source: OPENAI,
    rates: { input: '15.00', cachedInput: '7.50', output: '60.00' },
  },
  {
    provider: 'openai',
    model: 'o3',
    tier: 'flagship',
    effectiveFrom: '2025-04-16',
    source: OPENAI,
    rates: { input: '10.00', cachedInput: '2.50', output: '40.00' },
  },
  {
    // The June 2025 price cut: a new row, so April-June requests keep the old price.
    provider: 'openai',
    model: 'o3',
    tier: 'flagship',
    effectiveFrom: '2025-06-10',
    source: OPENAI,
    rates: { input: '2.00', cachedInput: '0.50', output: '8.00' },
  },
  {
    provider: 'openai',
    model: 'o3-mini',
    tier: 'standard',
    effectiveFrom: '2025-01-31',
    source: OPENAI,
    rates: { input: '1.10', cachedInput: '0.55', output: '4.40' },
  },
  {
    provider: 'openai',
    model: 'o4-mini',
    tier: 'standard',
    effectiveFrom: '2025-04-16',
    source: OPENAI,
    rates: { input: '1.10', cachedInput: '0.275', output: '4.40' },
  },

  // Anthropic: input, 5m cache write, 1h cache write, cache read, output.
  {
    provider: 'anthropic',
    model: 'claude-opus-4-5',
    tier: 'flagship',
    aliases: ['claude-opus-4-5-20251101'],
    effectiveFrom: '2025-11-24',
    source: ANTHROPIC,
    rates: anthropic('5', '6.25', '10', '0.50', '25'),
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-1',
    tier: 'flagship',
    aliases: ['claude-opus-4-1-20250805'],
    effectiveFrom: '2025-08-05',
    source: ANTHROPIC,
    rates: anthropic('15', '18.75', '30', '1.50', '75'),
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-0',
    tier: 'flagship',
    aliases: ['claude-opus-4-20250514', 'claude-opus-4'],
    effectiveFrom: '2025-05-22',
    source: ANTHROPIC,
    rates: anthropic('15', '18.75', '30', '1.50', '75'),
  },
  {
    // Prompts over 200K tokens (1M context) are billed at the long-context rates for the whole call.
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    tier: 'standard',
    aliases: ['claude-sonnet-4-5-20250929'],
    effectiveFrom: '2025-09-29',
    source: ANTHROPIC,
    rates: anthropic('3', '3.75', '6', '0.30', '15'),
    tiers: [{ abovePromptTokens: 200_000, rates: anthropic('6', '7.50', '12', '0.60', '22.50') }],
  },
  {
    // Released 2026-02-17 (platform.claude.com model page). The page gives no long-context
    // premium for it, so none is applied.
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    tier: 'standard',
    effectiveFrom: '2026-02-17',
    source: ANTHROPIC,
    rates: anthropic('3', '3.75', '6', '0.30', '15'),
  },
  {
    // Released 2026-06-30; rates from its platform.claude.com model page (5m write $2.50, 1h $4,
    // cache read $0.20), no long-context premium.
    provider: 'anthropic',
    model: 'claude-sonnet-5',
    tier: 'standard',
    effectiveFrom: '2026-06-30',
    source: 'https://platform.claude.com/docs/en/models/sonnet-5/overview',
    rates: anthropic('2', '2.50', '4', '0.20', '10'),
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-0',
    tier: 'standard',
    aliases: ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    effectiveFrom: '2025-05-22',
    source: ANTHROPIC,
    rates: anthropic('3', '3.75', '6', '0.30', '15'),
    tiers: [{ abovePromptTokens: 200_000, rates: anthropic('6', '7.50', '12', '0.60', '22.50') }],
  },
  {
    provider: 'anthropic',
    model: 'claude-3-7-sonnet',
    tier: 'standard',
    aliases: ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet-latest'],
    effectiveFrom: '2025-02-24',
    source: ANTHROPIC,
    rates: anthropic('3', '3.75', '6', '0.30', '15'),
  },
  {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    tier: 'economy',
    aliases: ['claude-haiku-4-5-20251001'],
    effectiveFrom: '2025-10-15',
    source: ANTHROPIC,
    rates: anthropic('1', '1.25', '2', '0.10', '5'),
  },
  {
    provider: 'anthropic',
    model: 'claude-3-5-haiku',
    tier: 'economy',
    aliases: ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest'],
    effectiveFrom: '2024-11-04',
    source: ANTHROPIC,
    rates: anthropic('0.80', '1', '1.6', '0.08', '4'),
  },
  {
    provider: 'anthropic',
    model: 'claude-3-haiku',
    tier: 'economy',
    aliases: ['claude-3-haiku-20240307'],
    effectiveFrom: '2024-03-13',
    source: ANTHROPIC,
    rates: anthropic('0.25', '0.30', '0.50', '0.03', '1.25'),
  },

  // Google Gemini: thinking tokens are billed as output; prompts over 200K tokens use the higher tier.
  // Context-cache storage (per token-hour) is billed separately by Google and is not a request cost.
  {
    provider: 'google',
    model: 'gemini-3-pro-preview',
    tier: 'flagship',
    effectiveFrom: '2025-11-18',
    source: GOOGLE,
    rates: { input: '2.00', cachedInput: '0.20', output: '12.00' },
    tiers: [{ abovePromptTokens: 200_000, rates: { input: '4.00', cachedInput: '0.40', output: '18.00' } }],
  },
  {
    provider: 'google',
    model: 'gemini-2.5-pro',
    tier: 'flagship',
    effectiveFrom: '2025-06-17',
    source: GOOGLE,
    rates: { input: '1.25', cachedInput: '0.125', output: '10.00' },
    tiers: [{ abovePromptTokens: 200_000, rates: { input: '2.50', cachedInput: '0.25', output: '15.00' } }],
  },
  {
    provider: 'google',
    model: 'gemini-2.5-flash',
    tier: 'standard',
    effectiveFrom: '2025-06-17',
    source: GOOGLE,
    rates: { input: '0.30', cachedInput: '0.03', output: '2.50' },
  },
  {
    provider: 'google',
    model: 'gemini-2.5-flash-lite',
    tier: 'economy',
    effectiveFrom: '2025-07-22',
    source: GOOGLE,
    rates: { input: '0.10', cachedInput: '0.01', output: '0.40' },
  },
  {
    provider: 'google',
    model: 'gemini-2.0-flash',
    tier: 'economy',
    effectiveFrom: '2025-02-05',
    source: GOOGLE,
    rates: { input: '0.10', cachedInput: '0.025', output: '0.40' },
  },
  {
    provider: 'google',
    model: 'gemini-2.0-flash-lite',
    tier: 'economy',
    effectiveFrom: '2025-02-25',
    source: GOOGLE,
    rates: { input: '0.075', output: '0.30' },
  },
];
