/**
 * The TTL pass walks each TTL index up to the cutoff: the same documents expire as with a scan of
 * every document, in either index direction, and compound indexes are left alone as mongod does.
 */
import { Storage } from './storage';
import { expireDocuments } from './ttl';

const now = Date.parse('2026-06-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(now - m * 60_000);

function collectionWith(key: Record<string, 1 | -1>, expireAfterSeconds: number) {
  const storage = new Storage();
  const coll = storage.ensureCollection('db', 'c');
  coll.createIndex({ key, name: 'ttl', expireAfterSeconds });
  for (const doc of [
    { _id: 'old', at: minutesAgo(90) },
    { _id: 'edge', at: minutesAgo(60) },
    { _id: 'young', at: minutesAgo(30) },
    { _id: 'future', at: minutesAgo(-30) },
    { _id: 'text', at: 'not a date' },
    { _id: 'number', at: 5 },
    { _id: 'missing' },
    { _id: 'array', at: [minutesAgo(-60), minutesAgo(120), minutesAgo(100)] },
    { _id: 'young-array', at: [minutesAgo(10), minutesAgo(-10)] },
  ])
    coll.insert(doc);
  return { storage, coll };
}

const left = (coll: ReturnType<typeof collectionWith>['coll']) =>
  [...coll.docs.values()].map((d) => d._id).sort();

describe('expireDocuments', () => {
  it.each([1, -1] as const)('removes what is older than the cutoff (index direction %i)', (dir) => {
    const { storage, coll } = collectionWith({ at: dir }, 3600);
    expect(expireDocuments(storage, now)).toBe(3);
    expect(left(coll)).toEqual(['future', 'missing', 'number', 'text', 'young', 'young-array']);
    // Nothing left to expire: a second pass removes nothing.
    expect(expireDocuments(storage, now)).toBe(0);
  });

  it('ignores expireAfterSeconds on a compound index', () => {
    const { storage, coll } = collectionWith({ at: 1, _id: 1 }, 0);
    expect(expireDocuments(storage, now)).toBe(0);
    expect(coll.docs.size).toBe(9);
  });
});
