/**
 * The TTL monitor: like mongod's, it periodically deletes documents whose indexed date
 * (or the earliest date in an indexed array) is older than expireAfterSeconds.
 */
import type { Storage } from './storage';
import { getPath } from './paths';
import type { Doc } from './values';

function expiryBase(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (Array.isArray(value)) {
    const dates = value.filter((v): v is Date => v instanceof Date);
    if (dates.length === 0) return undefined;
    return dates.reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
  }
  return undefined;
}

/** One TTL pass over every collection; returns how many documents it removed. */
export function expireDocuments(storage: Storage, now = Date.now()): number {
  let removed = 0;
  for (const colls of storage.dbs.values()) {
    for (const coll of colls.values()) {
      for (const index of coll.indexes.values()) {
        const seconds = index.spec.expireAfterSeconds;
        if (seconds === undefined) continue;
        const field = index.fields[0] as string;
        const expired: Doc[] = [];
        for (const doc of coll.docs.values()) {
          if (!index.covers(doc)) continue;
          const base = expiryBase(getPath(doc, field));
          if (base && base.getTime() + seconds * 1000 <= now) expired.push(doc);
        }
        for (const doc of expired) coll.remove(doc);
        removed += expired.length;
      }
    }
  }
  return removed;
}
