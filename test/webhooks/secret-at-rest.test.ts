/**
 * With WEBHOOK_SECRET_KEY set, endpoint secrets are stored sealed: the database holds no
 * usable secret, deliveries are still signed with the real one, and a process without the
 * key logs a clear error on the attempt instead of posting unsigned (a queued delivery
 * retries it, so fixing the key lets it through).
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { startReceiver, verifyReceived, type Receiver } from './support/receiver';

let app: TestApp;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  app = await startTestApp({ env: { WEBHOOK_SECRET_KEY: 'c3'.repeat(32), WEBHOOK_RETRY_BASE_MS: '60000' } });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

it('stores the secret sealed and signs with the real one', async () => {
  const owner = await app.seed.createOwner();
  const created = await owner.graphql(
    'mutation { createWebhook(input: { url: "' +
      receiver.url('/sealed') +
      '", events: [BUDGET_EXCEEDED] }) { secret webhook { id secretHint } } }',
  );
  const { secret, webhook } = created.data.createWebhook as {
    secret: string;
    webhook: { id: string; secretHint: string };
  };
  const { Webhook } = app.runtime.services.webhooks.models;
  const stored = (await Webhook.findById(webhook.id).lean())!;
  expect(stored.secret).toMatch(/^v1\./);
  expect(stored.secret).not.toContain(secret.slice(6));
  expect(secret.startsWith(webhook.secretHint.replace('…', ''))).toBe(true);

  const ping = await owner.graphql('mutation($id: ID!) { testWebhook(id: $id) { status } }', {
    id: webhook.id,
  });
  expect(ping.data.testWebhook.status).toBe('SUCCEEDED');
  const [post] = receiver.received('/sealed');
  expect(verifyReceived(post!, secret)).toEqual({ ok: true });

  // A process started without the key cannot sign: the attempt is logged, nothing is posted.
  const keyless = await startTestApp({
    database: app.database,
    worker: false,
    env: { WEBHOOK_RETRY_BASE_MS: '60000' },
  });
  try {
    const { deliveries } = keyless.runtime.services.webhooks;
    const endpoint = (await Webhook.findById(webhook.id).lean())!;
    const delivery = await deliveries.sendTest(
      endpoint,
      {
        id: 'keyless-test',
        type: 'WEBHOOK_TEST',
        occurredAt: new Date().toISOString(),
        organizationId: owner.organizationId,
        data: {},
      },
      { title: 't', summary: 's', facts: [] },
    );
    expect(delivery).toMatchObject({
      status: 'FAILED',
      attempts: [{ ok: false, httpStatus: null, error: expect.stringMatching(/set WEBHOOK_SECRET_KEY/) }],
    });
    expect(receiver.received('/sealed')).toHaveLength(1);
  } finally {
    await keyless.stop();
  }
});
