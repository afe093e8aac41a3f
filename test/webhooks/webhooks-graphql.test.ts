/**
 * Webhook management through the real server: an admin creates endpoints (the secret is
 * shown once), pings them (signed, verifiable, Slack-shaped for SLACK), rotates secrets,
 * pages through the delivery log; bad input gets field errors; nobody reaches another
 * organisation's webhooks, and members cannot manage them.
 */
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { startReceiver, verifyReceived, type Receiver } from './support/receiver';

let app: TestApp;
let owner: SeededActor;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  app = await startTestApp();
  owner = await app.seed.createOwner();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

const CREATE = `mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id name url format events enabled secretHint createdAt } } }`;
const TEST = `mutation($id: ID!) { testWebhook(id: $id) {
  id webhookId eventId type status attemptCount payload
  attempts { attempt httpStatus ok error durationMs nextAttemptAt responseSnippet } } }`;
const DELIVERIES = `query($id: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $id, first: $first, after: $after) {
  hasNextPage endCursor edges { cursor node { id type status attemptCount } } } }`;

async function create(actor: SeededActor, input: Record<string, unknown>) {
  const res = await actor.graphql(CREATE, { input });
  expect(res.errors).toBeUndefined();
  return res.data.createWebhook as { secret: string; webhook: { id: string; secretHint: string } };
}

it('creates an endpoint, shows its secret once, and signs a test ping the receiver can verify', async () => {
  const created = await create(owner, {
    url: receiver.url('/json'),
    events: ['BUDGET_THRESHOLD_REACHED', 'BUDGET_EXCEEDED', 'BUDGET_THRESHOLD_REACHED'],
    name: 'Finance',
  });
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(created.webhook).toMatchObject({
    name: 'Finance',
    format: 'JSON',
    enabled: true,
    events: ['BUDGET_THRESHOLD_REACHED', 'BUDGET_EXCEEDED'],
  });
  const listed = await owner.graphql('{ webhooks { id secretHint url } }');
  expect(listed.data.webhooks).toEqual([
    { id: created.webhook.id, secretHint: created.webhook.secretHint, url: receiver.url('/json') },
  ]);
  expect(JSON.stringify(listed.data)).not.toContain(created.secret);
  expect(created.secret.startsWith(created.webhook.secretHint.replace('…', ''))).toBe(true);

  const ping = await owner.graphql(TEST, { id: created.webhook.id });
  expect(ping.errors).toBeUndefined();
  expect(ping.data.testWebhook).toMatchObject({
    webhookId: created.webhook.id,
    type: 'WEBHOOK_TEST',
    status: 'SUCCEEDED',
    attemptCount: 1,
    attempts: [{ attempt: 1, httpStatus: 200, ok: true, error: null, nextAttemptAt: null }],
  });
  const [request] = receiver.received('/json');
  expect(request!.headers['content-type']).toBe('application/json');
  expect(request!.headers['x-webhook-id']).toBe(ping.data.testWebhook.eventId);
  expect(request!.headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  const check = (secret: string, body = request!.body) => verifyReceived(request!, secret, new Date(), body);
  expect(check(created.secret)).toEqual({ ok: true });
  expect(check(created.secret, request!.body.replace('WEBHOOK_TEST', 'WEBHOOK_TEXT'))).toEqual({
    ok: false,
    reason: 'signature mismatch',
  });
  expect(check('whsec_wrong')).toMatchObject({ ok: false });
  const body = JSON.parse(request!.body);
  expect(body).toEqual({
    id: ping.data.testWebhook.eventId,
    type: 'WEBHOOK_TEST',
    occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    organizationId: owner.organizationId,
    data: { webhookId: created.webhook.id, message: expect.any(String) },
  });
  expect(ping.data.testWebhook.payload).toEqual(body);

  // Rotation: the new secret signs from now on; the old one no longer verifies.
  const rotated = await owner.graphql(
    'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { secretHint } } }',
    {
      id: created.webhook.id,
    },
  );
  const newSecret = rotated.data.rotateWebhookSecret.secret as string;
  expect(newSecret).not.toBe(created.secret);
  await owner.graphql(TEST, { id: created.webhook.id });
  const second = receiver.received('/json')[1]!;
  const verify = (secret: string) => verifyReceived(second, secret).ok;
  expect([verify(newSecret), verify(created.secret)]).toEqual([true, false]);
});

it('posts a Slack incoming-webhook message for SLACK endpoints', async () => {
  const { webhook } = await create(owner, {
    url: receiver.url('/slack'),
    events: ['BUDGET_EXCEEDED'],
    format: 'SLACK',
  });
  const ping = await owner.graphql(TEST, { id: webhook.id });
  expect(ping.data.testWebhook.status).toBe('SUCCEEDED');
  const body = JSON.parse(receiver.received('/slack')[0]!.body);
  expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
  expect(body.text).toMatch(/^Webhook test: /);
  expect(body.blocks[0]).toEqual({
    type: 'header',
    text: { type: 'plain_text', text: 'Webhook test', emoji: true },
  });
  expect(body.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
  expect(body.blocks.at(-1)).toMatchObject({ type: 'context', elements: [{ type: 'mrkdwn' }] });
});

it('logs a failed ping once (tests are not retried) and pages through the log', async () => {
  receiver.script('/down', [{ status: 500, body: 'boom' }]);
  const { webhook } = await create(owner, {
    url: receiver.url('/down'),
    events: ['BUDGET_EXCEEDED'],
    enabled: false,
  });
  const failed = await owner.graphql(TEST, { id: webhook.id });
  expect(failed.data.testWebhook).toMatchObject({
    status: 'FAILED',
    attemptCount: 1,
    attempts: [
      { httpStatus: 500, ok: false, error: 'HTTP 500: boom', responseSnippet: 'boom', nextAttemptAt: null },
    ],
  });
  await owner.graphql(TEST, { id: webhook.id });
  await owner.graphql(TEST, { id: webhook.id });
  expect(receiver.received('/down')).toHaveLength(3);

  const page1 = (await owner.graphql(DELIVERIES, { id: webhook.id, first: 2 })).data.webhookDeliveries;
  expect(page1.edges).toHaveLength(2);
  expect(page1.hasNextPage).toBe(true);
  const page2 = (await owner.graphql(DELIVERIES, { id: webhook.id, first: 2, after: page1.endCursor })).data
    .webhookDeliveries;
  expect(page2).toMatchObject({
    hasNextPage: false,
    edges: [{ node: { id: failed.data.testWebhook.id, status: 'FAILED' } }],
  });
  const ids = [...page1.edges, ...page2.edges].map((e: { node: { id: string } }) => e.node.id);
  expect(new Set(ids).size).toBe(3);

  const bad = await owner.graphql(DELIVERIES, { id: webhook.id, after: 'nonsense' });
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const tooMany = await owner.graphql(DELIVERIES, { id: webhook.id, first: 500 });
  expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

it('updates and deletes endpoints; deleting drops the delivery log', async () => {
  const { webhook } = await create(owner, {
    url: receiver.url('/edit'),
    events: ['BUDGET_EXCEEDED'],
    name: 'temp',
  });
  const updated = await owner.graphql(
    'mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { name format events enabled url } }',
    {
      id: webhook.id,
      input: { name: null, enabled: false, format: 'SLACK', events: ['PERFORMANCE_THRESHOLD_EXCEEDED'] },
    },
  );
  expect(updated.errors).toBeUndefined();
  expect(updated.data.updateWebhook).toEqual({
    name: null,
    format: 'SLACK',
    events: ['PERFORMANCE_THRESHOLD_EXCEEDED'],
    enabled: false,
    url: receiver.url('/edit'),
  });
  await owner.graphql(TEST, { id: webhook.id });
  const deleted = await owner.graphql('mutation($id: ID!) { deleteWebhook(id: $id) }', { id: webhook.id });
  expect(deleted.data.deleteWebhook).toBe(true);
  const gone = await owner.graphql(DELIVERIES, { id: webhook.id });
  expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  expect(await app.runtime.services.webhooks.models.Delivery.countDocuments({ webhookId: webhook.id })).toBe(
    0,
  );
});

describe('bad input', () => {
  const fieldsOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    (res.errors?.[0]?.extensions?.fields as { field: string; message: string }[] | undefined) ?? [];

  it.each([
    ['ftp', 'ftp://example.com/hook', /http or https/],
    ['garbage', 'not a url', /absolute http\(s\) URL/],
    ['too long', `https://example.com/${'x'.repeat(2100)}`, /2048/],
    ['credentials', 'https://user:pass@example.com/hook', /user name or password/],
  ])('refuses a bad URL (%s)', async (_label, url, message) => {
    const res = await owner.graphql(CREATE, { input: { url, events: ['BUDGET_EXCEEDED'] } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual([{ field: 'input.url', message: expect.stringMatching(message) }]);
  });

  it('refuses no event kinds, an empty name, and unknown kinds or formats', async () => {
    const none = await owner.graphql(CREATE, { input: { url: receiver.url('/x'), events: [] } });
    expect(fieldsOf(none)).toEqual([
      { field: 'input.events', message: 'subscribe to at least one event kind' },
    ]);
    const blank = await owner.graphql(CREATE, {
      input: { url: receiver.url('/x'), events: ['BUDGET_EXCEEDED'], name: ' ' },
    });
    expect(fieldsOf(blank)).toEqual([{ field: 'input.name', message: 'must not be empty' }]);
    // Enum literals are checked by GraphQL validation before any resolver runs.
    const literal = (events: string, format = 'JSON') =>
      owner.graphql(
        `mutation { createWebhook(input: { url: "${receiver.url('/x')}", events: [${events}], format: ${format} }) { secret } }`,
      );
    const unknownKind = await literal('BUDGET_EATEN');
    expect(unknownKind.data ?? null).toBeNull();
    expect(unknownKind.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/BUDGET_EATEN/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const unknownFormat = await literal('BUDGET_EXCEEDED', 'XML');
    expect(unknownFormat.data ?? null).toBeNull();
    expect(unknownFormat.errors?.[0]?.message).toMatch(/XML/);
    // The service validates kinds itself too (callers other than GraphQL).
    await expect(
      app.runtime.services.webhooks.service.create(
        owner.organizationId,
        { url: receiver.url('/x'), events: ['BUDGET_EATEN'] },
        null,
      ),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      issues: [
        {
          field: 'input.events.0',
          message: expect.stringMatching(/must be one of BUDGET_THRESHOLD_REACHED/),
        },
      ],
    });
    const { webhook } = await create(owner, { url: receiver.url('/x'), events: ['BUDGET_EXCEEDED'] });
    const badUpdate = await owner.graphql(
      'mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id } }',
      { id: webhook.id, input: { url: 'javascript:alert(1)' } },
    );
    expect(fieldsOf(badUpdate)).toEqual([
      { field: 'input.url', message: expect.stringMatching(/http or https/) },
    ]);
  });
});

describe('tenancy and roles', () => {
  it("keeps another organisation's webhooks and deliveries out of reach", async () => {
    const { webhook } = await create(owner, { url: receiver.url('/mine'), events: ['BUDGET_EXCEEDED'] });
    await owner.graphql(TEST, { id: webhook.id });
    const other = await app.seed.createOwner();
    expect((await other.graphql('{ webhooks { id } }')).data.webhooks).toEqual([]);
    const attempts = [
      other.graphql(DELIVERIES, { id: webhook.id }),
      other.graphql(TEST, { id: webhook.id }),
      other.graphql('mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: webhook.id }),
      other.graphql('mutation($id: ID!) { deleteWebhook(id: $id) }', { id: webhook.id }),
      other.graphql('mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: false }) { id } }', {
        id: webhook.id,
      }),
      other.graphql('mutation { deleteWebhook(id: "not-an-id") }'),
    ];
    for (const res of await Promise.all(attempts))
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(receiver.received('/mine')).toHaveLength(1);
    const still = await owner.graphql('{ webhooks { id enabled } }');
    expect(still.data.webhooks).toContainEqual({ id: webhook.id, enabled: true });
  });

  it('lets only owners and admins manage or read webhooks', async () => {
    const admin = await app.seed.createUser(owner, 'admin');
    const member = await app.seed.createUser(owner, 'member');
    const viewer = await app.seed.createUser(owner, 'viewer');
    expect((await admin.graphql('{ webhooks { id } }')).errors).toBeUndefined();
    for (const actor of [member, viewer]) {
      expect((await actor.graphql('{ webhooks { id } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const res = await actor.graphql(CREATE, {
        input: { url: receiver.url('/m'), events: ['BUDGET_EXCEEDED'] },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await app.graphql('{ webhooks { id } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
