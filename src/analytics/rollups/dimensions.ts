/**
 * The dimensions rollups are kept per, and the time buckets. A rollup is identified by
 * (organisation, granularity, bucket start, dimension, key): the ORGANIZATION dimension holds the
 * organisation's totals, MODEL is keyed "provider/model" so the same model name at two providers
 * stays apart. Buckets are UTC hours and UTC days; reports in other time zones are assembled from
 * hourly rollups (see the report service).
 */
export const DIMENSIONS = ['ORGANIZATION', 'PROJECT', 'USER', 'API_KEY', 'PROVIDER', 'MODEL'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const GRANULARITIES = ['HOUR', 'DAY'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

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

export function bucketStart(at: Date, granularity: Granularity): Date {
  const size = granularity === 'HOUR' ? HOUR_MS : DAY_MS;
  return new Date(Math.floor(at.getTime() / size) * size);
}

export function modelKey(provider: string, model: string): string {
  return `${provider}/${model}`;
}

/** The (dimension, key) pairs one record contributes to. */
export function dimensionKeys(dims: UsageDimensions): { dimension: Dimension; key: string }[] {
  const out: { dimension: Dimension; key: string }[] = [
    { dimension: 'ORGANIZATION', key: dims.organizationId },
  ];
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
  granularity: Granularity;
  bucketStart: Date;
  dimension: Dimension;
  key: string;
}): string {
  return [
    parts.organizationId,
    parts.granularity,
    parts.bucketStart.toISOString(),
    parts.dimension,
    parts.key,
  ].join('|');
}
