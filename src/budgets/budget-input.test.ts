import { ValidationError } from '../shared/errors';
import { parseCreateBudget, parseUpdateBudget } from './budget-input';

function fieldsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.code).toBe('BAD_USER_INPUT');
    return v.issues;
  }
  throw new Error('expected a ValidationError');
}

const base = { scope: 'PROJECT', scopeId: 'p1', period: 'DAILY', limit: '10.50' };

describe('parseCreateBudget', () => {
  it('applies the defaults and converts the limit to nano-USD', () => {
    expect(parseCreateBudget(base)).toEqual({
      scope: 'PROJECT',
      scopeId: 'p1',
      period: 'DAILY',
      limitNano: 10_500_000_000n,
      timezone: 'UTC',
      thresholds: [50, 80, 100],
      action: 'BLOCK',
      enabled: true,
      startsAt: null,
      endsAt: null,
    });
  });

  it('rejects a negative or malformed limit on the limit field', () => {
    expect(fieldsOf(() => parseCreateBudget({ ...base, limit: '-1' }))).toEqual([
      { field: 'limit', message: 'must not be negative' },
    ]);
    expect(fieldsOf(() => parseCreateBudget({ ...base, limit: '1.0000000001' }))[0]?.field).toBe('limit');
    expect(fieldsOf(() => parseCreateBudget({ ...base, limit: 'ten' }))[0]?.field).toBe('limit');
  });

  it('rejects thresholds outside 1..100 and unsorted thresholds', () => {
    expect(fieldsOf(() => parseCreateBudget({ ...base, thresholds: [0, 50] }))).toEqual([
      { field: 'thresholds.0', message: 'must be between 1 and 100' },
    ]);
    expect(fieldsOf(() => parseCreateBudget({ ...base, thresholds: [50, 101] }))[0]?.field).toBe(
      'thresholds.1',
    );
    expect(fieldsOf(() => parseCreateBudget({ ...base, thresholds: [80, 50] }))).toEqual([
      { field: 'thresholds', message: 'must be sorted ascending without duplicates' },
    ]);
    expect(fieldsOf(() => parseCreateBudget({ ...base, thresholds: [50, 50] }))[0]?.field).toBe('thresholds');
  });

  it('rejects an unknown timezone', () => {
    const issues = fieldsOf(() => parseCreateBudget({ ...base, timezone: 'Moon/Base' }));
    expect(issues[0]?.field).toBe('timezone');
    expect(issues[0]?.message).toMatch(/IANA/);
  });

  it('requires a CUSTOM window whose end follows its start', () => {
    const custom = { ...base, period: 'CUSTOM' };
    expect(fieldsOf(() => parseCreateBudget(custom)).map((i) => i.field)).toEqual(['startsAt', 'endsAt']);
    expect(
      fieldsOf(() =>
        parseCreateBudget({ ...custom, startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }),
      ),
    ).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }]);
    expect(fieldsOf(() => parseCreateBudget({ ...base, startsAt: '2026-02-01T00:00:00Z' }))[0]?.field).toBe(
      'period',
    );
    const ok = parseCreateBudget({
      ...custom,
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-02-01T00:00:00Z',
    });
    expect(ok.endsAt?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('reports every bad field at once', () => {
    const issues = fieldsOf(() =>
      parseCreateBudget({ scope: 'GALAXY', period: 'DAILY', limit: '-5', timezone: 'x' }),
    );
    expect(issues.map((i) => i.field).sort()).toEqual(['limit', 'scope', 'scopeId', 'timezone']);
  });
});

describe('parseUpdateBudget', () => {
  const current = {
    period: 'CUSTOM' as const,
    startsAt: new Date('2026-01-01'),
    endsAt: new Date('2026-02-01'),
  };

  it('keeps only the fields given', () => {
    expect(parseUpdateBudget({ limit: '3', enabled: false }, current)).toEqual({
      limitNano: 3_000_000_000n,
      enabled: false,
    });
  });

  it('checks the window against the stored budget', () => {
    expect(fieldsOf(() => parseUpdateBudget({ endsAt: '2025-12-01T00:00:00Z' }, current))).toEqual([
      { field: 'endsAt', message: 'must be after startsAt' },
    ]);
    expect(
      fieldsOf(() => parseUpdateBudget({ startsAt: '2026-01-01T00:00:00Z' }, { period: 'DAILY' }))[0]?.field,
    ).toBe('period');
    expect(fieldsOf(() => parseUpdateBudget({ thresholds: [100, 90] }, current))[0]?.field).toBe(
      'thresholds',
    );
  });
});
