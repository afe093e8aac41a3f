/**
 * One request's read of the conversation it continues, shared by the budget check (its estimate
 * counts the earlier turns) and the request itself (it sends them to the model), so the history is
 * read once per request instead of twice.
 *
 * A scope is an object that lives exactly as long as the request: the GraphQL context. The budget
 * check reads through `readerFor(scope)`, which keeps what it read; the request then `take`s it,
 * which removes it, so a second request on the same conversation in the same operation (aliased
 * mutations run one after another) reads again and sees the first one's answer.
 */
import type { Conversation, Message } from './conversation';
import type { ConversationReader } from './conversation-store';

export interface ConversationRead {
  conversation: Promise<Conversation | null>;
  messages: Promise<Message[]>;
}

export class RequestConversationReads {
  private readonly scopes = new WeakMap<object, Map<string, ConversationRead>>();

  constructor(private readonly store: ConversationReader) {}

  /** A reader whose reads the request in `scope` will take over (the store itself without a scope). */
  readerFor(scope: object | undefined): ConversationReader {
    if (!scope) return this.store;
    const kept = (id: string) => {
      let reads = this.scopes.get(scope);
      if (!reads) this.scopes.set(scope, (reads = new Map()));
      let read = reads.get(id);
      if (!read) reads.set(id, (read = this.readNow(id)));
      return read;
    };
    return { get: (id) => kept(id).conversation, messages: (id) => kept(id).messages };
  }

  /** The conversation and its messages, both requested at once: what the scope read, else fresh. */
  take(scope: object | undefined, id: string): ConversationRead {
    const reads = scope ? this.scopes.get(scope) : undefined;
    const read = reads?.get(id);
    if (!read) return this.readNow(id);
    reads!.delete(id);
    return read;
  }

  private readNow(id: string): ConversationRead {
    const read = { conversation: this.store.get(id), messages: this.store.messages(id) };
    // Whoever awaits one of the two may throw before awaiting the other: never leave it unhandled.
    read.conversation.catch(() => undefined);
    read.messages.catch(() => undefined);
    return read;
  }
}
