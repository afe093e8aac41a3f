/**
 * The rollup inbox: analytics' own durable queue of things to fold into the rollups (cost records
 * announced by `CostCalculated`, tool calls from `MCPToolExecuted`), and, once applied, the receipt
 * that they were counted. One row per source thing, keyed "record:<costRecordId>" or
 * "tool:<toolCallId>", so a second delivery of the same thing finds the row and adds nothing.
 *
 * Rows move pending -> claimed (by one batch, under a lease) -> applied. A batch claims many rows at
 * once, which is what lets the rollups be updated with one `bulkWrite` per batch instead of a
 * ledger insert, an update and a confirmation per event. Rows left claimed after their lease
 * expired belong to a batch that died between counting and confirming; they are repaired by a
 * rebuild of their days (see rollup-service). Applied rows are purged after `RECEIPT_TTL_DAYS`:
 * redeliveries (agenda retries) happen within minutes, and a rebuild writes receipts again.
 */
import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { Clock } from '../../shared/clock';
import { ID_CHUNK } from './analytics-sources';

export type InboxKind = 'record' | 'tool';
export type InboxState = 'pending' | 'claimed' | 'applied' | 'orphaned';

export interface InboxRow {
  _id: string;
  kind: InboxKind;
  /** The cost record id or tool call id. */
  sourceId: string;
  organizationId: string;
  state: InboxState;
  attempts: number;
  nextAttemptAt: Date;
  claimedBy: string | null;
  claimedUntil: Date;
  enqueuedAt: Date;
  appliedAt?: Date;
  /** Set on applied rows only; a TTL index removes them then. */
  purgeAt?: Date;
}

export interface InboxItem {
  kind: InboxKind;
  sourceId: string;
  organizationId: string;
}

export const RECEIPT_TTL_DAYS = 35;
/** A source still missing after this many attempts is parked as 'orphaned' (visible, never counted). */
export const MAX_MISSING_ATTEMPTS = 10;

export function inboxId(kind: InboxKind, sourceId: string): string {
  return `${kind}:${sourceId}`;
}

const isDuplicateKey = (e: unknown) => (e as { code?: number }).code === 11000;

export class RollupInbox {
  readonly collection: Collection<InboxRow>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly leaseMs = 120_000,
  ) {
    this.collection = db.collection<InboxRow>('analytics_inbox');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ state: 1, nextAttemptAt: 1 }, { name: 'state_due' });
    await this.collection.createIndex({ state: 1, claimedUntil: 1 }, { name: 'state_lease' });
    await this.collection.createIndex({ organizationId: 1, state: 1 }, { name: 'org_state' });
    await this.collection.createIndex({ claimedBy: 1, state: 1 }, { name: 'batch' });
    await this.collection.createIndex({ purgeAt: 1 }, { name: 'purge', expireAfterSeconds: 0 });
  }

  /** Queues the item unless a row for it exists (pending, applied or anything else): idempotent. */
  async enqueue(item: InboxItem): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.collection.insertOne({
        _id: inboxId(item.kind, item.sourceId),
        ...item,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        claimedBy: null,
        claimedUntil: new Date(0),
        enqueuedAt: now,
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Queues many items with one write; returns how many were new. */
  async enqueueMany(items: InboxItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const now = this.clock.now();
    const rows = items.map((item) => ({
      _id: inboxId(item.kind, item.sourceId),
      ...item,
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      claimedBy: null,
      claimedUntil: new Date(0),
      enqueuedAt: now,
    }));
    try {
      return (await this.collection.insertMany(rows, { ordered: false })).insertedCount;
    } catch (error) {
      // Rows that exist already are the duplicates this is meant to ignore; anything else is real.
      const e = error as {
        writeErrors?: { code?: number }[];
        insertedCount?: number;
        result?: { insertedCount?: number };
      };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000)) throw error;
      return e.insertedCount ?? e.result?.insertedCount ?? rows.length - writeErrors.length;
    }
  }

  /**
   * Claims up to `limit` due rows of organisations not in `paused` for one batch. Each row's
   * update is atomic, so two batches racing for a row cannot both win it.
   */
  async claim(limit: number, paused: string[]): Promise<{ token: string; rows: InboxRow[] }> {
    const now = this.clock.now();
    const due = {
      state: 'pending' as const,
      nextAttemptAt: { $lte: now },
      ...(paused.length ? { organizationId: { $nin: paused } } : {}),
    };
    const token = randomUUID();
    const candidates = await this.collection
      .find(due, { projection: { _id: 1 } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
    if (candidates.length === 0) return { token, rows: [] };
    const ids = candidates.map((c) => c._id);
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      await this.collection.updateMany(
        { ...due, _id: { $in: ids.slice(i, i + ID_CHUNK) } },
        {
          $set: { state: 'claimed', claimedBy: token, claimedUntil: new Date(now.getTime() + this.leaseMs) },
        },
      );
    }
    return { token, rows: await this.collection.find({ claimedBy: token, state: 'claimed' }).toArray() };
  }

  /** Whether a lease ending at `claimedUntil` still has `marginMs` to run (past it, count nothing). */
  leaseHolds(claimedUntil: Date, marginMs: number): boolean {
    return this.clock.now().getTime() + marginMs < claimedUntil.getTime();
  }

  /** Gives claimed rows back without counting them (their organisation is being rebuilt). */
  async release(token: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.updateMany(
      { _id: { $in: ids }, claimedBy: token, state: 'claimed' },
      { $set: { state: 'pending', claimedBy: null, claimedUntil: new Date(0) } },
    );
  }

  /** Rows whose source is not readable yet: retried later, parked after MAX_MISSING_ATTEMPTS. */
  async retryLater(token: string, rows: InboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = this.clock.now().getTime();
    await this.collection.bulkWrite(
      rows.map((r) => {
        const attempts = r.attempts + 1;
        return {
          updateOne: {
            filter: { _id: r._id, claimedBy: token, state: 'claimed' as const },
            update: {
              $set: {
                state: attempts >= MAX_MISSING_ATTEMPTS ? ('orphaned' as const) : ('pending' as const),
                attempts,
                nextAttemptAt: new Date(now + Math.min(300_000, 1000 * 2 ** attempts)),
                claimedBy: null,
                claimedUntil: new Date(0),
              },
            },
          },
        };
      }),
      { ordered: false },
    );
  }

  /**
   * Confirms the batch's rows as counted (all it still holds, or only `ids`). Returns how many
   * were still held by this batch.
   */
  async markApplied(token: string, ids?: string[]): Promise<number> {
    if (ids?.length === 0) return 0;
    const now = this.clock.now();
    const result = await this.collection.updateMany(
      { claimedBy: token, state: 'claimed', ...(ids ? { _id: { $in: ids } } : {}) },
      { $set: { state: 'applied', claimedBy: null, appliedAt: now, purgeAt: this.purgeAt() } },
    );
    return result.modifiedCount;
  }

  /** Writes applied receipts for items a rebuild counted, whatever state their rows were in. */
  async recordApplied(items: InboxItem[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    const ops: AnyBulkWriteOperation<InboxRow>[] = items.map((item) => ({
      updateOne: {
        filter: { _id: inboxId(item.kind, item.sourceId) },
        update: {
          $set: {
            state: 'applied',
            claimedBy: null,
            claimedUntil: new Date(0),
            appliedAt: now,
            purgeAt: this.purgeAt(),
          },
          $setOnInsert: { ...item, attempts: 0, nextAttemptAt: now, enqueuedAt: now },
        },
        upsert: true,
      },
    }));
    await this.collection.bulkWrite(ops, { ordered: false });
  }

  /** Rows still claimed under a live lease for the organisation: batches that may be counting now. */
  async liveClaims(organizationId: string): Promise<number> {
    return this.collection.countDocuments({
      organizationId,
      state: 'claimed',
      claimedUntil: { $gt: this.clock.now() },
    });
  }

  /** Rows whose batch's lease ran out before it confirmed them (the batch died or stalled). */
  expiredClaims(limit = 1000): Promise<InboxRow[]> {
    return this.collection
      .find({ state: 'claimed', claimedUntil: { $lte: this.clock.now() } })
      .limit(limit)
      .toArray();
  }

  /** Returns rows to the queue (used by a repair for rows whose source cannot be read). */
  async requeue(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.updateMany(
      { _id: { $in: ids }, state: 'claimed' },
      { $set: { state: 'pending', claimedBy: null, claimedUntil: new Date(0) } },
    );
  }

  async counts(): Promise<Record<InboxState, number>> {
    const out: Record<InboxState, number> = { pending: 0, claimed: 0, applied: 0, orphaned: 0 };
    for (const state of Object.keys(out) as InboxState[]) {
      out[state] = await this.collection.countDocuments({ state });
    }
    return out;
  }

  /** Wall-clock time, not the injected clock: the database's TTL monitor deletes by its own clock. */
  private purgeAt(): Date {
    return new Date(Date.now() + RECEIPT_TTL_DAYS * 86_400_000);
  }
}
