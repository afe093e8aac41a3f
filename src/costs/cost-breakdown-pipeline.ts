/**
 * `costBreakdown` in the database: one `$group` over the matching records, summing each money
 * component as Decimal128 (exact under `$sum`, in MongoDB and in the embedded server) and each
 * token count as an integer. Calendar groups in a timezone cannot be computed by the embedded
 * server (its date operators are UTC-only), so time is grouped in UTC quarter-hours and each
 * quarter-hour is then folded into its local HOUR/DAY/WEEK/MONTH here, with bigint sums. Every
 * zone's offset is a whole number of quarter-hours and changes on quarter-hour boundaries, so a
 * quarter-hour never straddles two local buckets (checked; an irregular zone falls back to
 * grouping the records in memory).
 */
import type { Decimal128, Document } from 'mongodb';

import { offsetAt } from '../budgets/timezone';
import { USAGE_KINDS, type NormalisedUsage } from '../providers/usage/normalised-usage';
import { fromDecimal128 } from '../shared/money';
import type { CostGroup, CostGroupBy } from './cost-breakdown';
import { zeroCost, type CostBreakdown } from './cost-calculator';
import type { CostTotals } from './cost-record';

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const TIME_UNITS = ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
type TimeUnit = (typeof TIME_UNITS)[number];
const isTimeUnit = (by: CostGroupBy): by is TimeUnit => (TIME_UNITS as readonly string[]).includes(by);

const FIELD_OF: Record<Exclude<CostGroupBy, TimeUnit>, string> = {
  PROVIDER: '$provider',
  MODEL: '$model',
  USER: '$userId',
  PROJECT: '$projectId',
  ORGANIZATION: '$organizationId',
  API_KEY: '$apiKeyId',
};

/** The `$group` stage (after the caller's `$match`). */
export function breakdownGroupStage(groupBy: CostGroupBy[]): Document {
  const dims = [...new Set(groupBy)];
  const id: Document = {};
  for (const by of dims) if (!isTimeUnit(by)) id[by] = { $ifNull: [FIELD_OF[by], null] };
  if (dims.some(isTimeUnit)) {
    id.quarter = { $dateTrunc: { date: '$requestedAt', unit: 'minute', binSize: 15 } };
  }
  const stage: Document = {
    _id: id,
    total: { $sum: '$cost.total' },
    requests: { $sum: '$requestCount' },
    unpricedRequests: { $sum: '$unpricedDelta' },
    records: { $sum: 1 },
  };
  for (const kind of USAGE_KINDS) {
    stage[`cost_${kind}`] = { $sum: `$cost.${kind}` };
    stage[`tokens_${kind}`] = { $sum: `$usage.${kind}` };
  }
  return { $group: stage };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The local HOUR/DAY/WEEK/MONTH labels of UTC quarter-hours in a zone (the same labels as
 * `timeBucket`), or null for a quarter-hour that does not fit one local hour. Offsets are read
 * from `Intl` once per UTC day (twice on a day with a transition, then per quarter-hour), and the
 * labels are plain arithmetic on the local wall time, because thousands of quarter-hours can come
 * back from one breakdown.
 */
function localLabeller(timeZone: string) {
  const dayOffsets = new Map<number, number | null>();
  return (quarter: number): Record<TimeUnit, string> | null => {
    const day = Math.floor(quarter / DAY_MS) * DAY_MS;
    let offset = dayOffsets.get(day);
    if (offset === undefined) {
      const first = offsetAt(day, timeZone);
      offset = offsetAt(day + DAY_MS - 1000, timeZone) === first ? first : null;
      dayOffsets.set(day, offset);
    }
    if (offset === null) {
      // A day with a transition: check this quarter-hour on its own.
      offset = offsetAt(quarter, timeZone);
      if (offsetAt(quarter + QUARTER_HOUR_MS - 1000, timeZone) !== offset) return null;
    }
    if (offset % QUARTER_HOUR_MS !== 0) return null;
    const local = new Date(quarter + offset);
    const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
    const monday = new Date(local.getTime() - ((local.getUTCDay() + 6) % 7) * DAY_MS);
    return {
      HOUR: `${date}T${pad(local.getUTCHours())}`,
      DAY: date,
      WEEK: `${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`,
      MONTH: `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}`,
    };
  };
}

const toInteger = (value: unknown): number => Number(value ?? 0);

function totalsOf(row: Document): CostTotals {
  const cost: CostBreakdown = zeroCost();
  const usage = {} as NormalisedUsage;
  for (const kind of USAGE_KINDS) {
    cost[kind] = fromDecimal128(row[`cost_${kind}`] as Decimal128);
    usage[kind] = toInteger(row[`tokens_${kind}`]);
  }
  cost.total = fromDecimal128(row.total as Decimal128);
  return {
    cost,
    usage,
    requests: toInteger(row.requests),
    unpricedRequests: toInteger(row.unpricedRequests),
    records: toInteger(row.records),
  };
}

function addTotals(a: CostTotals, b: CostTotals): CostTotals {
  const cost = zeroCost();
  const usage = {} as NormalisedUsage;
  for (const kind of USAGE_KINDS) {
    cost[kind] = a.cost[kind] + b.cost[kind];
    usage[kind] = a.usage[kind] + b.usage[kind];
  }
  cost.total = a.cost.total + b.cost.total;
  return {
    cost,
    usage,
    requests: a.requests + b.requests,
    unpricedRequests: a.unpricedRequests + b.unpricedRequests,
    records: a.records + b.records,
  };
}

/**
 * Folds the `$group` rows into the requested groups, sorted by key. Returns undefined when a
 * quarter-hour does not fit one local hour (an irregular historical zone offset).
 */
export function foldBreakdownRows(
  rows: Document[],
  groupBy: CostGroupBy[],
  timeZone: string,
): CostGroup[] | undefined {
  const dims = [...new Set(groupBy)];
  const groups = new Map<string, CostGroup>();
  // Rows of one quarter-hour share its local labels: work them out once.
  const labeller = localLabeller(timeZone);
  const labels = new Map<number, Record<TimeUnit, string> | null>();
  const labelsOf = (quarter: Date) => {
    if (!labels.has(quarter.getTime())) labels.set(quarter.getTime(), labeller(quarter.getTime()));
    return labels.get(quarter.getTime())!;
  };
  for (const row of rows) {
    const id = row._id as Document;
    const local = id.quarter instanceof Date ? labelsOf(id.quarter) : undefined;
    if (local === null) return undefined;
    const key: Partial<Record<CostGroupBy, string | null>> = {};
    for (const by of dims) key[by] = isTimeUnit(by) ? local![by] : ((id[by] as string | null) ?? null);
    const name = JSON.stringify(dims.map((by) => key[by]));
    const totals = totalsOf(row);
    const group = groups.get(name);
    groups.set(name, group ? { key, totals: addTotals(group.totals, totals) } : { key, totals });
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

export function sumGroups(groups: CostGroup[], empty: CostTotals): CostTotals {
  return groups.reduce((sum, group) => addTotals(sum, group.totals), empty);
}
