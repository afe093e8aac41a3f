import { estimateIdFor, estimateVoidIdFor, type CostRecord } from '../costs/cost-record';
import { estimateRecord } from '../costs/estimate-records';
import type { EventBus } from '../events';
import { createEvent, type DomainEvent } from '../events/event';
import type { ListenerOptions } from '../events/listener';
import { registerBudgetSettlement } from './settlement-listener';

function setUp(stored: CostRecord[] = []) {
  let listener: ListenerOptions<'CostCalculated'> | undefined;
  const bus = { listen: (l: ListenerOptions<'CostCalculated'>) => (listener = l) } as unknown as EventBus;
  const calls: string[] = [];
  registerBudgetSettlement(bus, {
    reservations: {
      settle: async (id, amount) => (calls.push(`settle ${id} ${amount}`), 'SETTLED'),
      adjust: async (id, adjustment, delta) => (calls.push(`adjust ${id} ${adjustment} ${delta}`), true),
    },
    records: {
      byIds: async (ids) =>
        new Map(stored.filter((r) => ids.includes(r.id)).map((r) => [r.id, { record: r, announced: true }])),
    },
  });
  return { listener: listener!, calls };
}

const event = (payload: Partial<DomainEvent<'CostCalculated'>['payload']>) =>
  createEvent('CostCalculated', {
    organizationId: 'o',
    usageEventId: 'ue_r1',
    costRecordId: 'ue_r1',
    amountUsd: '0.01',
    priced: true,
    ...payload,
  });

it('settles charges, applies repricing, and leaves estimates and their voids to the sweeper and settle', async () => {
  const { listener, calls } = setUp();
  await listener.handleBatch!(
    [
      event({ requestId: 'r1', kind: 'charge', amountNano: '10000000' }),
      event({
        requestId: 'r1',
        kind: 'adjustment',
        amountNano: '-2000000',
        costRecordId: 'ue_r1:adj:v2',
        adjusts: 'ue_r1',
      }),
      event({
        requestId: 'r2',
        kind: 'estimate',
        amountNano: '7',
        usageEventId: 'ue_r2',
        costRecordId: estimateIdFor('ue_r2'),
      }),
      event({
        requestId: 'r2',
        kind: 'adjustment',
        amountNano: '-7',
        usageEventId: 'ue_r2',
        costRecordId: estimateVoidIdFor('ue_r2'),
        adjusts: estimateIdFor('ue_r2'),
      }),
    ],
    { attempt: 1, logger: undefined as never },
  );
  expect(calls).toEqual(['settle r1 10000000', 'adjust r1 ue_r1:adj:v2 -2000000']);
});

it('settles a version-1 event (no amount or kind) from its stored cost record', async () => {
  const charge: CostRecord = {
    ...estimateRecord(
      {
        requestId: 'r1',
        organizationId: 'o',
        projectId: null,
        userId: null,
        apiKeyId: null,
        provider: 'mock',
        model: 'm',
        requestedAt: new Date(0),
        amountNano: 5n,
        reason: 'HOLD_EXPIRED',
      },
      new Date(0),
    ),
    id: 'ue_r1',
    kind: 'charge',
    status: 'priced',
  };
  const { listener, calls } = setUp([charge]);
  await listener.handle(event({}), { attempt: 1, idempotencyKey: 'k', logger: undefined as never });
  expect(calls).toEqual(['settle r1 5']);
});
