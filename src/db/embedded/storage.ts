/**
 * The in-memory databases of one embedded server: collections by database and name,
 * and the open cursors. Nothing is persisted; stopping the server discards everything.
 */
import { Long } from 'bson';
import { Collection } from './collection';
import { fail } from './errors';
import type { Doc } from './values';

export interface CursorState {
  ns: string;
  docs: Doc[];
  pos: number;
}

export class Storage {
  readonly dbs = new Map<string, Map<string, Collection>>();
  readonly cursors = new Map<string, CursorState>();
  private nextCursor = 1n;

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  ensureCollection(db: string, name: string, options: Doc = {}): Collection {
    validateName(db, name);
    let colls = this.dbs.get(db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    let coll = colls.get(name);
    if (!coll) {
      coll = new Collection(db, name, options);
      colls.set(name, coll);
    }
    return coll;
  }

  dropCollection(db: string, name: string): boolean {
    const colls = this.dbs.get(db);
    const existed = !!colls?.delete(name);
    if (colls && colls.size === 0) this.dbs.delete(db);
    return existed;
  }

  dropDatabase(db: string): void {
    this.dbs.delete(db);
  }

  openCursor(ns: string, docs: Doc[], pos: number): Long {
    if (pos >= docs.length) return Long.fromNumber(0);
    const id = this.nextCursor;
    this.nextCursor += 1n;
    this.cursors.set(id.toString(), { ns, docs, pos });
    return Long.fromBigInt(id);
  }
}

function validateName(db: string, name: string): void {
  if (!db || /[/\\. "$]/.test(db)) fail(73, `Invalid database name: '${db}'`);
  if (!name || name.includes('$') || name.startsWith('.') || name.includes('\0'))
    fail(73, `Invalid collection name: '${name}'`);
}
