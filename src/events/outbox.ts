/**
 * The durable outbox for hot events (ResponseGenerated, >= 1,000/s). Dispatch costs
 * one insert (shared with concurrent dispatches under load); a notified agenda job drains rows in batches. Each row lists the
 * listeners still pending; a listener is removed from the row once it succeeded (and
 * its receipt is written), so a crash mid-batch replays only unfinished work.
 *
 * Listeners that can take a batch (`handleBatch`) get all of a batch's events in one call, with
 * one receipt read and one receipt write, instead of three round trips per event.
 *
 * Claiming: a drain claims a batch by setting `claimedUntil` (a lease); another
 * drain skips claimed rows until the lease expires, which is how rows held by a
 * crashed process are picked up again.
 */
import { randomUUID } from 'node:crypto';
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { InsertBatcher } from '../db/insert-batcher';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { isAppError } from '../shared/errors';
import type { QueuedDelivery } from './bus';
import { parseStoredEvent, serializeEvent, type DomainEvent } from './event';
import { backoffDelay, type RegisteredListener } from './listener';
import type { ReceiptStore } from './receipts';
import { runQueuedListener } from './run-listener';

export const OUTBOX_DRAIN_JOB = 'events:outbox-drain';

export interface OutboxRow {
  _id: string;
  event: ReturnType<typeof serializeEvent>;
  state: 'pending' | 'done' | 'failed';
  pending: string[];
  failed: string[];
  attempts: Record<string, number>;
  nextAttemptAt: Date;
  claimedUntil: Date;
  claimedBy: string | null;
  createdAt: Date;
  /** Set when every listener succeeded; the TTL index removes the row after the retention. */
  finishedAt?: Date;
  lastError?: string;
}

interface RowOutcome {
  done: string[];
  failed: string[];
  retry: { name: string; attempt: number; delay: number }[];
  lastError?: string;
}

export interface OutboxOptions {
  db: Db;
  agenda: Agenda;
  receipts: ReceiptStore;
  logger: Logger;
  clock: Clock;
  batchSize?: number;
  /** How long a claimed batch is reserved for one drain. */
  leaseMs?: number;
  /**
   * How long a first event waits for others before its drain is requested (default 10 ms). Under
   * load drains run back to back and this does not apply.
   */
  lingerMs?: number;
  /** How many batches one drain works on at once (default 2). */
  lanes?: number;
  /** How long rows whose listeners all succeeded are kept (default 7 days). */
  doneRetentionSeconds?: number;
  collectionName?: string;
}

export class Outbox implements QueuedDelivery {
  readonly collection: Collection<OutboxRow>;
  /** Group commit: under load, concurrent dispatches share one insert command. */
  private readonly inserts: InsertBatcher<OutboxRow>;
  private readonly listeners = new Map<string, RegisteredListener>();
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly lingerMs: number;
  private readonly lanes: number;
  private triggerPendingUntil = 0;
  /** Drains running in this process, and whether a row arrived while one was running. */
  private drainsRunning = 0;
  private arrivedWhileDraining = false;
  private indexesReady: Promise<void> | undefined;

  constructor(private readonly options: OutboxOptions) {
    this.collection = options.db.collection<OutboxRow>(options.collectionName ?? 'event_outbox');
    this.inserts = new InsertBatcher(this.collection);
    this.batchSize = options.batchSize ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.lingerMs = options.lingerMs ?? 10;
    this.lanes = options.lanes ?? 2;
    options.agenda.define(
      OUTBOX_DRAIN_JOB,
      async () => {
        await this.drain();
      },
      { concurrency: 1, lockLifetime: this.leaseMs },
    );
    // A drain started by this process clears the coalescing flag, so the next event triggers again.
    options.agenda.on(`start:${OUTBOX_DRAIN_JOB}`, () => {
      this.triggerPendingUntil = 0;
    });
  }

  register(listener: RegisteredListener): void {
    this.listeners.set(listener.name, listener);
  }

  ensureIndexes(): Promise<void> {
    this.indexesReady ??= Promise.all([
      this.collection.createIndex({ state: 1, nextAttemptAt: 1 }, { name: 'state_nextAttemptAt' }),
      // Finished rows are kept for a while (diagnostics, replays by hand), then expire: every
      // response writes one, so they would otherwise grow without bound. Failed rows have no
      // finishedAt and stay until someone looks at them.
      this.collection.createIndex(
        { finishedAt: 1 },
        { name: 'finished_ttl', expireAfterSeconds: this.options.doneRetentionSeconds ?? 7 * 24 * 3600 },
      ),
    ]).then(() => undefined);
    return this.indexesReady;
  }

  async enqueue(event: DomainEvent, listeners: RegisteredListener[]): Promise<void> {
    const now = new Date();
    const row: OutboxRow = {
      _id: event.id,
      event: serializeEvent(event),
      state: 'pending',
      pending: listeners.map((l) => l.name),
      failed: [],
      attempts: {},
      nextAttemptAt: now,
      claimedUntil: new Date(0),
      claimedBy: null,
      createdAt: now,
    };
    try {
      await this.inserts.insert(row);
    } catch (error) {
      // Same event id dispatched again: it is already durable, nothing to add.
      if ((error as { code?: number }).code !== 11000) throw error;
      return;
    }
    // Not awaited: the row is durable already, and a lost trigger is covered by the sweep.
    this.trigger().catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'could not request an outbox drain; the sweep will'),
    );
  }

  /**
   * Asks for a drain. Coalesced: while a drain runs in this process it takes the new row
   * before it stops; while a drain job is queued and has not started (or for 100 ms when a
   * remote worker will start it), further events ride along. Without this, a busy worker
   * would queue, lock and complete an agenda job every few events.
   */
  async trigger(): Promise<void> {
    if (this.drainsRunning > 0) {
      this.arrivedWhileDraining = true;
      return;
    }
    const now = Date.now();
    if (now < this.triggerPendingUntil) return;
    this.triggerPendingUntil = now + this.lingerMs + 100;
    // Linger: events of the next few milliseconds ride along, so a moderately busy server drains
    // in batches instead of one job per event, and the drain starts after the response is sent.
    if (this.lingerMs > 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, this.lingerMs).unref());
    }
    await this.options.agenda.now(OUTBOX_DRAIN_JOB);
  }

  /** A periodic sweep picks up rows whose trigger was lost (crash after insert) or whose lease expired. */
  async scheduleSweep(every = '1 minute'): Promise<void> {
    await this.options.agenda.every(every, OUTBOX_DRAIN_JOB);
  }

  /**
   * Drains until no due row is left. Returns the number of rows finished. Batches are claimed and
   * processed by `lanes` loops at once, so one batch's round trips overlap the next one's: under
   * load a single loop spends most of its time waiting behind request traffic.
   */
  async drain(): Promise<number> {
    this.drainsRunning += 1;
    try {
      await this.ensureIndexes();
      const lanes = await Promise.all(Array.from({ length: this.lanes }, () => this.drainLane()));
      return lanes.reduce((a, b) => a + b, 0);
    } finally {
      this.drainsRunning -= 1;
    }
  }

  private async drainLane(): Promise<number> {
    let finished = 0;
    for (;;) {
      // A lane clears the flag only right before its own claim, and that claim sees every row
      // whose trigger set it; so whichever lane stops, no row is missed.
      this.arrivedWhileDraining = false;
      const batch = await this.claimBatch();
      // Nothing due: stop, unless a row arrived after the claim looked (its trigger was
      // absorbed by this drain). The check and the stop run without a gap, so no row is missed.
      if (batch.length === 0 && !this.arrivedWhileDraining) return finished;
      if (batch.length > 0) finished += await this.processBatch(batch);
    }
  }

  private async claimBatch(): Promise<OutboxRow[]> {
    const now = new Date();
    const due = { state: 'pending' as const, nextAttemptAt: { $lte: now }, claimedUntil: { $lte: now } };
    const candidates = await this.collection
      .find(due)
      .sort({ nextAttemptAt: 1 })
      .limit(this.batchSize)
      .toArray();
    if (candidates.length === 0) return [];
    const token = randomUUID();
    const claim = { claimedBy: token, claimedUntil: new Date(now.getTime() + this.leaseMs) };
    const ids = { $in: candidates.map((c) => c._id) };
    // Each row's update is atomic, so two drains racing for a row cannot both win it.
    const { modifiedCount } = await this.collection.updateMany({ ...due, _id: ids }, { $set: claim });
    // Won every row (the usual case): the rows read are the rows claimed. A row another drain
    // finished or rescheduled meanwhile is no longer due, so it cannot be among them.
    if (modifiedCount === candidates.length) return candidates.map((row) => ({ ...row, ...claim }));
    // Lost some to another drain: read back what this one won (by _id, which is indexed; the
    // collection keeps finished rows for days).
    return this.collection.find({ _id: ids, claimedBy: token }).toArray();
  }

  private async processBatch(rows: OutboxRow[]): Promise<number> {
    const outcomes = new Map<string, RowOutcome>(
      rows.map((row) => [row._id, { done: [], failed: [], retry: [] }]),
    );
    // Listener by listener: a batch listener sees all its pending rows at once; the others run
    // per row, concurrently.
    for (const name of new Set(rows.flatMap((row) => row.pending))) {
      const pending = rows.filter((row) => row.pending.includes(name));
      const listener = this.listeners.get(name);
      if (!listener) {
        // Not registered in this process (e.g. a feature was removed): park it visibly.
        for (const row of pending) {
          const outcome = outcomes.get(row._id)!;
          outcome.failed.push(name);
          outcome.lastError = `no listener named ${name} is registered`;
        }
        continue;
      }
      if (listener.handleBatch && (await this.runBatch(listener, pending))) {
        for (const row of pending) outcomes.get(row._id)!.done.push(name);
        continue;
      }
      await Promise.all(pending.map((row) => this.runOne(listener, row, outcomes.get(row._id)!)));
    }

    const ops: AnyBulkWriteOperation<OutboxRow>[] = [];
    const allDone: string[] = [];
    let finished = 0;
    let retryAt: number | undefined;
    const now = Date.now();
    for (const row of rows) {
      const { done, failed, retry, lastError } = outcomes.get(row._id)!;
      // The usual row: every listener succeeded at the first try. They all get one update.
      if (row.failed.length === 0 && failed.length === 0 && retry.length === 0 && !lastError) {
        if (row.pending.every((n) => done.includes(n))) {
          allDone.push(row._id);
          finished += 1;
          continue;
        }
      }
      const remaining = row.pending.filter((n) => !done.includes(n) && !failed.includes(n));
      const nextDelay = retry.length ? Math.min(...retry.map((r) => r.delay)) : 0;
      const state =
        remaining.length > 0 ? 'pending' : failed.length > 0 || row.failed.length > 0 ? 'failed' : 'done';
      if (state !== 'pending') finished += 1;
      if (retry.length) retryAt = Math.min(retryAt ?? Infinity, now + nextDelay);
      ops.push({
        updateOne: {
          filter: { _id: row._id },
          update: {
            $set: {
              state,
              pending: remaining,
              failed: [...row.failed, ...failed],
              attempts: { ...row.attempts, ...Object.fromEntries(retry.map((r) => [r.name, r.attempt])) },
              nextAttemptAt: new Date(now + nextDelay),
              claimedUntil: new Date(0),
              claimedBy: null,
              ...(state === 'done' ? { finishedAt: new Date(now) } : {}),
              ...(lastError ? { lastError } : {}),
            },
          },
        },
      });
    }
    if (allDone.length > 0) {
      ops.push({
        updateMany: {
          filter: { _id: { $in: allDone } },
          update: {
            $set: {
              state: 'done',
              pending: [],
              nextAttemptAt: new Date(now),
              claimedUntil: new Date(0),
              claimedBy: null,
              finishedAt: new Date(now),
            },
          },
        },
      });
    }
    if (ops.length) await this.collection.bulkWrite(ops, { ordered: false });
    if (retryAt !== undefined) await this.options.agenda.schedule(new Date(retryAt), OUTBOX_DRAIN_JOB);
    return finished;
  }

  /**
   * Runs a batch listener over rows: one receipt read, one call, one receipt write. Returns false
   * when the batch cannot be trusted as a whole (a row fails validation, the handler throws), so
   * the caller retries its rows one by one and failures stay per event.
   */
  private async runBatch(listener: RegisteredListener, rows: OutboxRow[]): Promise<boolean> {
    let events: DomainEvent[];
    try {
      events = rows.map((row) => parseStoredEvent(row.event));
    } catch {
      return false;
    }
    const keyOf = (event: DomainEvent) => `${listener.name}:${event.id}`;
    const attempt = Math.max(...rows.map((row) => (row.attempts[listener.name] ?? 0) + 1));
    const logger = this.options.logger.child({ listener: listener.name, batch: events.length, attempt });
    try {
      if (listener.selfIdempotent) {
        await listener.handleBatch!(events, { attempt, logger });
        return true;
      }
      const seen = await this.options.receipts.existing(events.map(keyOf));
      const todo = events.filter((event) => !seen.has(keyOf(event)));
      if (todo.length > 0) await listener.handleBatch!(todo, { attempt, logger });
      await this.options.receipts.recordMany(todo.map(keyOf), this.options.clock.now());
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'outbox batch listener failed; retrying its events one by one');
      return false;
    }
  }

  private async runOne(listener: RegisteredListener, row: OutboxRow, outcome: RowOutcome): Promise<void> {
    const name = listener.name;
    const attempt = (row.attempts[name] ?? 0) + 1;
    try {
      await runQueuedListener(this.options, listener, row.event, attempt);
      outcome.done.push(name);
    } catch (error) {
      outcome.lastError = error instanceof Error ? error.message : String(error);
      const delay =
        isAppError(error) && error.code === 'BAD_USER_INPUT' ? null : backoffDelay(listener.retry, attempt);
      this.options.logger.warn(
        { err: error, listener: name, eventId: row._id, attempt },
        'outbox listener failed',
      );
      if (delay === null) outcome.failed.push(name);
      else outcome.retry.push({ name, attempt, delay });
    }
  }
}
