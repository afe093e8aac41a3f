/**
 * MongoDB store of conversations (`conversations`) and their messages (`messages`). Inserts go
 * through group commit: under load, concurrent requests share one insert command per collection.
 */
import type { Collection, Db, Filter } from 'mongodb';

import { InsertBatcher } from '../db/insert-batcher';
import type { Conversation, Message } from './conversation';
import type { ConversationCursor, ConversationFilter, ConversationStore } from './conversation-store';

type ConversationDoc = Omit<Conversation, 'id'> & { _id: string };
type MessageDoc = Omit<Message, 'id'> & { _id: string; seq: number };

export class MongoConversationStore implements ConversationStore {
  readonly conversations: Collection<ConversationDoc>;
  readonly messageCollection: Collection<MessageDoc>;
  private seq = 0;
  private indexes?: Promise<void>;
  private readonly conversationInserts: InsertBatcher<ConversationDoc>;
  private readonly messageInserts: InsertBatcher<MessageDoc>;

  constructor(db: Db) {
    this.conversations = db.collection<ConversationDoc>('conversations');
    this.messageCollection = db.collection<MessageDoc>('messages');
    this.conversationInserts = new InsertBatcher(this.conversations);
    this.messageInserts = new InsertBatcher(this.messageCollection);
  }

  ensureIndexes(): Promise<void> {
    this.indexes ??= Promise.all([
      this.conversations.createIndex({ organizationId: 1, updatedAt: -1, _id: -1 }, { name: 'org_recent' }),
      this.messageCollection.createIndex(
        { conversationId: 1, createdAt: 1, seq: 1 },
        { name: 'conversation_order' },
      ),
    ]).then(() => undefined);
    return this.indexes;
  }

  async create(conversation: Conversation): Promise<void> {
    const { id, ...rest } = conversation;
    await this.conversationInserts.insert({ _id: id, ...rest });
  }

  async get(id: string): Promise<Conversation | null> {
    const doc = await this.conversations.findOne({ _id: id });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { id: _id, ...rest };
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.conversations.updateOne({ _id: id }, { $max: { updatedAt: at } });
  }

  async list(
    filter: ConversationFilter,
    page: { first: number; after?: ConversationCursor },
  ): Promise<Conversation[]> {
    const query: Filter<ConversationDoc> = { organizationId: filter.organizationId };
    if (filter.projectIds !== undefined) query.projectId = { $in: filter.projectIds };
    if (filter.userId !== undefined) query.userId = filter.userId;
    if (page.after) {
      const { updatedAt, id } = page.after;
      query.$or = [{ updatedAt: { $lt: updatedAt } }, { updatedAt, _id: { $lt: id } }];
    }
    const docs = await this.conversations
      .find(query)
      .sort({ updatedAt: -1, _id: -1 })
      .limit(page.first)
      .toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async addMessages(messages: Message[]): Promise<void> {
    // seq orders messages written in the same millisecond by this process.
    await this.messageInserts.insertAll(
      messages.map(({ id, ...rest }) => {
        this.seq += 1;
        return { _id: id, ...rest, seq: this.seq };
      }),
    );
  }

  async messages(conversationId: string): Promise<Message[]> {
    const docs = await this.messageCollection
      .find({ conversationId })
      .sort({ createdAt: 1, seq: 1 })
      .toArray();
    // Messages stored before tool calls were recorded have no `toolCalls` field.
    return docs.map(({ _id, seq: _seq, ...rest }) => ({ id: _id, ...rest, toolCalls: rest.toolCalls ?? [] }));
  }
}
