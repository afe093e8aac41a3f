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

  async record(key: string, at: Date): Promise<void> {
    // Upsert so recording twice (two racing deliveries) is not an error.
    await this.collection.updateOne({ _id: key }, { $setOnInsert: { completedAt: at } }, { upsert: true });
  }
}
