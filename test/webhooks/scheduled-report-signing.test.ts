/**
 * Scheduled analytics reports post through the webhook module: the same verifiable
 * x-webhook-* signature as alert webhooks (keyed by ANALYTICS_EXPORT_SECRET), the older
 * body-only x-signature kept, and a refused connection fails the job for agenda to retry.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { ScheduledReportService } from '../../src/analytics/exports/scheduled-reports';
import type { ReportService } from '../../src/analytics/reports/report-service';
import type { DatabaseHandle } from '../../src/db/chain';
import { FakeClock } from '../../src/shared/clock';
import { hmacSha256Hex } from '../../src/webhooks/signing';
import { startTestDatabase } from '../helpers/db';
import { startReceiver, verifyReceived, type Receiver } from './support/receiver';

let handle: DatabaseHandle;
let client: MongoClient;
let receiver: Receiver;
const secret = 'r'.repeat(40);
const clock = new FakeClock('2026-03-09T06:00:00Z');
const reports = {
  usageReport: async () => ({
    totals: { requests: 3, errors: 0, costNano: 1_500_000_000n },
    series: [{ label: '2026-03-02', summary: { requests: 3, costNano: 1_500_000_000n } }],
    top: [{ key: 'gpt-4o', summary: { costNano: 1_500_000_000n } }],
  }),
} as unknown as ReportService;

beforeAll(async () => {
  receiver = await startReceiver();
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
});
afterAll(async () => {
  await client?.close();
  await handle?.stop();
  await receiver?.close();
});

it('signs the report like every webhook, keeps x-signature, and fails for a retry when unreachable', async () => {
  const service = new ScheduledReportService(client.db(handle.dbName), reports, clock, secret);
  const schedule = await service.schedule('org-r', {
    cadence: 'WEEKLY',
    webhookUrl: receiver.url('/report'),
  });
  expect(await service.deliver(schedule._id)).toEqual({ status: 200 });
  const [post] = receiver.received('/report');
  expect(JSON.parse(post!.body).totals).toEqual({ requests: 3, errors: 0, costUsd: '1.50' });
  expect(post!.headers['x-webhook-id']).toBe(`report:${schedule._id}:2026-03-02T00:00:00.000Z`);
  expect(verifyReceived(post!, secret, clock.now())).toEqual({ ok: true });
  expect(post!.headers['x-signature']).toBe(`sha256=${hmacSha256Hex(secret, post!.body)}`);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const gone = await service.schedule('org-r', {
    cadence: 'MONTHLY',
    webhookUrl: `http://127.0.0.1:${port}/x`,
  });
  await expect(service.deliver(gone._id)).rejects.toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    message: expect.stringMatching(/ECONNREFUSED.*retried/),
  });
});
