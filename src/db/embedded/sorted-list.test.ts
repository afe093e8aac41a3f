import { SortedList } from './sorted-list';

describe('SortedList', () => {
  it('stays sorted and finds bounds across many buckets, matching a plain sorted array', () => {
    const list = new SortedList<{ v: number; id: number }>((a, b) => a.v - b.v || a.id - b.id);
    const reference: { v: number; id: number }[] = [];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 500;
    for (let id = 0; id < 5000; id += 1) {
      const item = { v: rand(), id };
      list.insert(item);
      reference.push(item);
    }
    for (let i = 0; i < 2000; i += 1) {
      const victim = reference.splice(rand() % reference.length, 1)[0]!;
      expect(list.remove(victim, (x) => x === victim)).toBe(true);
    }
    expect(list.remove({ v: -1, id: -1 }, () => true)).toBe(false);
    reference.sort((a, b) => a.v - b.v || a.id - b.id);
    expect(list.size).toBe(reference.length);
    const forward: number[] = [];
    for (let p = list.first(); p; p = list.next(p)) forward.push(list.at(p).id);
    expect(forward).toEqual(reference.map((r) => r.id));
    const backward: number[] = [];
    for (let p = list.last(); p; p = list.prev(p)) backward.push(list.at(p).id);
    expect(backward).toEqual(reference.map((r) => r.id).reverse());
    for (const target of [-5, 0, 123, 250, 499, 600]) {
      const lo = list.lowerBound((x) => x.v - target);
      const expectedLo = reference.find((r) => r.v >= target);
      expect(lo ? list.at(lo).id : undefined).toBe(expectedLo?.id);
      const hi = list.upperBoundLast((x) => x.v - target);
      const expectedHi = [...reference].reverse().find((r) => r.v <= target);
      expect(hi ? list.at(hi).id : undefined).toBe(expectedHi?.id);
    }
    list.clear();
    expect(list.size).toBe(0);
    expect(list.first()).toBeUndefined();
    expect(list.last()).toBeUndefined();
    expect(list.lowerBound(() => 0)).toBeUndefined();
  });

  it('keeps duplicates of equal keys and removes the identified one', () => {
    const list = new SortedList<{ k: number; tag: string }>((a, b) => a.k - b.k);
    const a = { k: 1, tag: 'a' };
    const b = { k: 1, tag: 'b' };
    list.insert(a);
    list.insert(b);
    expect(list.remove(b, (x) => x === b)).toBe(true);
    expect(list.at(list.first()!)).toBe(a);
    expect(list.remove({ k: 1, tag: 'c' }, () => false)).toBe(false);
  });
});
