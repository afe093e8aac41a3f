import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { MongoCommandError } from './errors';
import { evaluateExpression } from './expressions';

const doc = {
  _id: 1,
  a: new Int32(7),
  b: new Int32(2),
  d: new Double(2.5),
  l: Long.fromNumber(10),
  m: Decimal128.fromString('1.25'),
  s: 'Hello',
  n: null,
  at: new Date('2026-03-04T05:06:07.089Z'),
  arr: [new Int32(1), new Int32(2), new Int32(3)],
  objs: [{ x: new Int32(1) }, { x: new Int32(2) }],
  o: { k: 'v' },
};
const ev = (e: unknown, vars = {}) => evaluateExpression(e, doc, vars);
const num = (v: unknown) => Number(String(v));

describe('aggregation expressions', () => {
  it('evaluates arithmetic with MongoDB result types', () => {
    expect(ev({ $add: ['$a', '$b'] })).toEqual(new Int32(9));
    expect(ev({ $add: ['$a', '$d'] })).toEqual(new Double(9.5));
    expect(String(ev({ $add: ['$a', '$m'] }))).toBe('8.25');
    expect(ev({ $add: ['$a', '$n'] })).toBeNull();
    expect((ev({ $add: ['$at', 1000] }) as Date).toISOString()).toBe('2026-03-04T05:06:08.089Z');
    expect(() => ev({ $add: ['$at', '$at'] })).toThrow(MongoCommandError);
    expect(() => ev({ $add: ['$s', 1] })).toThrow(/only supports numeric types/);
    expect(num(ev({ $subtract: ['$a', '$b'] }))).toBe(5);
    expect(ev({ $subtract: ['$at', '$at'] })).toEqual(Long.fromNumber(0));
    expect((ev({ $subtract: ['$at', 89] }) as Date).toISOString()).toBe('2026-03-04T05:06:07.000Z');
    expect(ev({ $subtract: [null, 1] })).toBeNull();
    expect(num(ev({ $multiply: ['$a', '$b', '$l'] }))).toBe(140);
    expect(ev({ $multiply: ['$a', null] })).toBeNull();
    expect(num(ev({ $divide: ['$a', '$b'] }))).toBe(3.5);
    expect(String(ev({ $divide: ['$m', 5] }))).toBe('0.25');
    expect(ev({ $divide: [null, 5] })).toBeNull();
    expect(() => ev({ $divide: ['$a', 0] })).toThrow(/divide by zero/);
    expect(num(ev({ $mod: ['$a', '$b'] }))).toBe(1);
    expect(num(ev({ $mod: ['$d', 2] }))).toBe(0.5);
    expect(num(ev({ $mod: ['$l', 3] }))).toBe(1);
    expect(ev({ $mod: [null, 3] })).toBeNull();
    expect(() => ev({ $mod: [1, 0] })).toThrow();
  });

  it('evaluates unary math, rounding and truncation', () => {
    expect(ev({ $abs: -5 })).toEqual(new Int32(5));
    expect(String(ev({ $abs: Decimal128.fromString('-1.5') }))).toBe('1.5');
    expect(ev({ $ceil: '$d' })).toEqual(new Double(3));
    expect(ev({ $floor: '$l' })).toEqual(Long.fromNumber(10));
    expect(num(ev({ $sqrt: 16 }))).toBe(4);
    expect(num(ev({ $ln: 1 }))).toBe(0);
    expect(num(ev({ $log10: 100 }))).toBe(2);
    expect(num(ev({ $exp: 0 }))).toBe(1);
    expect(String(ev({ $sqrt: Decimal128.fromString('4') }))).toBe('2');
    expect(ev({ $abs: null })).toBeNull();
    expect(num(ev({ $round: [new Double(2.5), 0] }))).toBe(2);
    expect(num(ev({ $round: [new Double(3.5), 0] }))).toBe(4);
    expect(num(ev({ $round: [new Double(1.26), 1] }))).toBe(1.3);
    expect(num(ev({ $trunc: [new Double(-1.26), 1] }))).toBe(-1.2);
    expect(String(ev({ $round: [Decimal128.fromString('1.125'), 2] }))).toBe('1.12');
    expect(String(ev({ $round: [Decimal128.fromString('1.135'), 2] }))).toBe('1.14');
    expect(String(ev({ $trunc: [Decimal128.fromString('1.139'), 2] }))).toBe('1.13');
    expect(String(ev({ $round: [Decimal128.fromString('1.1'), 2] }))).toBe('1.1');
    expect(ev({ $round: ['$a', 0] })).toEqual(new Int32(7));
    expect(ev({ $round: [null] })).toBeNull();
  });

  it('compares, branches and combines booleans', () => {
    expect(ev({ $eq: ['$a', 7] })).toBe(true);
    expect(ev({ $ne: ['$a', 7] })).toBe(false);
    expect(ev({ $gt: ['$a', '$b'] })).toBe(true);
    expect(ev({ $gte: ['$a', 7] })).toBe(true);
    expect(ev({ $lt: ['$missing', 0] })).toBe(true);
    expect(ev({ $lte: ['$a', 1] })).toBe(false);
    expect(ev({ $cmp: ['$a', 8] })).toEqual(new Int32(-1));
    expect(ev({ $and: [true, '$a'] })).toBe(true);
    expect(ev({ $or: [false, 0] })).toBe(false);
    expect(ev({ $not: [false] })).toBe(true);
    expect(ev({ $cond: [{ $gt: ['$a', 5] }, 'big', 'small'] })).toBe('big');
    expect(ev({ $cond: { if: false, then: 1, else: 2 } })).toBe(2);
    expect(ev({ $ifNull: ['$n', '$missing', 'fallback'] })).toBe('fallback');
    expect(ev({ $ifNull: ['$s', 'x'] })).toBe('Hello');
    expect(
      ev({
        $switch: {
          branches: [
            { case: false, then: 1 },
            { case: true, then: 2 },
          ],
        },
      }),
    ).toBe(2);
    expect(ev({ $switch: { branches: [{ case: false, then: 1 }], default: 3 } })).toBe(3);
    expect(() => ev({ $switch: { branches: [{ case: false, then: 1 }] } })).toThrow();
  });

  it('evaluates strings, arrays and objects', () => {
    expect(ev({ $concat: ['$s', ' ', 'World'] })).toBe('Hello World');
    expect(ev({ $concat: ['$s', null] })).toBeNull();
    expect(() => ev({ $concat: ['$s', 1] })).toThrow();
    expect(ev({ $toLower: '$s' })).toBe('hello');
    expect(ev({ $toUpper: '$s' })).toBe('HELLO');
    expect(ev({ $toUpper: null })).toBe('');
    expect(ev({ $strLenCP: '$s' })).toEqual(new Int32(5));
    expect(() => ev({ $strLenCP: 1 })).toThrow();
    expect(ev({ $substr: ['$s', 1, 3] })).toBe('ell');
    expect(ev({ $substrCP: [null, 1, 3] })).toBe('');
    expect(ev({ $split: ['a,b', ','] })).toEqual(['a', 'b']);
    expect(ev({ $split: [null, ','] })).toBeNull();
    expect(ev({ $size: '$arr' })).toEqual(new Int32(3));
    expect(() => ev({ $size: '$s' })).toThrow();
    expect(ev({ $arrayElemAt: ['$arr', -1] })).toEqual(new Int32(3));
    expect(ev({ $arrayElemAt: [null, 0] })).toBeNull();
    expect(() => ev({ $arrayElemAt: ['$s', 0] })).toThrow();
    expect(ev({ $first: '$arr' })).toEqual(new Int32(1));
    expect(ev({ $last: '$arr' })).toEqual(new Int32(3));
    expect(ev({ $first: null })).toBeNull();
    expect(() => ev({ $last: 1 })).toThrow();
    expect(ev({ $concatArrays: ['$arr', [4]] })).toHaveLength(4);
    expect(ev({ $concatArrays: ['$arr', null] })).toBeNull();
    expect(() => ev({ $concatArrays: ['$arr', 1] })).toThrow();
    expect(ev({ $in: [2, '$arr'] })).toBe(true);
    expect(() => ev({ $in: [2, 'x'] })).toThrow();
    expect(ev({ $isArray: '$arr' })).toBe(true);
    expect(ev({ $filter: { input: '$arr', as: 'x', cond: { $gt: ['$$x', 1] } } })).toHaveLength(2);
    expect(ev({ $filter: { input: '$arr', cond: { $gt: ['$$this', 1] }, limit: 1 } })).toHaveLength(1);
    expect(ev({ $filter: { input: null, cond: true } })).toBeNull();
    expect(() => ev({ $filter: { input: 1, cond: true } })).toThrow();
    expect(
      (ev({ $map: { input: '$arr', as: 'x', in: { $multiply: ['$$x', 2] } } }) as unknown[]).map(num),
    ).toEqual([2, 4, 6]);
    expect(ev({ $map: { input: null, in: 1 } })).toBeNull();
    expect(() => ev({ $map: { input: 1, in: 1 } })).toThrow();
    expect(
      num(ev({ $reduce: { input: '$arr', initialValue: 0, in: { $add: ['$$value', '$$this'] } } })),
    ).toBe(6);
    expect(ev({ $reduce: { input: null, initialValue: 0, in: 1 } })).toBeNull();
    expect(() => ev({ $reduce: { input: 1, initialValue: 0, in: 1 } })).toThrow();
    expect(num(ev({ $let: { vars: { t: 3 }, in: { $multiply: ['$$t', '$a'] } } }))).toBe(21);
    expect(num(ev({ $sum: '$arr' }))).toBe(6);
    expect(num(ev({ $sum: ['$a', '$b', 's'] }))).toBe(9);
    expect(num(ev({ $avg: '$arr' }))).toBe(2);
    expect(ev({ $avg: [] })).toBeNull();
    expect(num(ev({ $max: '$arr' }))).toBe(3);
    expect(num(ev({ $min: ['$a', null, '$b'] }))).toBe(2);
    expect(ev({ $mergeObjects: ['$o', { z: 1 }, null] })).toEqual({ k: 'v', z: 1 });
    expect(ev({ $objectToArray: '$o' })).toEqual([{ k: 'k', v: 'v' }]);
    expect(ev({ $objectToArray: null })).toBeNull();
    expect(ev({ $arrayToObject: [[['a', 1], { k: 'b', v: 2 }]] })).toEqual({ a: 1, b: 2 });
    expect(ev({ $arrayToObject: null })).toBeNull();
    expect(ev('$objs.x')).toEqual([new Int32(1), new Int32(2)]);
    expect(ev('$o.k')).toBe('v');
    expect(ev('$s.k')).toBeUndefined();
    expect(ev({ $literal: '$notAPath' })).toBe('$notAPath');
    expect(ev({ nested: { v: '$a', gone: '$missing' } })).toEqual({ nested: { v: new Int32(7) } });
    expect(() => ev({ a: 1, $bad: 1 })).toThrow();
  });

  it('converts types', () => {
    expect(ev({ $type: '$l' })).toBe('long');
    expect(ev({ $toString: '$a' })).toBe('7');
    expect(ev({ $toString: '$m' })).toBe('1.25');
    expect(ev({ $toString: '$at' })).toBe('2026-03-04T05:06:07.089Z');
    const oid = new ObjectId();
    expect(evaluateExpression({ $toString: '$o' }, { o: oid })).toBe(oid.toHexString());
    expect(ev({ $toString: null })).toBeNull();
    expect(String(ev({ $toDecimal: '$d' }))).toBe('2.5');
    expect(String(ev({ $toDecimal: '3.10' }))).toBe('3.10');
    expect(String(ev({ $toDecimal: '$l' }))).toBe('10');
    expect(String(ev({ $toDecimal: '$m' }))).toBe('1.25');
    expect(String(ev({ $toDecimal: true }))).toBe('1');
    expect(ev({ $toDouble: '12.5' })).toEqual(new Double(12.5));
    expect(ev({ $toInt: '$d' })).toEqual(new Int32(2));
    expect(ev({ $toLong: '$at' })).toEqual(Long.fromNumber(doc.at.getTime()));
    expect(ev({ $toLong: '$l' })).toEqual(Long.fromNumber(10));
    expect(ev({ $toInt: null })).toBeNull();
    expect(() => ev({ $toInt: 'abc' })).toThrow();
    expect(() => ev({ $toInt: '$o' })).toThrow();
    expect(ev({ $toDate: 0 })).toEqual(new Date(0));
    expect(ev({ $toDate: '2026-01-01T00:00:00Z' })).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(ev({ $toDate: '$at' })).toEqual(doc.at);
    expect(evaluateExpression({ $toDate: '$o' }, { o: oid })).toEqual(oid.getTimestamp());
    expect(ev({ $toDate: null })).toBeNull();
    expect(ev({ $toBool: 0 })).toBe(false);
    expect(ev({ $toBool: null })).toBeNull();
  });

  it('extracts date parts, formats and truncates dates in UTC', () => {
    expect(num(ev({ $year: '$at' }))).toBe(2026);
    expect(num(ev({ $month: '$at' }))).toBe(3);
    expect(num(ev({ $dayOfMonth: { date: '$at', timezone: 'UTC' } }))).toBe(4);
    expect(num(ev({ $hour: '$at' }))).toBe(5);
    expect(num(ev({ $minute: '$at' }))).toBe(6);
    expect(num(ev({ $second: '$at' }))).toBe(7);
    expect(num(ev({ $millisecond: '$at' }))).toBe(89);
    expect(num(ev({ $dayOfWeek: '$at' }))).toBe(4);
    expect(num(ev({ $dayOfYear: '$at' }))).toBe(63);
    expect(ev({ $year: null })).toBeNull();
    expect(() => ev({ $year: 'x' })).toThrow();
    expect(() => ev({ $year: { date: '$at', timezone: 'America/New_York' } })).toThrow(
      /timezone other than UTC/,
    );
    expect(ev({ $dateToString: { date: '$at', format: '%Y/%m/%d %H:%M:%S.%L %j %w %z %Z %%' } })).toBe(
      '2026/03/04 05:06:07.089 063 4 +0000 +0 %',
    );
    expect(ev({ $dateToString: { date: '$at' } })).toBe('2026-03-04T05:06:07.089Z');
    expect(ev({ $dateToString: { date: null, onNull: 'none' } })).toBe('none');
    expect(ev({ $dateToString: { date: null } })).toBeNull();
    expect(() => ev({ $dateToString: { date: '$at', format: '%Q' } })).toThrow(/%Q/);
    const trunc = (spec: object) => (ev({ $dateTrunc: { date: '$at', ...spec } }) as Date).toISOString();
    expect(trunc({ unit: 'year' })).toBe('2026-01-01T00:00:00.000Z');
    expect(trunc({ unit: 'quarter' })).toBe('2026-01-01T00:00:00.000Z');
    expect(trunc({ unit: 'month', binSize: 2 })).toBe('2026-03-01T00:00:00.000Z');
    expect(trunc({ unit: 'week' })).toBe('2026-03-01T00:00:00.000Z');
    expect(trunc({ unit: 'week', startOfWeek: 'mon' })).toBe('2026-03-02T00:00:00.000Z');
    expect(trunc({ unit: 'minute', binSize: 15 })).toBe('2026-03-04T05:00:00.000Z');
    expect(trunc({ unit: 'second' })).toBe('2026-03-04T05:06:07.000Z');
    expect(ev({ $dateTrunc: { date: null, unit: 'day' } })).toBeNull();
    expect(() => ev({ $dateTrunc: { date: '$at', unit: 'day', binSize: 0 } })).toThrow();
    expect(() => ev({ $dateTrunc: { date: '$at', unit: 'fortnight' } })).toThrow();
    expect(() => ev({ $dateTrunc: { date: '$at', unit: 'week', startOfWeek: 'someday' } })).toThrow();
    expect((ev({ $dateAdd: { startDate: '$at', unit: 'hour', amount: 2 } }) as Date).toISOString()).toBe(
      '2026-03-04T07:06:07.089Z',
    );
    expect(
      (ev({ $dateSubtract: { startDate: '$at', unit: 'month', amount: 1 } }) as Date).toISOString(),
    ).toBe('2026-02-04T05:06:07.089Z');
    expect((ev({ $dateAdd: { startDate: '$at', unit: 'year', amount: 1 } }) as Date).toISOString()).toBe(
      '2027-03-04T05:06:07.089Z',
    );
    expect(ev({ $dateAdd: { startDate: null, unit: 'day', amount: 1 } })).toBeNull();
    expect(() => ev({ $dateAdd: { startDate: '$at', unit: 'eon', amount: 1 } })).toThrow();
  });

  it('resolves variables and refuses unknown operators', () => {
    expect(ev('$$ROOT')).toBe(doc);
    expect(ev('$$CURRENT.s')).toBe('Hello');
    expect(ev('$$NOW')).toBeInstanceOf(Date);
    expect(ev('$$REMOVE')).toBeUndefined();
    expect(ev('$$v.k', { v: { k: 1 } })).toBe(1);
    expect(() => ev('$$nope')).toThrow(/undefined variable/);
    expect(() => ev({ $regexMatch: { input: 'a', regex: 'a' } })).toThrow(
      expect.objectContaining({ code: 115 }),
    );
  });
});
