/**
 * String order in the embedded server: MongoDB compares strings by UTF-8 bytes. The comparison
 * works on UTF-16 units without encoding, so it is checked here against the UTF-8 bytes themselves.
 */
import { compareStrings, compareValues } from './values';

const utf8Order = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('string order', () => {
  const tricky = [
    '',
    'a',
    'ab',
    'b',
    'B',
    'é',
    '\u00ff',
    '\u07ff',
    '\u0800',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '😀',
    '😀a',
    '\u{10000}',
    '\u{10ffff}',
    'a😀',
    'a\uffff',
  ];

  it('equals UTF-8 byte order on the boundaries between encodings', () => {
    for (const a of tricky) {
      for (const b of tricky) {
        expect([a, b, compareStrings(a, b)]).toEqual([a, b, utf8Order(a, b)]);
      }
    }
  });

  it('equals UTF-8 byte order on random mixed-plane strings', () => {
    // A fixed linear congruential sequence: the same strings on every run.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const pool = ['a', 'z', '\u00e9', '\u4e2d', '\ue000', '\uffee', '😀', '\u{1f680}', '\u{20000}'];
    const word = () => Array.from({ length: next() % 5 }, () => pool[next() % pool.length]).join('');
    for (let i = 0; i < 2000; i += 1) {
      const a = word();
      const b = word();
      expect(compareStrings(a, b)).toBe(utf8Order(a, b));
    }
  });

  it('orders string values in documents the same way', () => {
    expect(compareValues('\uffff', '😀')).toBe(-1);
    expect(compareValues('😀', '\uffff')).toBe(1);
    expect(compareValues('abc', 'abc')).toBe(0);
  });
});
