/**
 * Grouping cost records for `costBreakdown`: by any mix of dimensions and calendar buckets in a
 * timezone. Sums are bigint, so every group's total equals the sum of its records to the last
 * nano-USD, and the groups add up to the overall total.
 */
import { addToDate, isoWeekday, isValidTimeZone, localDate, offsetAt } from '../budgets/timezone';
import { ValidationError } from '../shared/errors';
import { addRecord, emptyTotals, type CostRecord, type CostTotals } from './cost-record';

export const COST_GROUP_BY = [
  'PROVIDER',
  'MODEL',
  'USER',
  'PROJECT',
  'ORGANIZATION',
  'API_KEY',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
] as const;

export type CostGroupBy = (typeof COST_GROUP_BY)[number];

export interface CostGroup {
  /** One value per requested dimension, in the requested order (null for "none", e.g. no project). */
  key: Record<CostGroupBy, string | null> | Partial<Record<CostGroupBy, string | null>>;
  totals: CostTotals;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dateLabel(date: { year: number; month: number; day: number }): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** The calendar bucket of an instant in a timezone: "2026-03-29T02", "2026-03-29", week start, "2026-03". */
export function timeBucket(at: Date, unit: 'HOUR' | 'DAY' | 'WEEK' | 'MONTH', timeZone: string): string {
  const date = localDate(at, timeZone);
  switch (unit) {
    case 'HOUR': {
      const hour = new Date(at.getTime() + offsetAt(at.getTime(), timeZone)).getUTCHours();
      return `${dateLabel(date)}T${pad(hour)}`;
    }
    case 'DAY':
      return dateLabel(date);
    case 'WEEK':
      // ISO weeks start on Monday; the bucket is named by its Monday.
      return dateLabel(addToDate(date, -isoWeekday(date)));
    case 'MONTH':
      return `${date.year}-${pad(date.month)}`;
  }
}

function dimension(record: CostRecord, by: CostGroupBy, timeZone: string): string | null {
  switch (by) {
    case 'PROVIDER':
      return record.provider;
    case 'MODEL':
      return record.model;
    case 'USER':
      return record.userId;
    case 'PROJECT':
      return record.projectId;
    case 'ORGANIZATION':
      return record.organizationId;
    case 'API_KEY':
      return record.apiKeyId;
    default:
      return timeBucket(record.requestedAt, by, timeZone);
  }
}

export function validateTimeZone(timeZone: string): string {
  if (!isValidTimeZone(timeZone)) {
    throw new ValidationError([
      { field: 'timezone', message: `"${timeZone}" is not an IANA timezone such as "Europe/Paris"` },
    ]);
  }
  return timeZone;
}

/** Groups records; groups come back sorted by their key values. */
export function groupCostRecords(
  records: Iterable<CostRecord>,
  groupBy: CostGroupBy[],
  timeZone = 'UTC',
): CostGroup[] {
  validateTimeZone(timeZone);
  const dims = [...new Set(groupBy)];
  const groups = new Map<string, CostGroup>();
  for (const record of records) {
    const key: Partial<Record<CostGroupBy, string | null>> = {};
    for (const by of dims) key[by] = dimension(record, by, timeZone);
    const id = JSON.stringify(dims.map((by) => key[by]));
    const group = groups.get(id) ?? { key, totals: emptyTotals() };
    group.totals = addRecord(group.totals, record);
    groups.set(id, group);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}
