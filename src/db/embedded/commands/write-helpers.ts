/**
 * Shared pieces of the write commands: write-error documents and upsert seed documents.
 */
import { Int32 } from 'bson';
import { MongoCommandError } from '../errors';
import { setPath } from '../paths';
import { conjuncts } from '../planner';
import { type Doc, isPlainObject, cloneValue } from '../values';

export function writeError(index: number, err: unknown): Doc {
  if (err instanceof MongoCommandError) {
    return {
      index: new Int32(index),
      code: new Int32(err.code),
      codeName: err.codeName,
      errmsg: err.message,
      ...err.extra,
    };
  }
  throw err;
}

/** The document an upsert starts from: the equality conditions of its query. */
export function upsertSeed(query: Doc): Doc {
  const seed: Doc = {};
  for (const [k, v] of conjuncts(query)) {
    if (k.startsWith('$')) continue;
    let value: unknown;
    if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
      if (!('$eq' in v)) continue;
      value = v.$eq;
    } else if (v instanceof RegExp) continue;
    else value = v;
    setPath(seed, k, cloneValue(value));
  }
  return seed;
}
