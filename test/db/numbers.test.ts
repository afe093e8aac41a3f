/**
 * Conformance: numeric types keep the type the client wrote and follow MongoDB's rules for
 * comparison, sorting, $inc and $sum (Int32 overflow to Int64, Int64 near 2^63, exact Decimal128).
 */
import { Decimal128, Double, Int32, Long } from 'mongodb';
import { useTestDb } from './support';

const ctx = useTestDb();
const raw = { promoteValues: false } as const;

describe('numbers', () => {
  it('round-trips Int32, Int64, Double and Decimal128 as the types written', async () => {
    const c = ctx().db.collection('num_roundtrip');
    await c.insertOne({
      _id: 1 as never,
      i: new Int32(7),
      l: Long.fromString('9223372036854775807'),
      d: new Double(2),
      m: Decimal128.fromString('12345678901234567890.123456789'),
    });
    const doc = await c.findOne({ _id: 1 as never }, raw);
    expect(doc?.i).toBeInstanceOf(Int32);
    expect(doc?.l).toBeInstanceOf(Long);
    expect(doc?.l.toString()).toBe('9223372036854775807');
    expect(doc?.d).toBeInstanceOf(Double);
    expect(doc?.m.toString()).toBe('12345678901234567890.123456789');
  });

  it('$inc keeps types, widens Int32 overflow to Int64 and sums Decimal128 exactly', async () => {
    const c = ctx().db.collection('num_inc');
    await c.insertOne({
      _id: 1 as never,
      i: new Int32(2147483646),
      d: Decimal128.fromString('0.1'),
      f: new Double(0.1),
      l: Long.fromString('9223372036854775806'),
    });
    await c.updateOne(
      { _id: 1 as never },
      { $inc: { i: new Int32(1), d: Decimal128.fromString('0.2'), f: new Double(0.2), l: new Int32(1) } },
    );
    let doc = await c.findOne({ _id: 1 as never }, raw);
    expect(doc?.i).toBeInstanceOf(Int32);
    expect(doc?.i.valueOf()).toBe(2147483647);
    expect(doc?.d.toString()).toBe('0.3');
    expect(doc?.f.valueOf()).toBe(0.1 + 0.2);
    expect(doc?.l.toString()).toBe('9223372036854775807');
    await c.updateOne({ _id: 1 as never }, { $inc: { i: new Int32(1) } });
    doc = await c.findOne({ _id: 1 as never }, raw);
    expect(doc?.i).toBeInstanceOf(Long);
    expect(doc?.i.toString()).toBe('2147483648');
    await c.updateOne({ _id: 1 as never }, { $inc: { n: Decimal128.fromString('1.50') } });
    expect((await c.findOne({ _id: 1 as never }, raw))?.n.toString()).toBe('1.50');
  });

  it('refuses an Int64 $inc that would overflow 2^63 and leaves the value unchanged', async () => {
    const c = ctx().db.collection('num_overflow');
    await c.insertOne({ _id: 1 as never, l: Long.fromString('9223372036854775807') });
    await expect(c.updateOne({ _id: 1 as never }, { $inc: { l: new Int32(1) } })).rejects.toThrow();
    expect((await c.findOne({ _id: 1 as never }, raw))?.l.toString()).toBe('9223372036854775807');
  });

  it('compares numbers of different types by value, exactly', async () => {
    const c = ctx().db.collection('num_compare');
    await c.insertMany([
      { _id: 'int' as never, v: new Int32(5) },
      { _id: 'long' as never, v: Long.fromNumber(5) },
      { _id: 'double' as never, v: new Double(5) },
      { _id: 'dec' as never, v: Decimal128.fromString('5.00') },
      { _id: 'big' as never, v: Long.fromString('9007199254740993') },
      { _id: 'tenth' as never, v: Decimal128.fromString('0.1') },
      { _id: 'tenthd' as never, v: new Double(0.1) },
    ]);
    const ids = async (filter: object) => (await c.find(filter).toArray()).map((d) => d._id).sort();
    expect(await ids({ v: 5 })).toEqual(['dec', 'double', 'int', 'long']);
    expect(await ids({ v: Decimal128.fromString('5') })).toEqual(['dec', 'double', 'int', 'long']);
    expect(await ids({ v: { $gt: Long.fromString('9007199254740992') } })).toEqual(['big']);
    // Double 0.1 is not exactly one tenth, so it differs from Decimal128("0.1").
    expect(await ids({ v: Decimal128.fromString('0.1') })).toEqual(['tenth']);
    expect(await ids({ v: { $lt: 1 } })).toEqual(['tenth', 'tenthd']);
  });

  it('sorts mixed numeric types by value near 2^63', async () => {
    const c = ctx().db.collection('num_sort');
    await c.insertMany([
      { _id: 'double2^63' as never, v: new Double(9223372036854775808) },
      { _id: 'longMax' as never, v: Long.fromString('9223372036854775807') },
      { _id: 'decBelow' as never, v: Decimal128.fromString('9223372036854775806.5') },
      { _id: 'negInf' as never, v: new Double(-Infinity) },
      { _id: 'nan' as never, v: new Double(NaN) },
    ]);
    const order = (await c.find({}, { sort: { v: 1 } }).toArray()).map((d) => d._id);
    expect(order).toEqual(['nan', 'negInf', 'decBelow', 'longMax', 'double2^63']);
  });

  it('$sum and $avg type their results like MongoDB and keep Decimal128 exact', async () => {
    const c = ctx().db.collection('num_sum');
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      g: 'dec',
      v: Decimal128.fromString('0.001'),
      i: new Int32(i),
    }));
    await c.insertMany(docs);
    await c.insertMany([
      { g: 'int', v: new Int32(2147483647) },
      { g: 'int', v: new Int32(2147483647) },
      { g: 'long', v: Long.fromString('9223372036854775807') },
      { g: 'long', v: Long.fromNumber(1) },
      { g: 'mixed', v: new Int32(1) },
      { g: 'mixed', v: new Double(0.5) },
      { g: 'mixed', v: 'not a number' },
    ]);
    const rows = await c
      .aggregate(
        [
          { $group: { _id: '$g', sum: { $sum: '$v' }, avg: { $avg: '$v' }, n: { $sum: 1 } } },
          { $sort: { _id: 1 } },
        ],
        raw,
      )
      .toArray();
    const byId = Object.fromEntries(rows.map((r) => [r._id, r]));
    expect(byId.dec?.sum).toBeInstanceOf(Decimal128);
    expect(byId.dec?.sum.toString()).toBe('1.000');
    expect(byId.dec?.avg.toString()).toBe('0.001');
    expect(byId.int?.sum).toBeInstanceOf(Long);
    expect(byId.int?.sum.toString()).toBe('4294967294');
    expect(byId.int?.avg).toBeInstanceOf(Double);
    expect(byId.long?.sum).toBeInstanceOf(Double);
    expect(byId.long?.sum.valueOf()).toBe(9223372036854775808);
    expect(byId.mixed?.sum.valueOf()).toBe(1.5);
    expect(byId.mixed?.avg.valueOf()).toBe(0.75);
    expect(byId.mixed?.n.valueOf()).toBe(3);
  });
});
