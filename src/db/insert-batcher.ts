/**
 * Group commit for the request path's hot inserts (outbox rows, messages, conversations).
 *
 * While `maxInFlight` inserts into a collection are on the wire, later ones wait and then go
 * together as one unordered insertMany. An insert that finds the wire free goes at once, so a
 * lone request pays no added latency; under load, many requests share one round trip instead of
 * paying one each. Every caller still gets its own outcome: success, or its own document's write
 * error (a duplicate key, say) as a MongoServerError with the code MongoDB gave it.
 */
import {
  MongoBulkWriteError,
  MongoServerError,
  type Collection,
  type Document,
  type OptionalUnlessRequiredId,
  type WriteError,
} from 'mongodb';

export interface InsertBatcherOptions {
  /** Most documents in one insertMany (default 500). */
  maxBatch?: number;
  /** Most insert commands on the wire at once for this collection (default 2). */
  maxInFlight?: number;
}

interface Waiting<T extends Document> {
  doc: OptionalUnlessRequiredId<T>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class InsertBatcher<T extends Document> {
  private readonly waiting: Waiting<T>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly collection: Collection<T>,
    options: InsertBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Inserts one document; resolves once it is stored. */
  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    return this.insertAll([doc]);
  }

  /** Inserts documents that belong together: they go in the same command, in this order. */
  insertAll(docs: OptionalUnlessRequiredId<T>[]): Promise<void> {
    const stored = docs.map(
      (doc) => new Promise<void>((resolve, reject) => this.waiting.push({ doc, resolve, reject })),
    );
    this.pump();
    return Promise.all(stored).then(() => undefined);
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async write(batch: Waiting<T>[]): Promise<void> {
    try {
      if (batch.length === 1) await this.collection.insertOne(batch[0]!.doc);
      else
        await this.collection.insertMany(
          batch.map((w) => w.doc),
          { ordered: false },
        );
      for (const waiting of batch) waiting.resolve();
    } catch (error) {
      settleEach(batch, error);
    }
  }
}

/** An unordered insertMany failed: each document gets its own write error, or succeeded. */
function settleEach<T extends Document>(batch: Waiting<T>[], error: unknown): void {
  const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
  // Not per document (a network error, a write-concern failure): nobody knows their row is safe.
  const writeConcern = error instanceof MongoBulkWriteError && error.result.getWriteConcernError();
  if (batch.length === 1 || writeErrors.length === 0 || writeConcern) {
    for (const waiting of batch) waiting.reject(error);
    return;
  }
  const byIndex = new Map<number, WriteError>(writeErrors.map((w) => [w.index, w]));
  batch.forEach((waiting, index) => {
    const failed = byIndex.get(index);
    if (!failed) return waiting.resolve();
    waiting.reject(
      new MongoServerError({
        message: failed.errmsg,
        errmsg: failed.errmsg,
        code: failed.code,
        errInfo: failed.errInfo,
      }),
    );
  });
}
