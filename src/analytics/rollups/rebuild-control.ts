/**
 * Who is rebuilding which organisation's rollups. A rebuild holds one control document per
 * organisation (exclusive, under a lease it renews as it reads): while it exists, rollup batches
 * leave that organisation's inbox rows pending, so live events wait instead of racing the rebuild.
 *
 * The document also says how far the rebuild got. 'rebuilding' means nothing was replaced yet, so
 * a holder that died can simply be forgotten; 'replacing' means the rollups of `range` may be half
 * deleted or half written, so whoever finds it abandoned must run that rebuild again before the
 * organisation is counted again.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Clock } from '../../shared/clock';
import { AppError } from '../../shared/errors';
import type { TimeRange } from './analytics-sources';

export interface ControlDoc {
  _id: string;
  token: string;
  state: 'rebuilding' | 'replacing';
  range: TimeRange;
  leaseUntil: Date;
  startedAt: Date;
}

export interface Hold {
  organizationId: string;
  token: string;
  /** The range to rebuild: the one asked for, widened to an abandoned replacement's range. */
  range: TimeRange;
}

const isDuplicateKey = (e: unknown) => (e as { code?: number }).code === 11000;

export class RebuildControl {
  readonly collection: Collection<ControlDoc>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    readonly leaseMs = 120_000,
  ) {
    this.collection = db.collection<ControlDoc>('analytics_rebuilds');
  }

  /** Pauses the organisation's live updates for a rebuild of `range`; CONFLICT if one is running. */
  async pause(organizationId: string, range: TimeRange): Promise<Hold> {
    const now = this.clock.now();
    const token = randomUUID();
    const fresh = { token, state: 'rebuilding' as const, leaseUntil: this.leaseEnd(now), startedAt: now };
    try {
      await this.collection.insertOne({ _id: organizationId, range, ...fresh });
      return { organizationId, token, range };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await this.collection.findOne({ _id: organizationId });
    if (held && held.leaseUntil.getTime() > now.getTime()) {
      throw new AppError(
        'CONFLICT',
        `The rollups of organisation ${organizationId} are being rebuilt since ${held.startedAt.toISOString()}; wait for it to finish.`,
      );
    }
    // Take over an abandoned hold. A half-done replacement must be redone, so cover its range too.
    const widened =
      held?.state === 'replacing'
        ? {
            from: new Date(Math.min(held.range.from.getTime(), range.from.getTime())),
            to: new Date(Math.max(held.range.to.getTime(), range.to.getTime())),
          }
        : range;
    const taken = await this.collection.updateOne(
      { _id: organizationId, token: held?.token, leaseUntil: { $lte: now } },
      { $set: { ...fresh, range: widened } },
    );
    if (taken.modifiedCount !== 1) {
      throw new AppError('CONFLICT', `Another rebuild of organisation ${organizationId} just started.`);
    }
    return { organizationId, token, range: widened };
  }

  /** Extends the hold; throws if it was lost (taken over after the lease ran out). */
  async renew(hold: Hold, state?: ControlDoc['state']): Promise<void> {
    const result = await this.collection.updateOne(
      { _id: hold.organizationId, token: hold.token },
      { $set: { leaseUntil: this.leaseEnd(this.clock.now()), ...(state ? { state } : {}) } },
    );
    if (result.matchedCount !== 1) {
      throw new AppError(
        'CONFLICT',
        `The rebuild of organisation ${hold.organizationId} lost its hold (it ran past its lease); run it again.`,
      );
    }
  }

  async resume(hold: Hold): Promise<void> {
    await this.collection.deleteOne({ _id: hold.organizationId, token: hold.token });
  }

  /** Every organisation with a hold, live or abandoned: none of them may be counted now. */
  async pausedOrganizations(): Promise<string[]> {
    const docs = await this.collection.find({}, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  /** Holds whose lease ran out: their rebuild died. */
  abandoned(): Promise<ControlDoc[]> {
    return this.collection.find({ leaseUntil: { $lte: this.clock.now() } }).toArray();
  }

  /** Forgets an abandoned hold that had not replaced anything yet. */
  async forget(doc: ControlDoc): Promise<void> {
    await this.collection.deleteOne({ _id: doc._id, token: doc.token, state: 'rebuilding' });
  }

  private leaseEnd(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs);
  }
}
