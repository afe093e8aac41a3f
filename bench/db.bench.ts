/**
 * Embedded server latency through the real driver: findOne by _id, indexed find, insert and
 * $inc update at 1k and 100k documents. Indexed work must not grow with the collection:
 * each 100k row is compared with its 1k row measured in the same run (target ratio <= 1.5).
 */
import { type Collection, MongoClient } from 'mongodb';
import { startEmbeddedServer } from '../src/db/embedded/server';
import { type BenchReporter, sample } from './lib';

const SIZES = [1_000, 100_000];
const ITERATIONS = 3_000;

async function load(coll: Collection, n: number): Promise<void> {
  await coll.createIndex({ email: 1 }, { unique: true });
  await coll.createIndex({ org: 1, at: -1 });
  for (let start = 0; start < n; start += 5_000) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + 5_000); i += 1) {
      batch.push({
        _id: i,
        email: `user${i}@example.com`,
        org: `org${i % 100}`,
        at: new Date(i * 1000),
        n: 0,
      });
    }
    await coll.insertMany(batch as never[]);
  }
}

export default async function run(report: BenchReporter): Promise<void> {
  const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  for (const n of SIZES) {
    const server = await startEmbeddedServer();
    const client = await new MongoClient(`mongodb://127.0.0.1:${server.port}/bench`).connect();
    try {
      const coll = client.db('bench').collection('docs');
      await load(coll, n);
      let k = 0;
      const pick = () => {
        k = (k * 7919 + 13) % n;
        return k;
      };
      const base = n === SIZES[0] ? undefined : (op: string) => `${op} @${label(SIZES[0] as number)}`;
      const measure = (op: string, samples: number[]) =>
        report.measure(`${op} @${label(n)}`, samples, {
          baseline: base?.(op),
          target: base ? 'ratio <= 1.5' : undefined,
        });

      measure('findOne by _id', await sample(() => coll.findOne({ _id: pick() as never }), ITERATIONS));
      measure(
        'indexed find (email)',
        await sample(() => coll.find({ email: `user${pick()}@example.com` }).toArray(), ITERATIONS),
      );
      let next = n;
      measure(
        'insertOne',
        await sample(
          () =>
            coll.insertOne({
              _id: next++ as never,
              email: `new${next}@example.com`,
              org: 'org1',
              at: new Date(),
              n: 0,
            }),
          ITERATIONS,
        ),
      );
      measure(
        '$inc updateOne by _id',
        await sample(() => coll.updateOne({ _id: pick() as never }, { $inc: { n: 1 } }), ITERATIONS),
      );
      const scans = server.storage.collection('bench', 'docs')?.stats.collectionScans ?? 0;
      if (scans > 0)
        report.note(`${label(n)}: ${scans} collection scans during indexed operations (expected 0)`);
    } finally {
      await client.close();
      await server.stop();
    }
  }
  report.note(
    'db: each operation is a full driver round trip over loopback TCP to the in-process embedded server.',
  );
}
