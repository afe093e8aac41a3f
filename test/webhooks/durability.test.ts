/**
 * Nothing is lost when a process dies: an event dispatched by an API-only process is
 * delivered by a worker started later on the same database; a delivery whose worker died
 * mid-attempt (lease lapsed) is attempted again, and one whose attempt was recorded but
 * whose next job was never queued gets it queued. Also: deployment-wide performance alerts
 * reach the organisations in PLATFORM_ADMIN_ORG_IDS, and only them.
 */
import { Types } from 'mongoose';
import type { DatabaseHandle } from '../../src/db/chain';
import { createEvent } from '../../src/events/event';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { startTestDatabase } from '../helpers/db';
import { eventually, startReceiver, type Receiver } from './support/receiver';

let database: DatabaseHandle;
let receiver: Receiver;
let worker: TestApp | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  database = await startTestDatabase();
});
afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await database?.stop();
});

const env = { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_MAX_ATTEMPTS: '3' };
const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`;
const slow = (organizationId: string | null) => ({
  organizationId,
  metric: 'job_run',
  value: 1800,
  threshold: 500,
  subject: 'event:CostCalculated.cost-tracking',
  severity: 'HIGH' as const,
});

it('delivers what an API-only process queued once a worker runs, and deployment-wide alerts to platform admins', async () => {
  const api = await startTestApp({ database, worker: false, env });
  const platform = await api.seed.createOwner();
  const tenant = await api.seed.createOwner();
  const hook = async (actor: SeededActor, path: string) =>
    (
      await actor.graphql(CREATE, {
        input: { url: receiver.url(path), events: ['BUDGET_EXCEEDED', 'PERFORMANCE_THRESHOLD_EXCEEDED'] },
      })
    ).data.createWebhook.webhook.id as string;
  await hook(platform, '/platform');
  await hook(tenant, '/tenant');
  await api.runtime.events.dispatch(
    createEvent(
      'BudgetExceeded',
      {
        organizationId: tenant.organizationId,
        budgetId: '65a000000000000000000003',
        periodStart: '2026-01-01T00:00:00.000Z',
        spentUsd: '1',
        limitUsd: '1',
      },
      { id: 'queued-before-any-worker' },
    ),
  );
  await api.stop(); // the API process goes away with the work only queued

  worker = await startTestApp({ database, env: { ...env, PLATFORM_ADMIN_ORG_IDS: platform.organizationId } });
  const [post] = await receiver.waitFor('/tenant', 1);
  expect(JSON.parse(post!.body)).toMatchObject({ id: 'queued-before-any-worker', type: 'BUDGET_EXCEEDED' });

  await worker.runtime.events.dispatch(
    createEvent('PerformanceThresholdExceeded', slow(null), { id: 'deployment-wide' }),
  );
  const [wide] = await receiver.waitFor('/platform', 1);
  expect(JSON.parse(wide!.body)).toMatchObject({
    id: 'deployment-wide',
    type: 'PERFORMANCE_THRESHOLD_EXCEEDED',
    organizationId: null,
    data: { metric: 'job_run', subject: 'event:CostCalculated.cost-tracking', value: 1800, threshold: 500 },
  });
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.received('/tenant').map((r) => JSON.parse(r.body).id)).toEqual([
    'queued-before-any-worker',
  ]);
});

describe('recovery of interrupted attempts', () => {
  const seedDelivery = async (app: TestApp, webhookId: string, fields: Record<string, unknown>) => {
    const { Delivery } = app.runtime.services.webhooks.models;
    const now = new Date();
    const doc = await Delivery.create({
      webhookId: new Types.ObjectId(webhookId),
      organizationId: 'seeded',
      eventId: `seeded-${new Types.ObjectId().toHexString()}`,
      type: 'BUDGET_EXCEEDED',
      envelope: {
        id: 'seeded',
        type: 'BUDGET_EXCEEDED',
        occurredAt: now.toISOString(),
        organizationId: 'seeded',
        data: {},
      },
      description: { title: 't', summary: 's', facts: [] },
      status: 'PENDING',
      attemptCount: 0,
      attempts: [],
      nextAttemptAt: now,
      leaseUntil: null,
      createdAt: now,
      completedAt: null,
      expiresAt: new Date(now.getTime() + 86_400_000),
      ...fields,
    });
    return String(doc._id);
  };
  const read = (app: TestApp, id: string) =>
    app.runtime.services.webhooks.models.Delivery.findById(id).lean();

  it('attempts again once the dead worker’s lease lapsed, and not while it holds', async () => {
    const app = worker!;
    const owner = await app.seed.createOwner();
    const webhookId = (
      await owner.graphql(CREATE, { input: { url: receiver.url('/recover'), events: ['BUDGET_EXCEEDED'] } })
    ).data.createWebhook.webhook.id as string;
    const { deliveries } = app.runtime.services.webhooks;

    const held = await seedDelivery(app, webhookId, { leaseUntil: new Date(Date.now() + 60_000) });
    await deliveries.attempt(held, 1);
    expect(receiver.received('/recover')).toHaveLength(0);
    expect((await read(app, held))!.attemptCount).toBe(0);

    const lapsed = await seedDelivery(app, webhookId, { leaseUntil: new Date(Date.now() - 1000) });
    await deliveries.attempt(lapsed, 1);
    expect(receiver.received('/recover')).toHaveLength(1);
    expect(await read(app, lapsed)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1, leaseUntil: null });
    await deliveries.attempt(lapsed, 1); // the dead worker's job re-run: nothing more
    expect(receiver.received('/recover')).toHaveLength(1);
  });

  it('queues the next attempt when the job died after recording one', async () => {
    const app = worker!;
    const owner = await app.seed.createOwner();
    const webhookId = (
      await owner.graphql(CREATE, { input: { url: receiver.url('/resume'), events: ['BUDGET_EXCEEDED'] } })
    ).data.createWebhook.webhook.id as string;
    const first = {
      attempt: 1,
      startedAt: new Date(),
      durationMs: 3,
      httpStatus: 503,
      ok: false,
      error: 'HTTP 503',
      responseSnippet: null,
    };
    const id = await seedDelivery(app, webhookId, {
      attemptCount: 1,
      attempts: [{ ...first, nextAttemptAt: new Date() }],
      nextAttemptAt: new Date(),
    });
    await app.runtime.services.webhooks.deliveries.attempt(id, 1);
    await receiver.waitFor('/resume', 1);
    const done = await eventually(
      () => read(app, id),
      (d) => d?.status === 'SUCCEEDED',
    );
    expect(done).toMatchObject({ attemptCount: 2 });
    expect(done!.attempts.map((a) => a.httpStatus)).toEqual([503, 200]);
  });

  it('fails a pending delivery whose endpoint was disabled or deleted, without posting', async () => {
    const app = worker!;
    const owner = await app.seed.createOwner();
    const create = async (path: string) =>
      (await owner.graphql(CREATE, { input: { url: receiver.url(path), events: ['BUDGET_EXCEEDED'] } })).data
        .createWebhook.webhook.id as string;
    const disabledId = await create('/disabled-later');
    await owner.graphql('mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: false }) { id } }', {
      id: disabledId,
    });
    const pendingOnDisabled = await seedDelivery(app, disabledId, {});
    const deletedId = new Types.ObjectId().toHexString();
    const pendingOnDeleted = await seedDelivery(app, deletedId, {});
    const { deliveries } = app.runtime.services.webhooks;
    await deliveries.attempt(pendingOnDisabled, 1);
    await deliveries.attempt(pendingOnDeleted, 1);
    expect(await read(app, pendingOnDisabled)).toMatchObject({
      status: 'FAILED',
      attempts: [{ attempt: 1, ok: false, error: 'the webhook was disabled before this delivery' }],
    });
    expect(await read(app, pendingOnDeleted)).toMatchObject({
      status: 'FAILED',
      attempts: [{ error: 'the webhook was deleted' }],
    });
    expect(receiver.received('/disabled-later')).toEqual([]);
    await deliveries.attempt(new Types.ObjectId().toHexString(), 1); // a job for a delivery that expired: nothing to do
  });
});
