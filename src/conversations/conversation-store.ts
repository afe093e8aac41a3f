/**
 * Conversation storage: the interface services use, and an in-memory implementation for unit
 * tests and single-process development. Conversations are listed newest-updated first with an
 * opaque (updatedAt, id) cursor.
 */
import type { Conversation, Message } from './conversation';

export interface ConversationCursor {
  updatedAt: Date;
  id: string;
}

export interface ConversationFilter {
  organizationId: string;
  /** When set, only conversations in these projects. */
  projectIds?: string[];
  /** When set, only this user's conversations. */
  userId?: string;
}

export interface ConversationStore {
  create(conversation: Conversation): Promise<void>;
  get(id: string): Promise<Conversation | null>;
  touch(id: string, at: Date): Promise<void>;
  list(
    filter: ConversationFilter,
    page: { first: number; after?: ConversationCursor },
  ): Promise<Conversation[]>;
  /** Stores messages together, in this order (a request's question and its answer). */
  addMessages(messages: Message[]): Promise<void>;
  /** Messages of a conversation, oldest first. */
  messages(conversationId: string): Promise<Message[]>;
}

/** The reads a request needs of a conversation it continues. */
export type ConversationReader = Pick<ConversationStore, 'get' | 'messages'>;

export function compareRecentFirst(a: ConversationCursor, b: ConversationCursor): number {
  const byTime = b.updatedAt.getTime() - a.updatedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class InMemoryConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly byConversation = new Map<string, Message[]>();

  async create(conversation: Conversation): Promise<void> {
    this.conversations.set(conversation.id, structuredClone(conversation));
  }

  async get(id: string): Promise<Conversation | null> {
    const found = this.conversations.get(id);
    return found ? structuredClone(found) : null;
  }

  async touch(id: string, at: Date): Promise<void> {
    const found = this.conversations.get(id);
    if (found) found.updatedAt = at;
  }

  async list(
    filter: ConversationFilter,
    page: { first: number; after?: ConversationCursor },
  ): Promise<Conversation[]> {
    const after = page.after;
    return [...this.conversations.values()]
      .filter((c) => c.organizationId === filter.organizationId)
      .filter((c) => filter.projectIds === undefined || filter.projectIds.includes(c.projectId))
      .filter((c) => filter.userId === undefined || c.userId === filter.userId)
      .filter((c) => !after || compareRecentFirst(after, c) < 0)
      .sort(compareRecentFirst)
      .slice(0, page.first)
      .map((c) => structuredClone(c));
  }

  async addMessages(messages: Message[]): Promise<void> {
    for (const message of messages) {
      const list = this.byConversation.get(message.conversationId) ?? [];
      list.push(structuredClone(message));
      this.byConversation.set(message.conversationId, list);
    }
  }

  async messages(conversationId: string): Promise<Message[]> {
    return (this.byConversation.get(conversationId) ?? []).map((m) => structuredClone(m));
  }
}
