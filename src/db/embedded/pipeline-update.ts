/**
 * Pipeline-style updates (`update: [ { $set: ... }, ... ]`): only the per-document stages
 * MongoDB allows there.
 */
import { fail } from './errors';
import { addFields, applyProjection, replaceRoot, unsetFields } from './projection';
import { type Doc, isPlainObject } from './values';

export function applyDocumentStages(doc: Doc, stages: unknown[]): Doc {
  let cur = doc;
  for (const stage of stages) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1)
      fail(40323, 'A pipeline stage specification object must contain exactly one field.');
    const [name, spec] = Object.entries(stage)[0] as [string, unknown];
    switch (name) {
      case '$set':
      case '$addFields':
        cur = addFields(cur, spec as Doc);
        break;
      case '$unset':
        cur = unsetFields(cur, spec);
        break;
      case '$project':
        cur = applyProjection(cur, spec as Doc);
        break;
      case '$replaceRoot':
        cur = replaceRoot(cur, (spec as Doc).newRoot);
        break;
      case '$replaceWith':
        cur = replaceRoot(cur, spec);
        break;
      default:
        fail(72, `${name} is not allowed to be used within an update`);
    }
  }
  return cur;
}
