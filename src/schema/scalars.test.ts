import { Kind } from 'graphql';
import { DateTimeScalar, DecimalScalar, JSONScalar } from './scalars';

describe('scalars', () => {
  it('DateTime serialises to ISO and parses ISO strings only', () => {
    expect(DateTimeScalar.serialize(new Date('2026-01-31T12:00:00Z'))).toBe('2026-01-31T12:00:00.000Z');
    expect(DateTimeScalar.serialize('2026-01-31T12:00:00+01:00')).toBe('2026-01-31T11:00:00.000Z');
    expect(() => DateTimeScalar.serialize('nope')).toThrow();
    expect(DateTimeScalar.parseValue('2026-01-31')).toEqual(new Date('2026-01-31T00:00:00Z'));
    expect(() => DateTimeScalar.parseValue(12)).toThrow(/ISO-8601/);
    expect(() => DateTimeScalar.parseValue('2026-02-31T99:00:00Z')).toThrow(/not a real date/);
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2026-01-31T12:00:00Z' })).toEqual(
      new Date('2026-01-31T12:00:00Z'),
    );
    expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '1' })).toThrow();
  });

  it('Decimal stays an exact string and refuses JS numbers', () => {
    expect(DecimalScalar.serialize('0.000000001')).toBe('0.000000001');
    expect(DecimalScalar.serialize(12n)).toBe('12');
    expect(() => DecimalScalar.serialize(0.1)).toThrow(/exact string/);
    expect(DecimalScalar.parseValue('-10.50')).toBe('-10.50');
    expect(() => DecimalScalar.parseValue(10.5)).toThrow(/string such as/);
    expect(() => DecimalScalar.parseValue('1e3')).toThrow();
    expect(DecimalScalar.parseLiteral({ kind: Kind.STRING, value: '3.14' })).toBe('3.14');
    expect(() => DecimalScalar.parseLiteral({ kind: Kind.FLOAT, value: '3.14' })).toThrow(/lose precision/);
  });

  it('JSON passes values through and reads literals', () => {
    expect(JSONScalar.serialize({ a: 1 })).toEqual({ a: 1 });
    expect(JSONScalar.parseValue([1])).toEqual([1]);
    const literal = {
      kind: Kind.OBJECT,
      fields: [
        {
          kind: Kind.OBJECT_FIELD,
          name: { kind: Kind.NAME, value: 'a' },
          value: { kind: Kind.INT, value: '1' },
        },
        {
          kind: Kind.OBJECT_FIELD,
          name: { kind: Kind.NAME, value: 'b' },
          value: { kind: Kind.LIST, values: [{ kind: Kind.BOOLEAN, value: true }, { kind: Kind.NULL }] },
        },
        {
          kind: Kind.OBJECT_FIELD,
          name: { kind: Kind.NAME, value: 'c' },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'v' } },
        },
        {
          kind: Kind.OBJECT_FIELD,
          name: { kind: Kind.NAME, value: 'd' },
          value: { kind: Kind.STRING, value: 's' },
        },
      ],
    };
    expect(JSONScalar.parseLiteral(literal as never, { v: 'x' })).toEqual({
      a: 1,
      b: [true, null],
      c: 'x',
      d: 's',
    });
  });
});
