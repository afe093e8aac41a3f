import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import {
  decAdd,
  decCompare,
  decDivide,
  decFromDouble,
  decFromString,
  decIsInteger,
  decMultiply,
  decNegate,
  decRound34,
  decToDecimal128,
  decToNumber,
  decToString,
  decTrunc,
} from './decimal';
import {
  addNumbers,
  divideNumbers,
  multiplyNumbers,
  negate,
  NumericSum,
  subtractNumbers,
  decimalToNumber,
} from './numbers';
import {
  bsonTypeName,
  compareValues,
  identical,
  isTruthy,
  numKind,
  toDouble,
  valueKey,
  valuesEqual,
  cloneValue,
  typeOrder,
} from './values';

const D = (s: string) => Decimal128.fromString(s);

describe('decimal', () => {
  it('parses, normalises and prints', () => {
    expect(decToString(decFromString('1.50'))).toBe('150E-2');
    expect(decFromString('NaN')).toEqual({ kind: 'nan' });
    expect(decFromString('-Infinity')).toEqual({ kind: 'inf', neg: true });
    expect(decToString(decFromString('-Inf'))).toBe('-Infinity');
    expect(() => decFromString('abc')).toThrow();
    expect(decToString(decFromDouble(0.5))).toBe('5E-1');
    expect(decToString(decFromDouble(-3))).toBe('-3E0');
    expect(decFromDouble(NaN)).toEqual({ kind: 'nan' });
    expect(decFromDouble(-Infinity)).toEqual({ kind: 'inf', neg: true });
    expect(decToNumber(decFromDouble(5e-324))).toBe(5e-324);
    expect(decToNumber({ kind: 'nan' })).toBeNaN();
    expect(decToNumber({ kind: 'inf', neg: false })).toBe(Infinity);
    expect(decIsInteger(decFromString('1.000'))).toBe(true);
    expect(decIsInteger(decFromString('1.5'))).toBe(false);
    expect(decIsInteger({ kind: 'nan' })).toBe(false);
    expect(decTrunc(decFromString('-12.7') as never)).toBe(-12n);
    expect(decTrunc(decFromString('12E2') as never)).toBe(1200n);
  });

  it('adds, multiplies, divides and compares exactly, with special values', () => {
    const nan = { kind: 'nan' } as const;
    const inf = { kind: 'inf', neg: false } as const;
    const ninf = { kind: 'inf', neg: true } as const;
    expect(decToString(decAdd(decFromString('0.1'), decFromString('0.2')))).toBe('3E-1');
    expect(decAdd(nan, decFromString('1'))).toEqual(nan);
    expect(decAdd(inf, ninf)).toEqual(nan);
    expect(decAdd(decFromString('1'), inf)).toEqual(inf);
    expect(decAdd(inf, decFromString('1'))).toEqual(inf);
    expect(decToString(decMultiply(decFromString('1.5'), decFromString('-2')))).toBe('-30E-1');
    expect(decMultiply(inf, decFromString('0'))).toEqual(nan);
    expect(decMultiply(ninf, decFromString('2'))).toEqual(ninf);
    expect(decMultiply(nan, inf)).toEqual(nan);
    expect(decToString(decDivide(decFromString('1'), decFromString('4')))).toBe('25E-2');
    expect(decToString(decRound34(decDivide(decFromString('1'), decFromString('3'))))).toBe(
      `${'3'.repeat(34)}E-34`,
    );
    expect(decDivide(decFromString('1'), decFromString('0'))).toEqual(inf);
    expect(decDivide(decFromString('0'), decFromString('0'))).toEqual(nan);
    expect(decDivide(inf, inf)).toEqual(nan);
    expect(decDivide(inf, decFromString('-1'))).toEqual(ninf);
    expect(decDivide(decFromString('1'), inf)).toMatchObject({ kind: 'finite', coef: 0n });
    expect(decDivide(nan, inf)).toEqual(nan);
    expect(decCompare(nan, nan)).toBe(0);
    expect(decCompare(nan, ninf)).toBe(-1);
    expect(decCompare(ninf, nan)).toBe(1);
    expect(decCompare(inf, inf)).toBe(0);
    expect(decCompare(ninf, decFromString('1'))).toBe(-1);
    expect(decCompare(decFromString('1'), inf)).toBe(-1);
    expect(decCompare(decFromString('1'), ninf)).toBe(1);
    expect(decCompare(decFromString('1.0'), decFromString('1'))).toBe(0);
    expect(decNegate(decFromString('2'))).toMatchObject({ neg: true });
    expect(decNegate(nan)).toEqual(nan);
  });

  it('rounds half to even at 34 digits and converts to Decimal128', () => {
    expect(decToString(decRound34(decFromString(`${'1'.repeat(34)}5`)))).toBe(`${'1'.repeat(33)}2E1`);
    expect(decToString(decRound34(decFromString(`${'1'.repeat(33)}25`)))).toBe(`${'1'.repeat(33)}2E1`);
    expect(decToDecimal128(decFromString('1.10')).toString()).toBe('1.10');
    expect(decToDecimal128({ kind: 'nan' }).toString()).toBe('NaN');
    expect(decToDecimal128(decFromString('1E6200')).toString()).toBe('Infinity');
    expect(decToDecimal128(decFromString('1E6112')).toString()).toBe('1.0E+6112');
    expect(decToDecimal128(decFromString('15E-6177')).toString()).toBe('2E-6176');
  });
});

describe('numbers', () => {
  it('adds with type promotion and overflow rules', () => {
    expect(addNumbers(new Int32(2147483647), new Int32(1))).toEqual(Long.fromNumber(2147483648));
    expect(addNumbers(Long.MAX_VALUE, new Int32(1), false)).toBeUndefined();
    expect(addNumbers(Long.MAX_VALUE, new Int32(1))).toBeInstanceOf(Double);
    expect(addNumbers(new Double(0.5), new Int32(1))).toEqual(new Double(1.5));
    expect(String(addNumbers(D('0.1'), new Double(0.5)))).toBe('0.6');
    expect(addNumbers(3, 4)).toEqual(new Int32(7));
    expect(addNumbers(3n, 4)).toEqual(Long.fromNumber(7));
    expect(multiplyNumbers(Long.MAX_VALUE, new Int32(2), false)).toBeUndefined();
    expect(multiplyNumbers(new Int32(65536), new Int32(65536))).toEqual(Long.fromNumber(4294967296));
    expect(String(multiplyNumbers(D('1.5'), new Int32(2)))).toBe('3.0');
    expect(multiplyNumbers(new Double(1.5), new Int32(2))).toEqual(new Double(3));
    expect(subtractNumbers(new Int32(1), new Int32(3))).toEqual(new Int32(-2));
    expect(String(negate(D('-1.5')))).toBe('1.5');
    expect(String(negate(D('1.5')))).toBe('-1.5');
    expect(negate(new Double(2))).toEqual(new Double(-2));
    expect(negate(Long.fromNumber(5))).toEqual(Long.fromNumber(-5));
    expect(divideNumbers(new Int32(1), new Int32(4))).toEqual(new Double(0.25));
    expect(String(divideNumbers(D('1'), new Int32(8)))).toBe('0.125');
    expect(decimalToNumber(D('2.5'))).toBe(2.5);
  });

  it('sums like $sum: exact decimals, compensated doubles, widening integers', () => {
    const s = new NumericSum();
    for (let i = 0; i < 10; i += 1) s.add(new Double(0.1));
    expect(s.result()).toEqual(new Double(1));
    s.add('ignored');
    expect(s.count).toBe(10);
    const d = new NumericSum();
    d.add(D('0.1'));
    d.add(new Int32(1));
    d.add(Long.fromString('9007199254740993'));
    expect(String(d.result())).toBe('9007199254740994.1');
    expect(String(d.average())).toBe('3002399751580331.366666666666666667');
    const i = new NumericSum();
    expect(i.average()).toBeNull();
    i.add(new Int32(1));
    expect(i.result()).toEqual(new Int32(1));
    expect(i.average()).toEqual(new Double(1));
  });
});

describe('values', () => {
  it('orders BSON types like MongoDB', () => {
    const ordered = [
      new MinKey(),
      null,
      new Int32(1),
      'a',
      { a: 1 },
      [1],
      new Binary(Buffer.from([1])),
      new ObjectId('000000000000000000000001'),
      false,
      true,
      new Date(0),
      Timestamp.fromNumber(1),
      /a/,
      new MaxKey(),
    ];
    for (let i = 1; i < ordered.length; i += 1) expect(compareValues(ordered[i - 1], ordered[i])).toBe(-1);
    expect(compareValues(undefined, null)).toBe(0);
    expect(compareValues({ a: 1, b: 2 }, { a: 1 })).toBe(1);
    expect(compareValues({ a: 1 }, { b: 1 })).toBe(-1);
    expect(compareValues({ a: 'x' }, { a: 1 })).toBe(1);
    expect(compareValues([1, 2], [1, 3])).toBe(-1);
    expect(compareValues([1, 2], [1])).toBe(1);
    expect(compareValues(new Binary(Buffer.from([1, 2])), new Binary(Buffer.from([1])))).toBe(1);
    expect(compareValues(new Binary(Buffer.from([2]), 0), new Binary(Buffer.from([2]), 4))).toBe(-1);
    expect(compareValues(new Binary(Buffer.from([2])), new Binary(Buffer.from([3])))).toBe(-1);
    expect(compareValues(/a/i, /a/m)).toBe(-1);
    expect(compareValues(/b/, /a/)).toBe(1);
    expect(compareValues('é', 'z')).toBe(1);
    expect(
      compareValues(Long.fromString('9223372036854775807'), Long.fromString('9223372036854775806')),
    ).toBe(1);
    expect(compareValues(new Double(NaN), new Double(NaN))).toBe(0);
    expect(compareValues(new Double(1), new Double(NaN))).toBe(1);
    expect(compareValues(new Double(NaN), 1)).toBe(-1);
    expect(compareValues(D('1E+400'), new Double(Infinity))).toBe(-1);
  });

  it('keys equal values alike and tells types apart where MongoDB does', () => {
    expect(valueKey(new Int32(5))).toBe(valueKey(D('5.00')));
    expect(valueKey(new Double(0.5))).toBe(valueKey(D('0.5')));
    expect(valueKey(new Double(0.1))).not.toBe(valueKey(D('0.1')));
    expect(valueKey({ a: [1, 'x'], b: undefined })).toBe(valueKey({ a: [new Int32(1), 'x'] }));
    for (const v of [
      null,
      true,
      false,
      /x/g,
      new Binary(Buffer.from([1])),
      new MinKey(),
      new MaxKey(),
      Timestamp.fromNumber(3),
      new Date(5),
      new ObjectId(),
    ]) {
      expect(typeof valueKey(v)).toBe('string');
    }
    expect(valueKey(Symbol.for('x') as never)).toMatch(/^\?/);
    expect(valuesEqual(new Int32(1), new Double(1))).toBe(true);
    expect(valuesEqual(1, '1')).toBe(false);
    expect(identical(new Int32(1), new Double(1))).toBe(false);
    expect(identical({ a: [new Int32(1)] }, { a: [new Int32(1)] })).toBe(true);
    expect(identical({ a: 1 }, { b: 1 })).toBe(false);
    expect(identical([1], [1, 2])).toBe(false);
    expect(identical(D('1.0'), D('1.00'))).toBe(false);
  });

  it('names types, reads numbers and judges truthiness', () => {
    const names = [
      undefined,
      null,
      's',
      true,
      new Int32(1),
      2.5,
      Long.fromNumber(1),
      D('1'),
      [],
      new Date(),
      /x/,
      new ObjectId(),
      new Binary(Buffer.alloc(1)),
      Timestamp.fromNumber(1),
      new MinKey(),
      new MaxKey(),
      {},
    ];
    expect(names.map(bsonTypeName)).toEqual([
      'missing',
      'null',
      'string',
      'bool',
      'int',
      'double',
      'long',
      'decimal',
      'array',
      'date',
      'regex',
      'objectId',
      'binData',
      'timestamp',
      'minKey',
      'maxKey',
      'object',
    ]);
    expect(numKind(5n)).toBe('long');
    expect(numKind('x')).toBeUndefined();
    expect(toDouble(Long.fromString('9223372036854775807'))).toBe(2 ** 63);
    expect(toDouble(2n ** 60n)).toBe(2 ** 60);
    expect(toDouble(D('2.5'))).toBe(2.5);
    expect(toDouble('x')).toBeNaN();
    expect(isTruthy(D('0'))).toBe(false);
    expect(isTruthy(D('0.1'))).toBe(true);
    expect(isTruthy(Long.fromString('9223372036854775807'))).toBe(true);
    expect(isTruthy(0)).toBe(false);
    expect(isTruthy('')).toBe(true);
    expect(typeOrder(() => 1)).toBe(5);
    const d = new Date(1);
    const copy = cloneValue({ d, a: [1, { b: 2 }], u: undefined });
    expect(copy).toEqual({ d, a: [1, { b: 2 }] });
    expect(copy.d).not.toBe(d);
  });
});

describe('valueKey for large integers', () => {
  it('matches across Long, Double and Decimal128', () => {
    expect(valueKey(Long.fromString('1152921504606846976'))).toBe(valueKey(new Double(2 ** 60)));
    expect(valueKey(D('1152921504606846976.000'))).toBe(valueKey(Long.fromString('1152921504606846976')));
    expect(valueKey(new Double(-0))).toBe(valueKey(new Int32(0)));
  });
});
