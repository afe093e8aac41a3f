import { Decimal128, Long } from 'bson';
import { toBudgetRecord, toNano } from './budget-record';

describe('toNano', () => {
  it('reads every form the driver may return an amount in, exactly', () => {
    expect(toNano(5n)).toBe(5n);
    expect(toNano(42)).toBe(42n);
    expect(toNano(Long.fromString('1152921504606846976'))).toBe(1152921504606846976n);
    expect(toNano(Decimal128.fromString('0.000000123'))).toBe(123n);
    expect(toNano(null)).toBe(0n);
    expect(toNano('7')).toBe(7n);
  });
  it('refuses a number that lost precision', () => {
    expect(() => toNano(2 ** 60)).toThrow(RangeError);
  });
});

describe('toBudgetRecord', () => {
  it('fills defaults for optional fields', () => {
    const record = toBudgetRecord({
      _id: 'b1',
      organizationId: 'o',
      scope: 'USER',
      scopeId: 'u',
      period: 'TOTAL',
      limitNano: 3,
      timezone: 'UTC',
      action: 'BLOCK',
      enabled: true,
    });
    expect(record).toMatchObject({
      id: 'b1',
      name: null,
      thresholds: [],
      limitNano: 3n,
      startsAt: null,
      endsAt: null,
    });
  });
});
