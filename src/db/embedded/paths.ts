/**
 * Dotted field paths: reading with MongoDB's implicit array traversal, and writing/unsetting
 * with its rules for creating intermediate documents and addressing array elements by index.
 */
import { fail } from './errors';
import { type Doc, isPlainObject } from './values';

/** A value reached by a path, plus whether some branch of the traversal found nothing. */
export interface PathValues {
  values: unknown[];
  missing: boolean;
  /** Index of the element of the first array traversed, per value (for the positional `$`). */
  positions: (number | undefined)[];
}

export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else if (isPlainObject(cur)) {
      cur = cur[part];
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** All values a query path reaches, traversing arrays of documents like MongoDB does. */
export function collectPath(doc: unknown, parts: string[]): PathValues {
  const out: PathValues = { values: [], missing: false, positions: [] };
  walk(doc, parts, 0, undefined, out);
  return out;
}

function walk(cur: unknown, parts: string[], i: number, pos: number | undefined, out: PathValues): void {
  if (i === parts.length) {
    if (cur === undefined) out.missing = true;
    else {
      out.values.push(cur);
      out.positions.push(pos);
    }
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(cur)) {
    if (/^\d+$/.test(part)) {
      const idx = Number(part);
      if (idx < cur.length) walk(cur[idx], parts, i + 1, pos, out);
      else out.missing = true;
      // A numeric part may also name a field of the array's documents.
      cur.forEach((el, j) => {
        if (isPlainObject(el) && part in el) walk(el[part], parts, i + 1, pos ?? j, out);
      });
      return;
    }
    if (cur.length === 0) out.missing = true;
    cur.forEach((el, j) => {
      if (isPlainObject(el)) walk(el[part], parts, i + 1, pos ?? j, out);
      else if (Array.isArray(el)) walk(el, parts, i, pos ?? j, out);
      else out.missing = true;
    });
    return;
  }
  if (isPlainObject(cur)) {
    walk(cur[part], parts, i + 1, pos, out);
    return;
  }
  out.missing = true;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Sets `path` in `doc`, creating documents on the way; errors like MongoDB when a scalar is in the way. */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i] as string;
    let next: unknown;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part))
        fail(
          28,
          `Cannot create field '${part}' in element {${parts.slice(0, i).join('.')}: ${describe(cur)}}`,
        );
      const idx = Number(part);
      while (cur.length < idx) cur.push(null);
      next = cur[idx];
      if (next === undefined || next === null) {
        next = {};
        cur[idx] = next;
      }
    } else {
      const obj = cur as Doc;
      next = obj[part];
      if (next === undefined || next === null) {
        if (next === null) fail(28, `Cannot create field '${parts[i + 1]}' in element {${part}: null}`);
        next = {};
        obj[part] = next;
      }
    }
    if (!isPlainObject(next) && !Array.isArray(next)) {
      fail(28, `Cannot create field '${parts[i + 1]}' in element {${part}: ${describe(next)}}`);
    }
    cur = next;
  }
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(cur)) {
    if (!/^\d+$/.test(last))
      fail(
        28,
        `Cannot create field '${last}' in element {${parts.slice(0, -1).join('.')}: ${describe(cur)}}`,
      );
    const idx = Number(last);
    while (cur.length < idx) cur.push(null);
    cur[idx] = value;
  } else {
    (cur as Doc)[last] = value;
  }
}

/** Removes `path`; an array element is set to null, as $unset does. Returns whether anything existed. */
export function unsetPath(doc: Doc, path: string): boolean {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i] as string;
    if (Array.isArray(cur)) cur = /^\d+$/.test(part) ? cur[Number(part)] : undefined;
    else if (isPlainObject(cur)) cur = cur[part];
    else return false;
    if (cur === undefined) return false;
  }
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(cur)) {
    if (!/^\d+$/.test(last) || Number(last) >= cur.length) return false;
    cur[Number(last)] = null;
    return true;
  }
  if (isPlainObject(cur) && last in cur) {
    delete cur[last];
    return true;
  }
  return false;
}
