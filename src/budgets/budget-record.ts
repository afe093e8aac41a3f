/**
 * The plain shape services hand around for a budget, and the conversion from stored
 * documents. Int64 fields may come back from the driver as number, bigint or Long (and
 * amounts summed by aggregation as Decimal128); `toNano` normalises all of them.
 */
import { Decimal128 } from 'bson';
import { fromDecimal128 } from '../shared/money';
import type { BudgetAction, BudgetScope } from './budget-input';
import type { BudgetPeriod } from './period';

export interface BudgetRecord {
  id: string;
  organizationId: string;
  scope: BudgetScope;
  scopeId: string;
  name: string | null;
  period: BudgetPeriod;
  limitNano: bigint;
  timezone: string;
  thresholds: number[];
  action: BudgetAction;
  enabled: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toNano(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${value} is not an exact integer`);
    return BigInt(value);
  }
  if (value instanceof Decimal128 || (value as { _bsontype?: string })?._bsontype === 'Decimal128') {
    return fromDecimal128(value as Decimal128);
  }
  if (value && typeof (value as { toBigInt?: unknown }).toBigInt === 'function') {
    return (value as { toBigInt(): bigint }).toBigInt();
  }
  if (value === null || value === undefined) return 0n;
  return BigInt(String(value));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- lean documents are untyped at this boundary
export function toBudgetRecord(doc: any): BudgetRecord {
  return {
    id: String(doc._id),
    organizationId: doc.organizationId,
    scope: doc.scope,
    scopeId: doc.scopeId,
    name: doc.name ?? null,
    period: doc.period,
    limitNano: toNano(doc.limitNano),
    timezone: doc.timezone,
    thresholds: [...(doc.thresholds ?? [])],
    action: doc.action,
    enabled: doc.enabled,
    startsAt: doc.startsAt ?? null,
    endsAt: doc.endsAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
