/**
 * Counting input tokens offline with the tokenizer closest to the model family.
 * OpenAI's own encodings ship with js-tiktoken (o200k_base for GPT-4o/4.1/5 and o-series,
 * cl100k_base for GPT-4/3.5). Anthropic, Gemini and other families publish no offline
 * tokenizer, so they are counted with o200k_base and a safety margin: the result is used for
 * a worst-case hold, so it must over-count rather than under-count. Shared because two features
 * count: budgets (the hold before a call) and providers (the usage of a call cut short before its
 * provider reported any).
 */
import { Tiktoken } from 'js-tiktoken/lite';

type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  encoding: EncodingName;
  /** Multiplier (in percent) applied for families whose real tokenizer is not available. */
  marginPercent: number;
  count(text: string): number;
}

const encoders = new Map<EncodingName, Tiktoken>();

function encoder(name: EncodingName): Tiktoken {
  let enc = encoders.get(name);
  if (!enc) {
    // Loaded lazily: each rank table is several MB and takes a moment to parse.
    const ranks =
      name === 'o200k_base'
        ? require('js-tiktoken/ranks/o200k_base')
        : require('js-tiktoken/ranks/cl100k_base');
    enc = new Tiktoken(ranks.default ?? ranks);
    encoders.set(name, enc);
  }
  return enc;
}

/** The margin for families counted with a foreign tokenizer (Claude and Gemini run up to ~20-30% above o200k on code and non-English text). */
export const FOREIGN_TOKENIZER_MARGIN_PERCENT = 135;

export function encodingFor(
  provider: string,
  model: string,
): { encoding: EncodingName; marginPercent: number } {
  const m = model.toLowerCase();
  const openaiFamily = provider === 'openai' || /^(gpt|o\d|chatgpt|text-embedding)/.test(m);
  if (openaiFamily) {
    if (/^(gpt-4(?!o|\.)|gpt-3\.5|text-embedding-3|text-embedding-ada)/.test(m)) {
      return { encoding: 'cl100k_base', marginPercent: 100 };
    }
    return { encoding: 'o200k_base', marginPercent: 100 };
  }
  return { encoding: 'o200k_base', marginPercent: FOREIGN_TOKENIZER_MARGIN_PERCENT };
}

/**
 * Raw counts of long texts, per encoding: a conversation's earlier turns and a system prompt are
 * sent (and estimated) again on every turn, so each is encoded once. Bounded by total characters;
 * the oldest entries go first.
 */
const CACHE_MIN_CHARS = 256;
/** The cache's bound in characters (adjustable for tests). */
export const tokenCountCache = { maxChars: 8_000_000 };
const counted = new Map<string, number>();
let cachedChars = 0;

function rawCount(encoding: EncodingName, text: string): number {
  if (text.length < CACHE_MIN_CHARS) return encoder(encoding).encode(text, [], []).length;
  const key = `${encoding}:${text}`;
  const known = counted.get(key);
  if (known !== undefined) return known;
  const raw = encoder(encoding).encode(text, [], []).length;
  counted.set(key, raw);
  cachedChars += key.length;
  for (const [old] of counted) {
    if (cachedChars <= tokenCountCache.maxChars) break;
    counted.delete(old);
    cachedChars -= old.length;
  }
  return raw;
}

export function tokenCounterFor(provider: string, model: string): TokenCounter {
  const { encoding, marginPercent } = encodingFor(provider, model);
  return {
    encoding,
    marginPercent,
    count(text: string): number {
      if (!text) return 0;
      return Math.ceil((rawCount(encoding, text) * marginPercent) / 100);
    },
  };
}

/** Loads the rank tables up front so the first budgeted request does not pay for it. */
/** Chat formats wrap every message in a few framing tokens, and every request in a few more. */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_REQUEST = 3;

/** Input tokens of a prompt made of these texts (system prompt and messages), framing included. */
export function countPromptTokens(provider: string, model: string, texts: readonly string[]): number {
  const counter = tokenCounterFor(provider, model);
  let tokens = TOKENS_PER_REQUEST;
  for (const text of texts) tokens += counter.count(text) + TOKENS_PER_MESSAGE;
  return tokens;
}

export function warmTokenizers(): void {
  encoder('o200k_base');
  encoder('cl100k_base');
}
