/**
 * Read and write commands: insert, find, getMore, killCursors, update, delete, findAndModify,
 * count, distinct and aggregate, with MongoDB's reply shapes and write errors.
 */
import { Int32, Long, ObjectId } from 'bson';
import { aggregateCollection } from '../aggregate';
import type { Collection } from '../collection';
import { fail, MongoCommandError, unsupported } from '../errors';
import { compileFilter, type MatchContext } from '../matcher';
import { collectPath } from '../paths';
import { applyProjection } from '../projection';
import { parseSort } from '../sort';
import { applyUpdate, isOperatorUpdate } from '../update';
import { type Doc, exactNumber, identical, isPlainObject, valueKey, cloneValue } from '../values';
import { type CommandContext, collectionName, cursorReply, type Handler, takeBatch } from './context';
import { upsertSeed, writeError } from './write-helpers';

const ok = new Int32(1);

function int(n: number): Int32 {
  return new Int32(n);
}

function optionalNumber(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = exactNumber(v);
  if (n === undefined) fail(14, `${name} must be a number`);
  return n;
}

function refuseOptions(cmd: Doc, names: string[]): void {
  for (const n of names) {
    if (cmd[n] !== undefined && !(n === 'collation' && isSimpleCollation(cmd[n])))
      unsupported(`The option ${n}`);
  }
}

function isSimpleCollation(c: unknown): boolean {
  return isPlainObject(c) && c.locale === 'simple';
}

function docsOf(ctx: CommandContext, field: string): Doc[] {
  const v = ctx.cmd[field];
  if (!Array.isArray(v)) fail(9, `BSON field '${field}' is missing but a required field`);
  return v as Doc[];
}

export const insert: Handler = (ctx) => {
  const name = collectionName(ctx, 'insert');
  const docs = docsOf(ctx, 'documents');
  const ordered = ctx.cmd.ordered !== false;
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  const writeErrors: Doc[] = [];
  let n = 0;
  for (let i = 0; i < docs.length; i += 1) {
    try {
      coll.insert(docs[i] as Doc);
      n += 1;
    } catch (err) {
      writeErrors.push(writeError(i, err));
      if (ordered) break;
    }
  }
  return writeErrors.length ? { n: int(n), writeErrors, ok } : { n: int(n), ok };
};

export const find: Handler = (ctx) => {
  const name = collectionName(ctx, 'find');
  const cmd = ctx.cmd;
  refuseOptions(cmd, [
    'collation',
    'tailable',
    'awaitData',
    'min',
    'max',
    'returnKey',
    'showRecordId',
    'let',
    'oplogReplay',
    'allowPartialResults',
  ]);
  const coll = ctx.storage.collection(ctx.db, name);
  const rawLimit = optionalNumber(cmd.limit, 'limit') ?? 0;
  const single = cmd.singleBatch === true || rawLimit < 0;
  const limit = Math.abs(rawLimit);
  const docs = coll
    ? coll.find((cmd.filter as Doc) ?? {}, {
        sort: parseSort(cmd.sort),
        skip: optionalNumber(cmd.skip, 'skip'),
        limit,
      })
    : [];
  const projected = isPlainObject(cmd.projection)
    ? docs.map((d) => applyProjection(d, cmd.projection as Doc))
    : docs;
  const batchSize = optionalNumber(cmd.batchSize, 'batchSize');
  return cursorReply(ctx, `${ctx.db}.${name}`, projected, single ? limit || batchSize : batchSize, single);
};

export const getMore: Handler = (ctx) => {
  const id = ctx.cmd.getMore;
  const key = id instanceof Long ? id.toString() : String(exactNumber(id));
  const cursor = ctx.storage.cursors.get(key);
  if (!cursor) fail(43, `cursor id ${key} not found`);
  const { batch, next } = takeBatch(
    cursor.docs,
    cursor.pos,
    optionalNumber(ctx.cmd.batchSize, 'batchSize') ?? 0,
  );
  cursor.pos = next;
  const done = next >= cursor.docs.length;
  if (done) ctx.storage.cursors.delete(key);
  return {
    cursor: { nextBatch: batch, id: done ? Long.fromNumber(0) : Long.fromString(key), ns: cursor.ns },
    ok,
  };
};

export const killCursors: Handler = (ctx) => {
  const ids = (ctx.cmd.cursors as unknown[]) ?? [];
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const id of ids) {
    const key = id instanceof Long ? id.toString() : String(id);
    (ctx.storage.cursors.delete(key) ? killed : notFound).push(Long.fromString(key));
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok };
};

interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Doc;
  after?: Doc;
}

/** One update statement; used by both update and findAndModify. */
function updateOne(
  coll: Collection,
  query: Doc,
  update: unknown,
  opts: { multi: boolean; upsert: boolean; arrayFilters?: Doc[]; sort?: Doc },
): UpdateOutcome {
  if (opts.multi && !Array.isArray(update) && !isOperatorUpdate(update))
    fail(9, 'multi update is not supported for replacement-style update');
  const matched = opts.multi ? coll.find(query) : coll.find(query, { sort: parseSort(opts.sort), limit: 1 });
  const pred = compileFilter(query);
  if (matched.length === 0) {
    if (!opts.upsert) return { matched: 0, modified: 0 };
    const seed = isOperatorUpdate(update) || Array.isArray(update) ? upsertSeed(query) : {};
    const base = applyUpdate(seed, update, { isInsert: true, arrayFilters: opts.arrayFilters });
    const doc = base._id === undefined ? { _id: seedId(query), ...base } : base;
    if (doc._id === undefined) doc._id = new ObjectId();
    const inserted = coll.insert(doc);
    return { matched: 0, modified: 0, upsertedId: inserted._id, after: inserted };
  }
  // Like MongoDB, a multi update is atomic per document: a failure stops it after earlier documents changed.
  let modified = 0;
  let before: Doc | undefined;
  let after: Doc | undefined;
  for (const doc of matched) {
    const match: MatchContext = {};
    pred(doc, match);
    const position = match.position;
    const next = applyUpdate(doc, update, { isInsert: false, position, arrayFilters: opts.arrayFilters });
    before = doc;
    after = next;
    if (identical(doc, next)) {
      after = doc;
      continue;
    }
    coll.replace(doc, next);
    modified += 1;
  }
  return { matched: matched.length, modified, before, after };
}

function seedId(query: Doc): unknown {
  const id = query._id;
  if (id === undefined || (isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$'))))
    return undefined;
  return id;
}

export const update: Handler = (ctx) => {
  const name = collectionName(ctx, 'update');
  const statements = docsOf(ctx, 'updates');
  const ordered = ctx.cmd.ordered !== false;
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors: Doc[] = [];
  statements.forEach((s, i) => {
    if (ordered && writeErrors.length) return;
    try {
      refuseOptions(s, ['collation']);
      const r = updateOne(coll, (s.q as Doc) ?? {}, s.u, {
        multi: s.multi === true,
        upsert: s.upsert === true,
        arrayFilters: s.arrayFilters as Doc[] | undefined,
        sort: s.sort as Doc | undefined,
      });
      n += r.matched;
      nModified += r.modified;
      if (r.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: int(i), _id: r.upsertedId });
      }
    } catch (err) {
      writeErrors.push(writeError(i, err));
    }
  });
  const reply: Doc = { n: int(n), nModified: int(nModified), ok };
  if (upserted.length) reply.upserted = upserted;
  if (writeErrors.length) reply.writeErrors = writeErrors;
  return reply;
};

export const remove: Handler = (ctx) => {
  const name = collectionName(ctx, 'delete');
  const statements = docsOf(ctx, 'deletes');
  const coll = ctx.storage.collection(ctx.db, name);
  let n = 0;
  const writeErrors: Doc[] = [];
  statements.forEach((s, i) => {
    if (ctx.cmd.ordered !== false && writeErrors.length) return;
    try {
      refuseOptions(s, ['collation']);
      const limit = optionalNumber(s.limit, 'limit') ?? 0;
      if (!coll) return;
      const docs = coll.find((s.q as Doc) ?? {}, { limit: limit === 1 ? 1 : 0 });
      for (const d of docs) coll.remove(d);
      n += docs.length;
    } catch (err) {
      writeErrors.push(writeError(i, err));
    }
  });
  return writeErrors.length ? { n: int(n), writeErrors, ok } : { n: int(n), ok };
};

export const findAndModify: Handler = (ctx) => {
  const name =
    typeof ctx.cmd.findAndModify === 'string'
      ? collectionName(ctx, 'findAndModify')
      : collectionName(ctx, 'findandmodify');
  const cmd = ctx.cmd;
  refuseOptions(cmd, ['collation', 'let']);
  const query = (cmd.query as Doc) ?? {};
  const fields = isPlainObject(cmd.fields) ? (cmd.fields as Doc) : undefined;
  const project = (d: Doc | undefined) => (d && fields ? applyProjection(d, fields) : (d ?? null));
  if (cmd.remove === true) {
    if (cmd.update !== undefined) fail(9, 'Cannot specify both an update and remove=true');
    const coll = ctx.storage.collection(ctx.db, name);
    const [doc] = coll ? coll.find(query, { sort: parseSort(cmd.sort), limit: 1 }) : [];
    if (doc) coll!.remove(doc);
    return { lastErrorObject: { n: int(doc ? 1 : 0) }, value: project(doc), ok };
  }
  if (cmd.update === undefined) fail(9, 'Either an update or remove=true must be specified');
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  const r = updateOne(coll, query, cmd.update, {
    multi: false,
    upsert: cmd.upsert === true,
    arrayFilters: cmd.arrayFilters as Doc[] | undefined,
    sort: cmd.sort as Doc | undefined,
  });
  const lastErrorObject: Doc = {
    n: int(r.matched || (r.upsertedId !== undefined ? 1 : 0)),
    updatedExisting: r.matched > 0,
  };
  if (r.upsertedId !== undefined) lastErrorObject.upserted = r.upsertedId;
  const value = cmd.new === true ? r.after : r.upsertedId !== undefined ? undefined : r.before;
  return { lastErrorObject, value: project(value), ok };
};

export const count: Handler = (ctx) => {
  const name = collectionName(ctx, 'count');
  refuseOptions(ctx.cmd, ['collation']);
  const coll = ctx.storage.collection(ctx.db, name);
  const query = (ctx.cmd.query as Doc) ?? {};
  const skip = optionalNumber(ctx.cmd.skip, 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(ctx.cmd.limit, 'limit') ?? 0);
  let n = 0;
  if (coll)
    n =
      Object.keys(query).length === 0 && !skip && !limit
        ? coll.docs.size
        : coll.find(query, { skip, limit }).length;
  return { n: int(n), ok };
};

export const distinct: Handler = (ctx) => {
  const name = collectionName(ctx, 'distinct');
  refuseOptions(ctx.cmd, ['collation']);
  const key = ctx.cmd.key;
  if (typeof key !== 'string') fail(14, "BSON field 'distinct.key' is the wrong type");
  const coll = ctx.storage.collection(ctx.db, name);
  const docs = coll ? coll.find((ctx.cmd.query as Doc) ?? {}) : [];
  const seen = new Map<string, unknown>();
  for (const d of docs) {
    for (const v of collectPath(d, key.split('.')).values) {
      for (const x of Array.isArray(v) ? v : [v]) if (!seen.has(valueKey(x))) seen.set(valueKey(x), x);
    }
  }
  return { values: [...seen.values()], ok };
};

export const aggregate: Handler = (ctx) => {
  const target = ctx.cmd.aggregate;
  refuseOptions(ctx.cmd, ['collation', 'let', 'explain']);
  if (!Array.isArray(ctx.cmd.pipeline)) fail(14, "'pipeline' option must be specified as an array");
  if (!isPlainObject(ctx.cmd.cursor) && ctx.cmd.explain === undefined)
    fail(9, "The 'cursor' option is required, except for aggregate with the explain argument");
  const name = typeof target === 'string' ? target : '$cmd.aggregate';
  if (typeof target !== 'string') unsupported('A collection-less aggregate ({aggregate: 1})');
  const coll = ctx.storage.collection(ctx.db, name);
  const docs = aggregateCollection(coll, ctx.cmd.pipeline as unknown[], {
    collection: (n) => ctx.storage.collection(ctx.db, n),
  });
  const batchSize = optionalNumber((ctx.cmd.cursor as Doc).batchSize, 'batchSize');
  return cursorReply(
    ctx,
    `${ctx.db}.${name}`,
    docs.map((d) => cloneValue(d)),
    batchSize,
  );
};

export { MongoCommandError };
