/**
 * Index commands: createIndexes (unique, compound, sparse, partial, TTL), listIndexes, dropIndexes.
 */
import { Int32 } from 'bson';
import { fail, unsupported } from '../errors';
import type { IndexSpec } from '../index';
import { type Doc, exactNumber, isPlainObject, compareValues } from '../values';
import { collectionName, cursorReply, type Handler } from './context';

const ok = new Int32(1);
const allowedOptions = new Set([
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'v',
  'ns',
]);

function defaultName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(exactNumber(v) ?? v)}`)
    .join('_');
}

function toSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw) || !isPlainObject(raw.key) || Object.keys(raw.key).length === 0)
    fail(9, 'Index key pattern must be a non-empty object');
  for (const k of Object.keys(raw))
    if (!allowedOptions.has(k) && raw[k] !== undefined) unsupported(`The index option ${k}`);
  const key = raw.key as Doc;
  const spec: IndexSpec = { v: 2, key, name: typeof raw.name === 'string' ? raw.name : defaultName(key) };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) fail(67, 'partialFilterExpression must be an object');
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  if (raw.expireAfterSeconds !== undefined) {
    const n = exactNumber(raw.expireAfterSeconds);
    if (n === undefined || n < 0)
      fail(67, "TTL index 'expireAfterSeconds' option must be a non-negative number");
    if (Object.keys(key).length !== 1)
      fail(67, 'TTL indexes are single-field indexes, compound indexes do not support TTL');
    spec.expireAfterSeconds = n;
  }
  return spec;
}

export const createIndexes: Handler = (ctx) => {
  const name = collectionName(ctx, 'createIndexes');
  if (!Array.isArray(ctx.cmd.indexes) || ctx.cmd.indexes.length === 0)
    fail(2, 'Must specify at least one index to create');
  const specs = ctx.cmd.indexes.map(toSpec);
  const existed = !!ctx.storage.collection(ctx.db, name);
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  const before = coll.indexes.size;
  for (const spec of specs) {
    if (spec.name === '_id_' || compareValues(spec.key, { _id: new Int32(1) }) === 0) continue;
    coll.createIndex(spec);
  }
  return {
    createdCollectionAutomatically: !existed,
    numIndexesBefore: new Int32(before),
    numIndexesAfter: new Int32(coll.indexes.size),
    ok,
  };
};

export const listIndexes: Handler = (ctx) => {
  const name = collectionName(ctx, 'listIndexes');
  const coll = ctx.storage.collection(ctx.db, name);
  if (!coll) fail(26, `ns does not exist: ${ctx.db}.${name}`);
  const specs = [...coll.indexes.values()].map((i) => {
    const out: Doc = { v: new Int32(2), key: i.spec.key, name: i.spec.name };
    if (i.spec.unique) out.unique = true;
    if (i.spec.sparse) out.sparse = true;
    if (i.spec.partialFilterExpression) out.partialFilterExpression = i.spec.partialFilterExpression;
    if (i.spec.expireAfterSeconds !== undefined)
      out.expireAfterSeconds = new Int32(i.spec.expireAfterSeconds);
    return out;
  });
  return cursorReply(ctx, `${ctx.db}.${name}`, specs, undefined);
};

export const dropIndexes: Handler = (ctx) => {
  const name = collectionName(ctx, 'dropIndexes');
  const coll = ctx.storage.collection(ctx.db, name);
  if (!coll) fail(26, `ns not found ${ctx.db}.${name}`);
  const before = coll.indexes.size;
  const target = ctx.cmd.index;
  const names: string[] = [];
  if (target === '*') names.push(...[...coll.indexes.keys()].filter((n) => n !== '_id_'));
  else if (typeof target === 'string') names.push(target);
  else if (Array.isArray(target)) names.push(...target.map(String));
  else if (isPlainObject(target)) {
    const found = [...coll.indexes.values()].find((i) => compareValues(i.spec.key, target) === 0);
    if (!found) fail(27, `can't find index with key: ${JSON.stringify(target)}`);
    names.push(found.spec.name);
  } else fail(14, 'dropIndexes index must be a string, an array of strings or a key pattern');
  for (const n of names) {
    if (n === '_id_') fail(72, 'cannot drop _id index');
    if (!coll.indexes.has(n)) fail(27, `index not found with name [${n}]`);
  }
  for (const n of names) coll.indexes.delete(n);
  return { nIndexesWas: new Int32(before), ok };
};
