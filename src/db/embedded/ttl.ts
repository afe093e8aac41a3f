/**
 * The TTL monitor: like mongod's, it periodically deletes documents whose indexed date
 * (or the earliest date in an indexed array) is older than expireAfterSeconds.
 */
import type { Storage } from './storage';
import { TypeBound, type Doc } from './values';

/** The lowest Date in value order: a TTL walk starts here (other types never expire). */
const FIRST_DATE = new TypeBound(10, false);

/**
 * One TTL pass over every collection; returns how many documents it removed. It walks each TTL
 * index from its earliest date up to the cutoff, so a pass costs what it removes, not the size of
 * the collection (mongod's monitor does the same; a full scan every second stalled the server once
 * collections held tens of thousands of rows). An array's earliest date decides, as in mongod:
 * its index entry for that element is the first the walk meets.
 */
export function expireDocuments(storage: Storage, now = Date.now()): number {
  let removed = 0;
  for (const colls of storage.dbs.values()) {
    for (const coll of colls.values()) {
      for (const index of coll.indexes.values()) {
        const seconds = index.spec.expireAfterSeconds;
        // TTL applies to single-field indexes only; mongod ignores it on compound ones.
        if (seconds === undefined || index.fields.length !== 1) continue;
        const cutoff = new Date(now - seconds * 1000);
        const [start, end] = index.dirs[0] === 1 ? [FIRST_DATE, cutoff] : [cutoff, FIRST_DATE];
        const expired = new Set<Doc>();
        for (const entry of index.scan([start], [end], false)) expired.add(entry.doc);
        for (const doc of expired) coll.remove(doc);
        removed += expired.size;
      }
    }
  }
  return removed;
}
