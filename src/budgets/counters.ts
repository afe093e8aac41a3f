/**
 * Atomic operations on budget counters. Every write is one single-document command, so it
 * is atomic on MongoDB and on the embedded server alike; nothing here needs a transaction.
 */
import { Types } from 'mongoose';
import { toNano } from './budget-record';
import type { BudgetModels } from './models';

type CounterModel = BudgetModels['Counter'];
import type { PeriodWindow } from './period';

export interface CounterState {
  id: string;
  budgetId: string;
  periodStart: Date;
  periodEnd: Date | null;
  limitNano: bigint;
  spentNano: bigint;
  reservedNano: bigint;
  headroomNano: bigint;
  version: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- lean documents are untyped at this boundary
export function toCounterState(doc: any): CounterState {
  return {
    id: String(doc._id),
    budgetId: String(doc.budgetId),
    periodStart: doc.periodStart,
    periodEnd: doc.periodEnd ?? null,
    limitNano: toNano(doc.limitNano),
    spentNano: toNano(doc.spentNano),
    reservedNano: toNano(doc.reservedNano),
    headroomNano: toNano(doc.headroomNano),
    version: doc.version,
  };
}

export interface CounterKey {
  budgetId: string;
  organizationId: string;
  limitNano: bigint;
  window: PeriodWindow;
}

/**
 * Adds `amount` to `reserved` if the headroom allows it (or unconditionally when
 * `enforce` is false, for ALERT_ONLY budgets). Returns the updated counter, or null
 * when the budget cannot take the amount. Creates the period's counter on first use,
 * seeded with `initialSpent` (spend already recorded in the window).
 */
export async function reserveOnCounter(
  Counter: CounterModel,
  key: CounterKey,
  amount: bigint,
  enforce: boolean,
  now: Date,
  initialSpent: () => Promise<bigint>,
): Promise<CounterState | null> {
  // The request path talks to the driver directly: one command, no document casting or hydration.
  const filter = {
    budgetId: new Types.ObjectId(key.budgetId),
    periodStart: key.window.start,
    ...(enforce ? { headroomNano: { $gte: amount } } : {}),
  };
  const attempt = () =>
    Counter.collection.findOneAndUpdate(
      filter,
      { $inc: { reservedNano: amount, headroomNano: -amount, version: 1 }, $set: { touchedAt: now } },
      { returnDocument: 'after', useBigInt64: true },
    );
  let doc = await attempt();
  if (doc) return toCounterState(doc);
  // No match: the budget has no room, or this period's counter did not exist yet (possibly
  // created by a concurrent request since). Make sure it exists, then try once more.
  await ensureCounter(Counter, key, now, initialSpent);
  doc = await attempt();
  return doc ? toCounterState(doc) : null;
}

export type KnownCountersOutcome =
  | { status: 'applied' }
  /** The counter at `index` had no room; the ones before it were incremented, none after. */
  | { status: 'refused'; index: number }
  /** A counter id was not found (its budget was deleted): nothing is left incremented. */
  | { status: 'stale' };

/**
 * Reserves `amount` on counters whose ids are already known, in ONE ordered command. Each
 * update is a conditional upsert on `_id` (`headroomNano >= amount`): when a counter has no room
 * its upsert tries to insert a second document with the same `_id`, which fails with a duplicate
 * key error, and an ordered bulk write stops right there, reporting the index. So the outcome
 * says exactly which counters were incremented, as the one-command-per-budget path does.
 */
export async function reserveOnKnownCounters(
  Counter: CounterModel,
  counterIds: string[],
  /** One amount for every counter, or one per counter. */
  amounts: bigint | bigint[],
  now: Date,
  /** Per counter; false takes the amount without a headroom check (ALERT_ONLY). Default: all true. */
  enforce?: boolean[],
): Promise<KnownCountersOutcome> {
  const ids = counterIds.map((id) => new Types.ObjectId(id));
  const amountOf = (i: number) => (typeof amounts === 'bigint' ? amounts : amounts[i]!);
  const ops = ids.map((_id, i) => ({
    updateOne: {
      filter: enforce?.[i] === false ? { _id } : { _id, headroomNano: { $gte: amountOf(i) } },
      update: {
        $inc: { reservedNano: amountOf(i), headroomNano: -amountOf(i), version: 1 },
        $set: { touchedAt: now },
      },
      upsert: true,
    },
  }));
  let upserted: Record<number, unknown>;
  let refusedAt = -1;
  try {
    upserted = (await Counter.collection.bulkWrite(ops, { ordered: true })).upsertedIds;
  } catch (error) {
    // A MongoBulkWriteError (matched by shape: mongoose carries its own copy of the driver).
    const bulk = error as {
      writeErrors?: { code?: number; index: number } | { code?: number; index: number }[];
      result?: { upsertedIds?: Record<number, unknown> };
    };
    const first = bulk.writeErrors === undefined ? undefined : [bulk.writeErrors].flat()[0];
    if (!first || first.code !== 11000) throw error;
    refusedAt = first.index;
    upserted = bulk.result?.upsertedIds ?? {};
  }
  const created = Object.keys(upserted ?? {}).map(Number);
  if (created.length > 0) {
    // A counter that no longer exists was created empty by its upsert: remove it, undo the rest.
    await Counter.collection.deleteMany({ _id: { $in: created.map((i) => ids[i]!) } });
    const end = refusedAt >= 0 ? refusedAt : ids.length;
    for (let i = end - 1; i >= 0; i -= 1) {
      if (!created.includes(i)) await adjustCounter(Counter, ids[i]!, { reserved: -amountOf(i) }, now);
    }
    return { status: 'stale' };
  }
  return refusedAt >= 0 ? { status: 'refused', index: refusedAt } : { status: 'applied' };
}

/** Creates the counter for the window if it is missing. */
async function ensureCounter(
  Counter: CounterModel,
  key: CounterKey,
  now: Date,
  initialSpent: () => Promise<bigint>,
): Promise<void> {
  const exists = await Counter.exists({ budgetId: key.budgetId, periodStart: key.window.start });
  if (exists) return;
  const spent = await initialSpent();
  try {
    await Counter.updateOne(
      { budgetId: key.budgetId, periodStart: key.window.start },
      {
        $setOnInsert: {
          organizationId: key.organizationId,
          periodEnd: key.window.end,
          limitNano: key.limitNano,
          spentNano: spent,
          reservedNano: 0n,
          headroomNano: key.limitNano - spent,
          version: 0,
          touchedAt: now,
        },
      },
      { upsert: true },
    );
  } catch (error) {
    // A concurrent first reservation created it between our check and our upsert.
    if ((error as { code?: number }).code === 11000) return;
    throw error;
  }
}

/** Applies signed deltas to a counter and returns its new state (null if it is gone). */
export async function adjustCounter(
  Counter: CounterModel,
  counterId: string | Types.ObjectId,
  delta: { reserved?: bigint; spent?: bigint },
  now: Date,
): Promise<CounterState | null> {
  const reserved = delta.reserved ?? 0n;
  const spent = delta.spent ?? 0n;
  const doc = await Counter.findOneAndUpdate(
    { _id: counterId },
    {
      $inc: { reservedNano: reserved, spentNano: spent, headroomNano: -(reserved + spent), version: 1 },
      $set: { touchedAt: now },
    },
    { returnDocument: 'after' },
  ).lean();
  return doc ? toCounterState(doc) : null;
}

export async function findCounter(
  Counter: CounterModel,
  budgetId: string,
  periodStart: Date,
): Promise<CounterState | null> {
  const doc = await Counter.findOne({ budgetId, periodStart }).lean();
  return doc ? toCounterState(doc) : null;
}

/**
 * Moves a budget's current and future counters to a new limit, keeping
 * headroom = limit - spent - reserved. Optimistic: retried if the limit moved meanwhile.
 */
export async function applyLimitChange(
  Counter: CounterModel,
  budgetId: string,
  limitNano: bigint,
  now: Date,
): Promise<void> {
  const counters = await Counter.find({
    budgetId,
    $or: [{ periodEnd: null }, { periodEnd: { $gt: now } }],
  }).lean();
  for (const raw of counters) {
    let counter: CounterState | null = toCounterState(raw);
    for (let attempt = 0; counter && attempt < 5; attempt += 1) {
      const updated = await Counter.findOneAndUpdate(
        { _id: counter.id, limitNano: counter.limitNano },
        {
          $set: { limitNano, touchedAt: now },
          $inc: { headroomNano: limitNano - counter.limitNano, version: 1 },
        },
        { returnDocument: 'after' },
      ).lean();
      if (updated) break;
      const reread: unknown = await Counter.findById(counter.id).lean();
      counter = reread ? toCounterState(reread) : null;
    }
  }
}
