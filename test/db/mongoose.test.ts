/**
 * mongoose 9 models through the database chain: schema indexes, unique violations,
 * findOneAndUpdate upserts with $inc/$setOnInsert, queries, population and aggregation.
 */
import mongoose, { Schema } from 'mongoose';
import type { DatabaseHandle } from '../../src/db/chain';
import { startTestDatabase } from '../helpers/db';

let db: DatabaseHandle;
let conn: mongoose.Connection;
// Models are typed by hand: letting tsc infer them from the schemas is very expensive to type-check.
interface UserDoc {
  email: string;
  name?: string;
  logins: number;
  createdAt?: Date;
}
interface PostDoc {
  author?: mongoose.Types.ObjectId;
  title: string;
  tags: string[];
  cost?: mongoose.Types.Decimal128;
}
let User: mongoose.Model<UserDoc>;
let Post: mongoose.Model<PostDoc>;

const userSchema: object = new Schema({
  email: { type: String, required: true, unique: true },
  name: String,
  logins: { type: Number, default: 0 },
  createdAt: Date,
});
const postSchema: object = new Schema({
  author: { type: Schema.Types.ObjectId, ref: 'User' },
  title: String,
  tags: [String],
  cost: Schema.Types.Decimal128,
});

beforeAll(async () => {
  db = await startTestDatabase();
  conn = await mongoose.createConnection(db.uri).asPromise();
  User = conn.model('User', userSchema as Schema) as unknown as mongoose.Model<UserDoc>;
  Post = conn.model('Post', postSchema as Schema) as unknown as mongoose.Model<PostDoc>;
});

afterAll(async () => {
  await conn.close();
  await db.stop();
});

describe('mongoose on the database chain', () => {
  it('creates schema indexes and reports duplicate keys like MongoDB', async () => {
    await User.init();
    const indexes = await User.collection.listIndexes().toArray();
    expect(indexes.map((i) => i.name).sort()).toEqual(['_id_', 'email_1']);
    await User.create({ email: 'a@example.com', name: 'A' });
    await expect(User.create({ email: 'a@example.com', name: 'B' })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: 'a@example.com' },
    });
  });

  it('upserts with findOneAndUpdate, $inc and $setOnInsert', async () => {
    const first = await User.findOneAndUpdate(
      { email: 'b@example.com' },
      { $inc: { logins: 1 }, $setOnInsert: { name: 'B', createdAt: new Date('2026-01-01T00:00:00Z') } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(first).toMatchObject({ email: 'b@example.com', logins: 1, name: 'B' });
    const second = await User.findOneAndUpdate(
      { email: 'b@example.com' },
      { $inc: { logins: 1 }, $setOnInsert: { name: 'changed' } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(second).toMatchObject({ logins: 2, name: 'B' });
    expect(second?.createdAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('queries, sorts, counts, populates and aggregates', async () => {
    const author = await User.findOne({ email: 'a@example.com' });
    await Post.insertMany([
      { author: author!._id, title: 'one', tags: ['x', 'y'], cost: '0.10' },
      { author: author!._id, title: 'two', tags: ['y'], cost: '0.20' },
      { title: 'three', tags: [], cost: '0.30' },
    ]);
    const titles = (
      await Post.find({ tags: 'y' as unknown as string[] })
        .sort({ title: -1 })
        .lean()
    ).map((p) => p.title);
    expect(titles).toEqual(['two', 'one']);
    expect(await Post.countDocuments({ author: author!._id })).toBe(2);
    const populated = await Post.findOne({ title: 'one' }).populate('author').lean();
    expect((populated?.author as unknown as { email: string }).email).toBe('a@example.com');
    const [total] = await Post.aggregate([{ $group: { _id: null, sum: { $sum: '$cost' } } }]);
    expect(total.sum.toString()).toBe('0.60');
    const deleted = await Post.deleteMany({ tags: { $size: 0 } });
    expect(deleted.deletedCount).toBe(1);
  });

  it('rejects invalid documents with the validation error, before the database', async () => {
    await expect(User.create({ name: 'no email' })).rejects.toThrow(/email.*required/);
  });
});
