/**
 * What a recommendation is, and the arithmetic every rule shares: scaling a saving observed over a
 * window to a month (exact, in nano-USD), and a confidence that grows with the evidence.
 * Rules are pure functions over aggregated inputs, so the scheduled job, the tests and any future
 * caller get the same answers from the same numbers.
 */
import type { NanoUsd } from '../../shared/money';

export type RecommendationKind =
  'CHEAPER_MODEL' | 'PROMPT_CACHING' | 'OVERSIZED_LIMIT' | 'COST_OUTLIER' | 'FLAKY_PROVIDER' | 'BUDGET_LIMIT';

export type ConfidenceLevel = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Recommendation {
  kind: RecommendationKind;
  /** Stable per kind and subject, so a dismissal survives recomputation. */
  key: string;
  title: string;
  detail: string;
  /** What acting on it would save in a 30-day month at the observed rate; 0 when it is not about spend. */
  estimatedMonthlySavingNano: NanoUsd;
  /** 0..1. */
  confidence: number;
  confidenceLevel: ConfidenceLevel;
  evidence: Evidence;
}

export interface Evidence {
  /** How many records the recommendation rests on. */
  recordCount: number;
  /** A few record ids (requests, users, budgets) to look at. */
  examples: string[];
  /** The figures behind it, as display strings (money exact). */
  figures: Record<string, string>;
}

/** Token prices in nano-USD per million tokens (the pricing catalog's units). */
export interface ModelRates {
  input: NanoUsd;
  cachedInput?: NanoUsd;
  cacheWrite?: NanoUsd;
  output: NanoUsd;
  reasoning?: NanoUsd;
}

export const MONTH_MS = 30 * 86_400_000;

/** Scales an amount observed over `windowMs` to a 30-day month, rounding down (savings are never overstated). */
export function perMonth(amount: NanoUsd, windowMs: number): NanoUsd {
  if (windowMs <= 0) throw new RangeError('window must be positive');
  return (amount * BigInt(MONTH_MS)) / BigInt(Math.round(windowMs));
}

/**
 * Confidence from the amount of evidence: 1 - e^(-n/scale), times a factor for how sure the rule
 * itself can be (e.g. a cheaper model may answer worse, so that rule never claims more than 0.8).
 */
export function confidenceFrom(records: number, scale: number, ceiling = 1): number {
  const c = (1 - Math.exp(-Math.max(0, records) / scale)) * ceiling;
  return Math.round(c * 100) / 100;
}

export function confidenceLevel(c: number): ConfidenceLevel {
  return c >= 0.75 ? 'HIGH' : c >= 0.45 ? 'MEDIUM' : 'LOW';
}

export function recommendation(r: Omit<Recommendation, 'confidenceLevel'>): Recommendation {
  return { ...r, confidenceLevel: confidenceLevel(r.confidence) };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`;
}
