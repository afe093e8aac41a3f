import { AppError } from '../shared/errors';
import { decodeCursor, encodeCursor } from './page-cursor';

describe('page cursors', () => {
  it('round-trip a position', () => {
    const at = new Date('2026-01-02T03:04:05.006Z');
    expect(decodeCursor(encodeCursor(at, 'id-1'))).toEqual({ at, id: 'id-1' });
  });

  it.each([
    '',
    'not-base64!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["nope","x"]').toString('base64url'),
  ])('refuses %j as BAD_USER_INPUT naming the argument', (cursor) => {
    try {
      decodeCursor(cursor, 'after');
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('BAD_USER_INPUT');
      expect((error as AppError).message).toContain('after');
    }
  });
});
