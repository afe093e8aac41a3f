/**
 * A continued conversation through the real server with a budget in force: the budget check and
 * the request share one read of the history, aliased requests on the same conversation in one
 * operation each see the turns before them, and the conversation ends with every turn in order.
 */
import { MongoConversationStore } from '../../src/conversations/mongo-conversation-store';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';

let app: TestApp;
let owner: SeededActor;
let projectId: string;

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  app = await startTestApp();
  owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "continued" }) { id } }',
  );
  projectId = created.data!.createProject.id;
  const priced = await owner.graphql(
    'mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "1", outputPerMTok: "2", effectiveFrom: "2020-01-01T00:00:00Z" }) { repricing } }',
  );
  expect(priced.errors).toBeUndefined();
  const budget = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit: '100' } },
  );
  expect(budget.errors).toBeUndefined();
});

afterAll(async () => {
  await app?.stop();
});

afterEach(() => jest.restoreAllMocks());

const input = (content: string, conversationId?: string) => ({
  provider: 'mock',
  model: 'mock-small',
  content,
  ...(conversationId ? { conversationId } : { projectId }),
});

async function start(content: string): Promise<string> {
  const res = await owner.graphql(
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversation { id } } }',
    { input: input(content) },
  );
  expect(res.errors).toBeUndefined();
  return res.data.sendMessage.conversation.id as string;
}

async function turns(conversationId: string): Promise<string[]> {
  const res = await owner.graphql('query($id: ID!) { conversation(id: $id) { messages { role content } } }', {
    id: conversationId,
  });
  expect(res.errors).toBeUndefined();
  return (res.data.conversation.messages as { role: string; content: string }[]).map(
    (m) => `${m.role.toLowerCase()}: ${m.content}`,
  );
}

it('reads the history once for the budget check and the request together', async () => {
  const id = await start('first question');
  const reads = jest.spyOn(MongoConversationStore.prototype, 'messages');
  const gets = jest.spyOn(MongoConversationStore.prototype, 'get');
  const res = await owner.graphql(
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId message { content } } }',
    { input: input('second question', id) },
  );
  expect(res.errors).toBeUndefined();
  expect(reads).toHaveBeenCalledTimes(1);
  expect(gets).toHaveBeenCalledTimes(1);
  // The check did read it: the request was held against the project's budget.
  const hold = await app.runtime.db
    .collection<{ _id: string }>('budget_reservations')
    .findOne({ _id: res.data.sendMessage.requestId });
  expect(hold).not.toBeNull();
  const history = await turns(id);
  expect(history).toHaveLength(4);
  expect(history.filter((t) => t.startsWith('user: '))).toEqual([
    'user: first question',
    'user: second question',
  ]);
});

it('gives a second aliased request on the same conversation the turns of the first', async () => {
  const id = await start('opening');
  const reads = jest.spyOn(MongoConversationStore.prototype, 'messages');
  const res = await owner.graphql(
    `mutation($a: SendMessageInput!, $b: SendMessageInput!) {
      a: sendMessage(input: $a) { message { content } }
      b: sendMessage(input: $b) { message { content } }
    }`,
    { a: input('follow-up A', id), b: input('follow-up B', id) },
  );
  expect(res.errors).toBeUndefined();
  // One read shared by both checks, taken by A; B reads again, after A's answer was stored.
  expect(reads).toHaveBeenCalledTimes(2);
  const secondRead = (await reads.mock.results[1]!.value) as { content: string }[];
  expect(secondRead.map((m) => m.content)).toContain('follow-up A');
  expect((await turns(id)).filter((t) => t.startsWith('user: '))).toEqual([
    'user: opening',
    'user: follow-up A',
    'user: follow-up B',
  ]);
});
