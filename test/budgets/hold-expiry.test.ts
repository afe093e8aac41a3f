/**
 * What the sweeper does with a hold whose process died, at service level: the estimate record is
 * written before the hold is closed, so a sweep that dies in between is finished by the next one
 * with the record written once; a hold from before holds carried their subject is released as it
 * used to be; a hold whose charge is already recorded (settlement merely late) gets no estimate.
 * And repricing adjustments move budget spend once each.
 */
import { parseCreateBudget } from '../../src/budgets/budget-input';
import type { BudgetRecord } from '../../src/budgets/budget-record';
import { findCounter } from '../../src/budgets/counters';
import { periodWindow } from '../../src/budgets/period';
import type { CostRecord } from '../../src/costs/cost-record';
import { InMemoryCostRecordStore, InMemoryUsageEventStore } from '../../src/costs/cost-stores';
import { CostTrackingService } from '../../src/costs/cost-tracking-service';
import { estimateRecord } from '../../src/costs/estimate-records';
import { usageEventIdFor } from '../../src/costs/usage-event';
import type { PricingService } from '../../src/pricing/pricing-service';
import { parseUsd } from '../../src/shared/money';
import { startBudgetFixture, type BudgetFixture } from './support/budget-fixture';

const ORG = 'org-1';
const CENT = parseUsd('0.01');
let fx: BudgetFixture;
let records: InMemoryCostRecordStore;
let costs: CostTrackingService;
let announced: CostRecord[];

beforeEach(async () => {
  fx = await startBudgetFixture({ reservationTtlMs: 60_000 });
  records = new InMemoryCostRecordStore();
  announced = [];
  costs = new CostTrackingService({
    usageEvents: new InMemoryUsageEventStore(),
    costRecords: records,
    // Estimates are not priced: they charge the hold's worst case.
    pricing: {} as PricingService,
    clock: fx.clock,
    announce: async (record) => void announced.push(record),
  });
});
afterEach(async () => fx.stop());

function budget(): Promise<BudgetRecord> {
  return fx.store.insert(
    ORG,
    parseCreateBudget({ scope: 'PROJECT', scopeId: 'p1', period: 'DAILY', limit: '0.10' }),
    null,
  );
}

const subject = () => ({
  projectId: 'p1',
  userId: 'u1',
  apiKeyId: 'k1',
  provider: 'mock',
  model: 'm',
  requestedAt: fx.clock.now(),
});

const hold = (b: BudgetRecord, requestId: string, withSubject = true) =>
  fx.reservations.reserve({
    requestId,
    organizationId: ORG,
    budgets: [b],
    estimateNano: CENT,
    ...(withSubject ? { subject: subject() } : {}),
  });

const counterOf = async (b: BudgetRecord) => {
  const c = await findCounter(fx.models.Counter, b.id, periodWindow(b, fx.clock.now())!.start);
  return { spent: c!.spentNano, reserved: c!.reservedNano };
};

const sweeper = () => fx.sweeper({ estimates: costs });

it('finishes an expiry that died between the estimate record and closing the hold', async () => {
  const b = await budget();
  await hold(b, 'r1');
  fx.clock.advance(61_000);
  const expire = jest
    .spyOn(fx.reservations, 'expireAsEstimated')
    .mockRejectedValueOnce(new Error('process died'));

  expect(await sweeper().expireReservations()).toBe(0);
  expect((await fx.models.Reservation.findById('r1').lean())?.status).toBe('HELD');
  expect(await counterOf(b)).toEqual({ spent: 0n, reserved: CENT });

  expect(await sweeper().expireReservations()).toBe(1);
  expect(expire).toHaveBeenCalledTimes(2);
  expect(await fx.models.Reservation.findById('r1').lean()).toMatchObject({
    status: 'EXPIRED',
    estimated: true,
  });
  expect(await counterOf(b)).toEqual({ spent: CENT, reserved: 0n });
  const written = await records.find({ organizationId: ORG });
  expect(written).toEqual([
    expect.objectContaining({
      kind: 'estimate',
      status: 'estimated',
      estimateReason: 'HOLD_EXPIRED',
      requestId: 'r1',
      projectId: 'p1',
      userId: 'u1',
      apiKeyId: 'k1',
      usageEventId: usageEventIdFor('r1'),
    }),
  ]);
  expect(written[0]!.cost.total).toBe(CENT);
  // Announced once (CostCalculated kind estimate, costUpdated), not again by the second sweep.
  expect(announced.map((r) => r.id)).toEqual([written[0]!.id]);
  expect(await sweeper().expireReservations()).toBe(0);
  expect(await records.find({ organizationId: ORG })).toHaveLength(1);
});

it('releases a hold without its subject (written before holds carried one) as before', async () => {
  const b = await budget();
  await hold(b, 'old', false);
  fx.clock.advance(61_000);
  expect(await sweeper().expireReservations()).toBe(1);
  const old = await fx.models.Reservation.findById('old').lean();
  expect(old?.status).toBe('EXPIRED');
  expect(old?.estimated).toBeFalsy();
  expect(await counterOf(b)).toEqual({ spent: 0n, reserved: 0n });
  expect(await records.find({ organizationId: ORG })).toHaveLength(0);
});

it('charges nothing for a hold a refused tool step left at $0, and releases it', async () => {
  const b = await budget();
  await hold(b, 'refused-step');
  // The next call did not fit and nothing had been consumed: the hold is left at $0.
  const grown = await fx.reservations.extend('refused-step', parseUsd('1'), { consumed: 0n });
  expect(grown).toMatchObject({ status: 'refused' });
  fx.clock.advance(61_000);
  expect(await sweeper().expireReservations()).toBe(1);
  expect(await fx.models.Reservation.findById('refused-step').lean()).toMatchObject({ status: 'EXPIRED' });
  expect(await counterOf(b)).toEqual({ spent: 0n, reserved: 0n });
  expect(await records.find({ organizationId: ORG })).toHaveLength(0);
});

it('charges no estimate when the charge is recorded and only its settlement is late', async () => {
  const b = await budget();
  await hold(b, 'r2');
  await records.insert({
    ...estimateShape('r2'),
    id: usageEventIdFor('r2'),
    kind: 'charge',
    status: 'priced',
    estimateReason: null,
  });
  fx.clock.advance(61_000);
  expect(await sweeper().expireReservations()).toBe(1);
  expect(await counterOf(b)).toEqual({ spent: 0n, reserved: 0n });
  expect(await fx.reservations.settle('r2', parseUsd('0.004'))).toBe('LATE');
  expect(await counterOf(b)).toEqual({ spent: parseUsd('0.004'), reserved: 0n });
  expect((await records.find({ organizationId: ORG })).map((r) => r.kind)).toEqual(['charge']);
});

it('applies a repricing adjustment to budget spend once, however often it is delivered', async () => {
  const b = await budget();
  await hold(b, 'r3');
  await fx.reservations.settle('r3', CENT);
  expect(await fx.reservations.adjust('r3', 'ue_r3:adj:v2', -parseUsd('0.002'))).toBe(true);
  expect(await fx.reservations.adjust('r3', 'ue_r3:adj:v2', -parseUsd('0.002'))).toBe(false);
  expect(await counterOf(b)).toEqual({ spent: parseUsd('0.008'), reserved: 0n });
  // A request no budget held is not a budget's business.
  expect(await fx.reservations.adjust('unbudgeted', 'x:adj', CENT)).toBe(false);
});

/** A record with the fields every cost record has (built as an estimate would be). */
function estimateShape(requestId: string): CostRecord {
  return estimateRecord(
    { requestId, organizationId: ORG, ...subject(), amountNano: parseUsd('0.004'), reason: 'HOLD_EXPIRED' },
    fx.clock.now(),
  );
}
