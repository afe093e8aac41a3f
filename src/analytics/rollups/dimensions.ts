/**
 * The dimensions rollups are kept per, and the time buckets. A rollup is identified by
 * (organisation, scope, granularity, bucket start, dimension, key):
 * - scope "ORG" covers the whole organisation, scope "PROJECT:<id>" one project, so a caller who
 *   may only see one project still gets every breakdown of it (tenancy below the organisation);
 * - the TOTAL dimension (key "*") holds the scope's totals; MODEL is keyed "provider/model" so the
 *   same model name at two providers stays apart.
 * Buckets are UTC hours, UTC days and UTC months; reports in other time zones are assembled from
 * hourly rollups. Months exist only to read long ranges cheaply (a 90-day top-N reads three
 * months per key instead of ninety days): a month always equals the sum of its days.
 */
export const DIMENSIONS = ['TOTAL', 'PROJECT', 'USER', 'API_KEY', 'PROVIDER', 'MODEL'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The granularities reports are asked for. */
export const GRANULARITIES = ['HOUR', 'DAY'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
/** The granularities rollups are stored at. */
export const STORED_GRANULARITIES = ['HOUR', 'DAY', 'MONTH'] as const;
export type StoredGranularity = (typeof STORED_GRANULARITIES)[number];

/** Who and what one measured thing belongs to. Missing ids are not rolled up under that dimension. */
export interface UsageDimensions {
  organizationId: string;
  projectId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  provider?: string | null;
  model?: string | null;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function bucketStart(at: Date, granularity: StoredGranularity): Date {
  if (granularity === 'MONTH') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const size = granularity === 'HOUR' ? HOUR_MS : DAY_MS;
  return new Date(Math.floor(at.getTime() / size) * size);
}

/** The start of the UTC month after the one `at` falls in. */
export function nextMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

export function modelKey(provider: string, model: string): string {
  return `${provider}/${model}`;
}

export const ORG_SCOPE = 'ORG';
export const TOTAL_KEY = '*';

export function projectScope(projectId: string): string {
  return `PROJECT:${projectId}`;
}

/** The scopes one record counts in: always the organisation, and its project when it has one. */
export function scopesOf(dims: UsageDimensions): string[] {
  return dims.projectId ? [ORG_SCOPE, projectScope(dims.projectId)] : [ORG_SCOPE];
}

/** The (dimension, key) pairs one record contributes to within a scope. */
export function dimensionKeys(dims: UsageDimensions): { dimension: Dimension; key: string }[] {
  const out: { dimension: Dimension; key: string }[] = [{ dimension: 'TOTAL', key: TOTAL_KEY }];
  if (dims.projectId) out.push({ dimension: 'PROJECT', key: dims.projectId });
  if (dims.userId) out.push({ dimension: 'USER', key: dims.userId });
  if (dims.apiKeyId) out.push({ dimension: 'API_KEY', key: dims.apiKeyId });
  if (dims.provider) out.push({ dimension: 'PROVIDER', key: dims.provider });
  if (dims.provider && dims.model) out.push({ dimension: 'MODEL', key: modelKey(dims.provider, dims.model) });
  return out;
}

/** A stable string id for one rollup document. */
export function rollupId(parts: {
  organizationId: string;
  scope: string;
  granularity: StoredGranularity;
  bucketStart: Date;
  dimension: Dimension;
  key: string;
}): string {
  return [
    parts.organizationId,
    parts.scope,
    parts.granularity,
    parts.bucketStart.toISOString(),
    parts.dimension,
    parts.key,
  ].join('|');
}
