import { Decimal128 } from 'bson';

import { AppError } from './errors';
import { costOfTokens, formatUsd, fromDecimal128, parseUsd, sumNano, toDecimal128 } from './money';

describe('parseUsd', () => {
  it.each([
    ['0', 0n],
    ['12', 12_000_000_000n],
    ['2.50', 2_500_000_000n],
    ['0.000123', 123_000n],
    ['0.000000001', 1n],
    ['0.1000000000', 100_000_000n],
    [' 3.75 ', 3_750_000_000n],
    ['-1.5', -1_500_000_000n],
  ])('parses %j exactly', (text, nano) => {
    expect(parseUsd(text)).toBe(nano);
  });

  it.each(['', 'abc', '1e-3', '1.', '.5', '1,5', '0x10', 'NaN'])('refuses %j with BAD_USER_INPUT', (text) => {
    expect(() => parseUsd(text, 'inputPerMTok')).toThrow(AppError);
    try {
      parseUsd(text, 'inputPerMTok');
    } catch (error) {
      expect((error as AppError).code).toBe('BAD_USER_INPUT');
      expect((error as AppError).message).toContain('inputPerMTok');
    }
  });

  it('refuses sub-nano precision instead of rounding it away', () => {
    expect(() => parseUsd('0.0000000001')).toThrow(/more than 9 decimals/);
  });
});

describe('formatUsd', () => {
  it.each([
    [0n, '0.00'],
    [1_500_000_000n, '1.50'],
    [123_000n, '0.000123'],
    [1n, '0.000000001'],
    [-2_000_000_000n, '-2.00'],
    [12_345_678_901_234_567_890n, '12345678901.23456789'],
  ])('formats %p as %j', (nano, text) => {
    expect(formatUsd(nano)).toBe(text);
  });

  it('keeps the requested number of decimals', () => {
    expect(formatUsd(1_000_000_000n, { minDecimals: 9 })).toBe('1.000000000');
    expect(formatUsd(1_000_000_000n, { minDecimals: 0 })).toBe('1');
  });

  it('round-trips with parseUsd', () => {
    for (const text of ['0.000000001', '123.456789012', '-0.5', '1000000.00']) {
      expect(formatUsd(parseUsd(text), { minDecimals: 0 })).toBe(text.replace(/\.?0+$/, ''));
    }
  });
});

describe('costOfTokens', () => {
  it('prices a million tokens at exactly the per-million price', () => {
    expect(costOfTokens(1_000_000, parseUsd('2.50'))).toBe(2_500_000_000n);
  });

  it('prices single tokens exactly when the price divides evenly', () => {
    // $0.075 / MTok = 75 nano-USD per token
    expect(costOfTokens(1, parseUsd('0.075'))).toBe(75n);
    // 1,234 tokens at $3 / MTok = 0.003702 USD
    expect(costOfTokens(1234, parseUsd('3'))).toBe(3_702_000n);
  });

  it('rounds half-up to a whole nano-USD once', () => {
    // 1 token at 0.0005 USD/MTok (500,000 nano/MTok) = 0.5 nano -> 1
    expect(costOfTokens(1, 500_000n)).toBe(1n);
    // 0.499999 nano -> 0
    expect(costOfTokens(1, 499_999n)).toBe(0n);
    // 3 tokens at 1.5 nano/token = 4.5 -> 5
    expect(costOfTokens(3, 1_500_000n)).toBe(5n);
  });

  it('accepts bigint token counts beyond 2^53', () => {
    expect(costOfTokens(10n ** 18n, 1_000_000n)).toBe(10n ** 18n);
  });

  it('refuses negative, fractional or unsafe inputs', () => {
    expect(() => costOfTokens(-1, 1n)).toThrow(RangeError);
    expect(() => costOfTokens(1.5, 1n)).toThrow(RangeError);
    expect(() => costOfTokens(Number.MAX_SAFE_INTEGER + 2, 1n)).toThrow(RangeError);
    expect(() => costOfTokens(1, -1n)).toThrow(RangeError);
  });
});

describe('sums and Decimal128', () => {
  it('sums exactly where floating point would drift', () => {
    const tenCents = parseUsd('0.1');
    expect(sumNano([tenCents, tenCents, tenCents])).toBe(parseUsd('0.3'));
    expect(sumNano([])).toBe(0n);
  });

  it('round-trips through Decimal128 with all nine decimals', () => {
    for (const nano of [0n, 1n, 123_000n, -5_000_000_001n, 99_999_999_999_999_999_999n]) {
      const stored = toDecimal128(nano);
      expect(stored).toBeInstanceOf(Decimal128);
      expect(fromDecimal128(stored)).toBe(nano);
    }
  });

  it('reads Decimal128 values written with exponents or other scales', () => {
    expect(fromDecimal128(Decimal128.fromString('1.5E-7'))).toBe(150n);
    expect(fromDecimal128('5E+3')).toBe(5_000n * 1_000_000_000n);
    expect(fromDecimal128('12.5E0')).toBe(12_500_000_000n);
    expect(fromDecimal128('0.10')).toBe(100_000_000n);
    expect(fromDecimal128('-2.5E-1')).toBe(-250_000_000n);
  });
});
