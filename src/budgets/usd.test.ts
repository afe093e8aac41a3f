import { ceilDiv, formatUsd, parseUsd, percentOf } from './usd';

describe('usd', () => {
  it('parses decimal strings exactly into nano-USD', () => {
    expect(parseUsd('0.10')).toBe(100_000_000n);
    expect(parseUsd('12')).toBe(12_000_000_000n);
    expect(parseUsd('0.000000001')).toBe(1n);
    expect(parseUsd(' 3.5 ')).toBe(3_500_000_000n);
  });
  it('refuses negatives, more than 9 decimals and garbage', () => {
    for (const bad of ['-1', '1.0000000001', 'abc', '1e3', '', '.5']) expect(parseUsd(bad)).toBeNull();
  });
  it('prints at least two decimals without trailing zeros beyond', () => {
    expect(formatUsd(100_000_000n)).toBe('0.10');
    expect(formatUsd(12_000_000_000n)).toBe('12.00');
    expect(formatUsd(1n)).toBe('0.000000001');
    expect(formatUsd(-250_000_000n)).toBe('-0.25');
  });
  it('computes percentages and ceilings in integers', () => {
    expect(percentOf(1n, 3n)).toBe(33.33);
    expect(percentOf(5n, 0n)).toBe(100);
    expect(percentOf(0n, 0n)).toBe(0);
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
  });
});
