import { storedMessage } from '../../test/fixtures/messages';
import type { Conversation } from './conversation';
import { InMemoryConversationStore } from './conversation-store';
import { RequestConversationReads } from './request-reads';

const at = new Date('2026-01-01T00:00:00Z');
const conversation: Conversation = {
  id: 'c1',
  organizationId: 'org',
  projectId: 'p1',
  userId: 'u1',
  title: 't',
  createdAt: at,
  updatedAt: at,
};
const message = (id: string) => storedMessage({ id, conversationId: 'c1' });

async function setup() {
  const store = new InMemoryConversationStore();
  await store.create(conversation);
  await store.addMessages([message('m1')]);
  const get = jest.spyOn(store, 'get');
  const messages = jest.spyOn(store, 'messages');
  return { store, get, messages, reads: new RequestConversationReads(store) };
}

describe('RequestConversationReads', () => {
  it('hands what the check read in a scope to the request, once', async () => {
    const { store, get, messages, reads } = await setup();
    const scope = {};
    const checker = reads.readerFor(scope);
    await Promise.all([checker.get('c1'), checker.messages('c1'), checker.messages('c1')]);
    expect([get.mock.calls.length, messages.mock.calls.length]).toEqual([1, 1]);
    const taken = reads.take(scope, 'c1');
    expect((await taken.conversation)?.id).toBe('c1');
    expect((await taken.messages).map((m) => m.id)).toEqual(['m1']);
    expect([get.mock.calls.length, messages.mock.calls.length]).toEqual([1, 1]);
    // Taken means gone: the next request in the scope reads what is stored by then.
    await store.addMessages([message('m2')]);
    expect((await reads.take(scope, 'c1').messages).map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(messages).toHaveBeenCalledTimes(2);
  });

  it('reads at once without a scope, and keeps scopes apart', async () => {
    const { store, get, reads } = await setup();
    expect(reads.readerFor(undefined)).toBe(store);
    await reads.take(undefined, 'c1').conversation;
    await reads.readerFor({}).get('c1');
    await reads.take({}, 'c1').conversation;
    expect(get).toHaveBeenCalledTimes(3);
  });

  it('does not leave a failed read unhandled when only the other half is awaited', async () => {
    const { messages, reads } = await setup();
    messages.mockRejectedValueOnce(new Error('down'));
    const read = reads.take({}, 'c1');
    expect((await read.conversation)?.id).toBe('c1');
    await expect(read.messages).rejects.toThrow('down');
  });
});
