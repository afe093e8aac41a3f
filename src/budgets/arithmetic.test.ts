import { ceilDiv, percentOf, reachesPercent } from './arithmetic';

describe('budget arithmetic', () => {
  it('computes percentages in integers', () => {
    expect(percentOf(1n, 3n)).toBe(33.33);
    expect(percentOf(5n, 0n)).toBe(100);
    expect(percentOf(0n, 0n)).toBe(0);
  });
  it('tells exactly whether a threshold is reached', () => {
    expect(reachesPercent(50n, 100n, 50)).toBe(true);
    expect(reachesPercent(49n, 100n, 50)).toBe(false);
    expect(reachesPercent(1n, 3n, 34)).toBe(false);
  });
  it('rounds estimates up', () => {
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
  });
});
