/** Opaque page cursors: base64url of a (time, id) position. A malformed cursor is BAD_USER_INPUT. */
import { ValidationError } from '../shared/errors';

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): { at: Date; id: string } {
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const at = new Date(String(iso));
    if (typeof iso === 'string' && typeof id === 'string' && !Number.isNaN(at.getTime())) return { at, id };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError([{ field, message: 'is not a cursor returned by this API' }]);
}
