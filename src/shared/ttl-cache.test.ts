import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('keeps entries for the TTL, then forgets them', () => {
    let now = 100;
    const cache = new TtlCache<string>(10, () => now);
    cache.set('a', 'A');
    now = 109;
    expect(cache.get('a')).toBe('A');
    now = 110;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry when full, and keeps nothing with a TTL of zero', () => {
    const cache = new TtlCache<number>(1_000, () => 0, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3); // re-set: now the newest
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
    cache.clear();
    expect(cache.size).toBe(0);

    const off = new TtlCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});
