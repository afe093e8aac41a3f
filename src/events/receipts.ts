/**
 * Receipts of completed queued-listener runs, keyed by idempotency key. A job that
 * is delivered again (retry after a crash, duplicate dispatch) finds the receipt and
 * does nothing.
 */
import type { Collection, Db } from 'mongodb';

interface Receipt {
  _id: string;
  completedAt: Date;
}

export class ReceiptStore {
  private readonly collection: Collection<Receipt>;

  constructor(db: Db, collectionName = 'event_receipts') {
    this.collection = db.collection<Receipt>(collectionName);
  }

  async has(key: string): Promise<boolean> {
    return (await this.collection.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }

  /** Which of these keys already have a receipt (one query for a batch). */
  async existing(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const docs = await this.collection.find({ _id: { $in: keys } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Receipts for a batch in one write; keys that already have one are left as they are. */
  async recordMany(keys: string[], at: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.collection.bulkWrite(
      keys.map((key) => ({
        updateOne: { filter: { _id: key }, update: { $setOnInsert: { completedAt: at } }, upsert: true },
      })),
      { ordered: false },
    );
  }

  async record(key: string, at: Date): Promise<void> {
    // Upsert so recording twice (two racing deliveries) is not an error.
    await this.collection.updateOne({ _id: key }, { $setOnInsert: { completedAt: at } }, { upsert: true });
  }
}
