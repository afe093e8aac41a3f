import { BudgetCache } from './budget-cache';
import type { BudgetRecord } from './budget-record';

const budget = (id: string) => ({ id, organizationId: 'org-1' }) as BudgetRecord;

describe('BudgetCache', () => {
  it('serves an organisation from memory until it expires or is invalidated', async () => {
    let now = 0;
    let version = 0;
    const load = jest.fn(async () => [budget(`b${(version += 1)}`)]);
    const cache = new BudgetCache(load, 1000, 10, () => now);
    const [a, b] = await Promise.all([cache.get('org-1'), cache.get('org-1')]);
    expect(a).toBe(b);
    expect(load).toHaveBeenCalledTimes(1);
    now = 999;
    expect((await cache.get('org-1'))[0]?.id).toBe('b1');
    now = 1000;
    expect((await cache.get('org-1'))[0]?.id).toBe('b2');
    cache.invalidate('org-1');
    expect((await cache.get('org-1'))[0]?.id).toBe('b3');
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('does not keep a failed load, and forgets everything past its size bound', async () => {
    const load = jest
      .fn<Promise<BudgetRecord[]>, [string]>()
      .mockRejectedValueOnce(new Error('store down'))
      .mockImplementation(async (org) => [budget(org)]);
    const cache = new BudgetCache(load, 60_000, 2);
    await expect(cache.get('org-1')).rejects.toThrow('store down');
    expect(await cache.get('org-1')).toEqual([budget('org-1')]);
    await cache.get('org-2');
    await cache.get('org-3'); // third organisation: the oldest entry (org-1) goes
    await cache.get('org-1');
    expect(load).toHaveBeenCalledTimes(5);
  });
});
