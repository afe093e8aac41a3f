/**
 * The reservation algorithm against a real database: all-or-nothing holds under
 * concurrency, hierarchy, idempotent settle/release, period rollover and refusals.
 */
import { parseCreateBudget } from '../../src/budgets/budget-input';
import type { BudgetRecord } from '../../src/budgets/budget-record';
import { findCounter } from '../../src/budgets/counters';
import { periodWindow } from '../../src/budgets/period';
import { AppError } from '../../src/shared/errors';
import { parseUsd } from '../../src/shared/money';
import { startBudgetFixture, type BudgetFixture } from './support/budget-fixture';

const ORG = 'org-1';
const CENT = parseUsd('0.01');
let fx: BudgetFixture;
let seq = 0;

beforeEach(async () => {
  fx = await startBudgetFixture();
});
afterEach(async () => fx.stop());

function budget(fields: Record<string, unknown>): Promise<BudgetRecord> {
  return fx.store.insert(
    ORG,
    parseCreateBudget({ scope: 'PROJECT', scopeId: 'p1', period: 'DAILY', ...fields }),
    null,
  );
}

const requestId = () => `req-${(seq += 1)}`;

async function counterOf(b: BudgetRecord) {
  const window = periodWindow(b, fx.clock.now());
  return findCounter(fx.models.Counter, b.id, window!.start);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the request to be refused');
}

describe('reserve', () => {
  it('admits at most 10 of 100 concurrent $0.01 requests against a $0.10 daily budget', async () => {
    const daily = await budget({ limit: '0.10' });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        fx.reservations.reserve({
          requestId: requestId(),
          organizationId: ORG,
          budgets: [daily],
          estimateNano: CENT,
        }),
      ),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(admitted).toHaveLength(10);
    expect(new Set(refused.map((r) => (r.reason as AppError).code))).toEqual(new Set(['BUDGET_EXCEEDED']));
    expect(await counterOf(daily)).toMatchObject({
      reservedNano: 10n * CENT,
      spentNano: 0n,
      headroomNano: 0n,
    });
    expect(await fx.models.Reservation.countDocuments({ status: 'HELD' })).toBe(10);
  });

  it('blocks a user within their own budget when the project budget is exhausted, holding nothing', async () => {
    const user = await budget({ scope: 'USER', scopeId: 'u1', limit: '5' });
    const project = await budget({ scope: 'PROJECT', scopeId: 'p1', limit: '0.015' });
    await fx.reservations.reserve({
      requestId: requestId(),
      organizationId: ORG,
      budgets: [user, project],
      estimateNano: CENT,
    });
    const error = await rejection(
      fx.reservations.reserve({
        requestId: requestId(),
        organizationId: ORG,
        budgets: [user, project],
        estimateNano: CENT,
      }),
    );
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.status).toBe(402);
    expect(error.details).toEqual({
      budgetId: project.id,
      scope: 'PROJECT',
      period: 'DAILY',
      limit: '0.015',
      spent: '0.00',
      reserved: '0.01',
      requested: '0.01',
    });
    expect(error.message).toMatch(/raise the limit to at least \$0\.02/);
    expect(error.message).toMatch(/wait for the period to reset at 2026-03-11T00:00:00.000Z/);
    // The user's hold from the refused request was compensated.
    expect((await counterOf(user))?.reservedNano).toBe(CENT);
    expect((await counterOf(project))?.reservedNano).toBe(CENT);
  });

  it('rejects a request over a per-request limit without touching other budgets', async () => {
    const perRequest = await budget({ period: 'PER_REQUEST', limit: '0.005' });
    const daily = await budget({ limit: '1' });
    const error = await rejection(
      fx.reservations.reserve({
        requestId: requestId(),
        organizationId: ORG,
        budgets: [daily, perRequest],
        estimateNano: CENT,
      }),
    );
    expect(error.details).toMatchObject({
      budgetId: perRequest.id,
      period: 'PER_REQUEST',
      requested: '0.01',
    });
    expect(error.message).toMatch(/per-request limit of \$0\.005/);
    expect(await counterOf(daily)).toBeNull();
    const ok = await fx.reservations.reserve({
      requestId: requestId(),
      organizationId: ORG,
      budgets: [perRequest],
      estimateNano: parseUsd('0.001'),
    });
    expect(ok).toBeNull(); // nothing periodic to hold
  });

  it('lets ALERT_ONLY budgets overrun but raises BudgetExceeded at most once a minute', async () => {
    const soft = await budget({ limit: '0.01', action: 'ALERT_ONLY' });
    for (let i = 0; i < 3; i += 1) {
      await fx.reservations.reserve({
        requestId: requestId(),
        organizationId: ORG,
        budgets: [soft],
        estimateNano: CENT,
      });
    }
    expect((await counterOf(soft))?.reservedNano).toBe(3n * CENT);
    expect(fx.published.filter((a) => a.kind === 'EXCEEDED')).toHaveLength(1);
    fx.clock.advance(60_000);
    await fx.reservations.reserve({
      requestId: requestId(),
      organizationId: ORG,
      budgets: [soft],
      estimateNano: CENT,
    });
    expect(fx.published.filter((a) => a.kind === 'EXCEEDED')).toHaveLength(2);
  });

  it('raises one BudgetExceeded per minute for blocked requests too', async () => {
    const hard = await budget({ limit: '0.001' });
    for (let i = 0; i < 5; i += 1) {
      await rejection(
        fx.reservations.reserve({
          requestId: requestId(),
          organizationId: ORG,
          budgets: [hard],
          estimateNano: CENT,
        }),
      );
    }
    const exceeded = fx.published.filter((a) => a.kind === 'EXCEEDED');
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toMatchObject({ budgetId: hard.id, severity: 'CRITICAL', requestedNano: CENT });
  });

  it('ignores disabled budgets and CUSTOM budgets outside their window', async () => {
    const disabled = await budget({ limit: '0', enabled: false });
    const future = await budget({
      period: 'CUSTOM',
      limit: '0',
      startsAt: '2027-01-01T00:00:00Z',
      endsAt: '2027-02-01T00:00:00Z',
    });
    const held = await fx.reservations.reserve({
      requestId: requestId(),
      organizationId: ORG,
      budgets: [disabled, future],
      estimateNano: CENT,
    });
    expect(held).toBeNull();
  });

  it('refuses a reused request id and leaves the counters as they were', async () => {
    const daily = await budget({ limit: '1' });
    await fx.reservations.reserve({
      requestId: 'same',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    const error = await rejection(
      fx.reservations.reserve({
        requestId: 'same',
        organizationId: ORG,
        budgets: [daily],
        estimateNano: CENT,
      }),
    );
    expect(error.code).toBe('CONFLICT');
    expect((await counterOf(daily))?.reservedNano).toBe(CENT);
  });

  it('refuses with BUDGET_CHECK_UNAVAILABLE when the budget store is unreachable', async () => {
    const daily = await budget({ limit: '1' });
    await fx.connection.close();
    const error = await rejection(
      fx.reservations.reserve({
        requestId: requestId(),
        organizationId: ORG,
        budgets: [daily],
        estimateNano: CENT,
      }),
    );
    expect(error.code).toBe('BUDGET_CHECK_UNAVAILABLE');
    expect(error.status).toBe(503);
    await fx.stop(); // its database still runs; afterEach stops only the next fixture
    fx = await startBudgetFixture(); // afterEach needs an open fixture
  });

  it('seeds a new period counter with the spend already recorded in the window', async () => {
    await fx.stop();
    const seen: Date[] = [];
    fx = await startBudgetFixture({
      spend: {
        spentInWindow: async (_b, window) => {
          seen.push(window.start);
          return parseUsd('0.095');
        },
      },
    });
    const daily = await budget({ limit: '0.10' });
    const error = await rejection(
      fx.reservations.reserve({
        requestId: requestId(),
        organizationId: ORG,
        budgets: [daily],
        estimateNano: CENT,
      }),
    );
    expect(error.details).toMatchObject({ spent: '0.095', reserved: '0.00' });
    expect(seen.map((d) => d.toISOString())).toEqual(['2026-03-10T00:00:00.000Z']);
  });
});

describe('settle and release', () => {
  it('swaps the hold for the actual cost, once', async () => {
    const daily = await budget({ limit: '1' });
    await fx.reservations.reserve({
      requestId: 'r1',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    expect(await fx.reservations.settle('r1', parseUsd('0.004'))).toBe('SETTLED');
    expect(await fx.reservations.settle('r1', parseUsd('0.004'))).toBe('NOOP');
    expect(await fx.reservations.release('r1')).toBe(false);
    expect(await counterOf(daily)).toMatchObject({
      spentNano: parseUsd('0.004'),
      reservedNano: 0n,
      headroomNano: parseUsd('0.996'),
    });
  });

  it('releases on provider failure, once, and still counts spend settled afterwards', async () => {
    const daily = await budget({ limit: '1' });
    await fx.reservations.reserve({
      requestId: 'r2',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    expect(await fx.reservations.release('r2')).toBe(true);
    expect(await fx.reservations.release('r2')).toBe(false);
    expect(await counterOf(daily)).toMatchObject({
      reservedNano: 0n,
      spentNano: 0n,
      headroomNano: parseUsd('1'),
    });
    // The provider billed partial usage before failing: the cost job settles it late.
    expect(await fx.reservations.settle('r2', parseUsd('0.002'))).toBe('LATE');
    expect(await fx.reservations.settle('r2', parseUsd('0.002'))).toBe('NOOP');
    expect(await counterOf(daily)).toMatchObject({ reservedNano: 0n, spentNano: parseUsd('0.002') });
  });

  it('settles on the period the request was made in, even after midnight', async () => {
    const daily = await budget({ limit: '1', timezone: 'America/New_York' });
    fx.clock.set('2026-03-11T03:59:00Z'); // 23:59 in New York (EDT since March 8)
    await fx.reservations.reserve({
      requestId: 'late',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    const before = await counterOf(daily);
    fx.clock.set('2026-03-11T04:00:00Z'); // local midnight: a new period
    expect(await counterOf(daily)).toBeNull();
    await fx.reservations.settle('late', CENT);
    const old = await fx.models.Counter.findById(before!.id).lean();
    expect(old?.periodStart.toISOString()).toBe('2026-03-10T04:00:00.000Z');
    await fx.reservations.reserve({
      requestId: 'next-day',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    expect(await counterOf(daily)).toMatchObject({ spentNano: 0n, reservedNano: CENT });
  });

  it('trims a hold to what was consumed, handing the rest back at once, and never grows it', async () => {
    const daily = await budget({ limit: '1' });
    const project = await budget({ limit: '0.50', scope: 'ORGANIZATION', scopeId: ORG });
    await fx.reservations.reserve({
      requestId: 'cut',
      organizationId: ORG,
      budgets: [daily, project],
      estimateNano: CENT * 10n,
    });
    expect(await fx.reservations.trim('cut', parseUsd('0.03'))).toBe(true);
    expect(await fx.reservations.trim('cut', parseUsd('0.05'))).toBe(false);
    for (const b of [daily, project])
      expect(await counterOf(b)).toMatchObject({
        reservedNano: parseUsd('0.03'),
        headroomNano: b.limitNano - parseUsd('0.03'),
      });
    // Settling swaps what is still held for the actual cost.
    expect(await fx.reservations.settle('cut', parseUsd('0.02'))).toBe('SETTLED');
    expect(await counterOf(daily)).toMatchObject({ reservedNano: 0n, spentNano: parseUsd('0.02') });
    expect(await fx.reservations.trim('cut', 0n)).toBe(false);
    // Trimmed to nothing, a hold is released rather than left open at $0.
    await fx.reservations.reserve({
      requestId: 'gone',
      organizationId: ORG,
      budgets: [daily],
      estimateNano: CENT,
    });
    expect(await fx.reservations.trim('gone', 0n)).toBe(true);
    expect(await fx.models.Reservation.findById('gone').lean()).toMatchObject({ status: 'RELEASED' });
    expect(await counterOf(daily)).toMatchObject({ reservedNano: 0n });
    expect(await fx.reservations.trim('never-reserved', 0n)).toBe(false);
    await expect(fx.reservations.trim('cut', -1n)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('extends a hold on every budget it holds, all or nothing, and settles the grown hold', async () => {
    const daily = await budget({ limit: '0.10' });
    const org = await budget({ limit: '0.05', scope: 'ORGANIZATION', scopeId: ORG });
    const held = { organizationId: ORG, budgets: [daily, org], estimateNano: CENT };
    await fx.reservations.reserve({ ...held, requestId: 'loop' });
    await fx.reservations.reserve({ ...held, requestId: 'other' });

    // A tool step's worst case is added to the same reservation, on both budgets.
    expect(await fx.reservations.extend('loop', CENT)).toEqual({ status: 'extended' });
    for (const b of [daily, org]) expect(await counterOf(b)).toMatchObject({ reservedNano: 3n * CENT });
    const hold = async () => {
      const doc = await fx.models.Reservation.findById('loop').lean();
      return [doc!.estimateNano, ...doc!.items.map((i) => i.amountNano)].map((n) => BigInt(n as never));
    };
    expect(await hold()).toEqual([2n * CENT, 2n * CENT, 2n * CENT]);

    // $0.03 more does not fit the organisation's $0.02 left: nothing is added anywhere.
    const refused = await fx.reservations.extend('loop', 3n * CENT);
    expect(refused.status).toBe('refused');
    expect(refused.status === 'refused' && refused.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      details: { budgetId: org.id, limit: '0.05', spent: '0.00', reserved: '0.03', requested: '0.03' },
    });
    for (const b of [daily, org]) expect(await counterOf(b)).toMatchObject({ reservedNano: 3n * CENT });
    expect(await hold()).toEqual([2n * CENT, 2n * CENT, 2n * CENT]);
    expect(fx.published.map((a) => [a.kind, a.budgetId])).toContainEqual(['EXCEEDED', org.id]);

    // The cost job's single settle swaps the whole grown hold for the actual cost.
    expect(await fx.reservations.settle('loop', CENT)).toBe('SETTLED');
    expect(await counterOf(daily)).toMatchObject({ reservedNano: CENT, spentNano: CENT });
  });

  it('sets a hold to what was consumed and adds the next worst case in one go, keeping only the consumed part when refused', async () => {
    const daily = await budget({ limit: '0.10' });
    const org = await budget({ limit: '0.10', scope: 'ORGANIZATION', scopeId: ORG });
    await fx.reservations.reserve({
      requestId: 'step',
      organizationId: ORG,
      budgets: [daily, org],
      estimateNano: 4n * CENT,
    });
    // The first call cost $0.01 of its $0.04 hold; the next may cost $0.05.
    expect(await fx.reservations.extend('step', 5n * CENT, { consumed: CENT })).toEqual({
      status: 'extended',
    });
    for (const b of [daily, org]) expect(await counterOf(b)).toMatchObject({ reservedNano: 6n * CENT });
    // Then the calls so far cost $0.03 and the next may cost $0.08: $0.11 does not fit $0.10.
    const refused = await fx.reservations.extend('step', 8n * CENT, {
      consumed: 3n * CENT,
      budgets: [daily],
    });
    expect(refused).toMatchObject({ status: 'refused', error: { code: 'BUDGET_EXCEEDED' } });
    for (const b of [daily, org])
      expect(await counterOf(b)).toMatchObject({ reservedNano: 3n * CENT, headroomNano: 7n * CENT });
    const doc = await fx.models.Reservation.findById('step').lean();
    expect(
      [doc!.estimateNano, ...doc!.items.map((i) => i.amountNano)].map((n) => BigInt(n as never)),
    ).toEqual([3n * CENT, 3n * CENT, 3n * CENT]);
  });

  it('extends ALERT_ONLY budgets past their limit, and leaves closed or unknown holds alone', async () => {
    const alertOnly = await budget({ limit: '0.01', action: 'ALERT_ONLY' });
    await fx.reservations.reserve({
      requestId: 'loose',
      organizationId: ORG,
      budgets: [alertOnly],
      estimateNano: CENT,
    });
    expect(await fx.reservations.extend('loose', CENT)).toEqual({ status: 'extended' });
    expect(await counterOf(alertOnly)).toMatchObject({ reservedNano: 2n * CENT, headroomNano: -CENT });

    expect(await fx.reservations.release('loose')).toBe(true);
    expect(await fx.reservations.extend('loose', CENT)).toEqual({ status: 'closed' });
    expect(await counterOf(alertOnly)).toMatchObject({ reservedNano: 0n });
    expect(await fx.reservations.extend('never-reserved', CENT)).toEqual({ status: 'unknown' });
    await expect(fx.reservations.extend('loose', -1n)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('treats an unknown request id as nothing to do and refuses negative costs', async () => {
    expect(await fx.reservations.settle('never-reserved', CENT)).toBe('NOOP');
    expect(await fx.reservations.release('never-reserved')).toBe(false);
    await expect(fx.reservations.settle('x', -1n)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('reserve on counters this process already knows (one ordered command)', () => {
  const hold = (budgets: BudgetRecord[]) =>
    fx.reservations.reserve({ requestId: requestId(), organizationId: ORG, budgets, estimateNano: CENT });

  it('stops at the budget that has no room and undoes the ones before it', async () => {
    const roomy = await budget({ scope: 'USER', scopeId: 'u1', limit: '1' });
    const tight = await budget({ limit: '0.015' });
    await hold([roomy, tight]); // learns both counters
    const bulk = jest.spyOn(fx.models.Counter.collection, 'bulkWrite');
    const refused = await rejection(hold([roomy, tight]));
    expect(bulk).toHaveBeenCalledTimes(1);
    expect(refused.code).toBe('BUDGET_EXCEEDED');
    expect(refused.details).toMatchObject({ budgetId: tight.id, reserved: '0.01' });
    expect(await counterOf(roomy)).toMatchObject({ reservedNano: CENT });
    expect(await counterOf(tight)).toMatchObject({ reservedNano: CENT });
    await hold([roomy]);
    expect(await counterOf(roomy)).toMatchObject({ reservedNano: 2n * CENT });
    expect(bulk).toHaveBeenCalledTimes(2);
  });

  it('falls back to looking counters up when one it knew is gone, leaving no stray document', async () => {
    const a = await budget({ scope: 'USER', scopeId: 'u1', limit: '1' });
    const b = await budget({ limit: '1' });
    await hold([a, b]);
    await fx.models.Counter.deleteOne({ budgetId: b.id }); // e.g. its period's counter was removed elsewhere
    await hold([a, b]);
    expect(await counterOf(a)).toMatchObject({ reservedNano: 2n * CENT });
    expect(await counterOf(b)).toMatchObject({ reservedNano: CENT });
    expect(await fx.models.Counter.countDocuments()).toBe(2);
    await hold([a, b]); // and the new counter is known from then on
    expect(await counterOf(b)).toMatchObject({ reservedNano: 2n * CENT });
  });
});

describe('the reservation written alongside its increments', () => {
  const hold = (budgets: BudgetRecord[], id = requestId()) =>
    fx.reservations.reserve({ requestId: id, organizationId: ORG, budgets, estimateNano: CENT });

  it('is PENDING until its increments are confirmed, then HELD; settle and release take either', async () => {
    const b = await budget({ limit: '1' });
    await hold([b]); // learns the counter
    const flip = jest.spyOn(fx.models.Reservation.collection, 'updateOne');
    await hold([b], 'fast-1');
    expect(flip).toHaveBeenCalledWith({ _id: 'fast-1', status: 'PENDING' }, { $set: { status: 'HELD' } });
    await flip.mock.results[0]!.value;
    expect(await fx.models.Reservation.findById('fast-1').lean()).toMatchObject({ status: 'HELD' });
    // A reservation whose confirmation never landed is still settled and released normally.
    flip.mockImplementation(async () => ({}) as never);
    await hold([b], 'fast-2');
    await hold([b], 'fast-3');
    expect(await fx.models.Reservation.countDocuments({ status: 'PENDING' })).toBe(2);
    expect(await fx.reservations.settle('fast-2', parseUsd('0.004'))).toBe('SETTLED');
    expect(await fx.reservations.release('fast-3')).toBe(true);
    expect(await counterOf(b)).toMatchObject({ spentNano: parseUsd('0.004'), reservedNano: 2n * CENT });
  });

  it('leaves no record when a budget refuses', async () => {
    const b = await budget({ limit: '0.015' });
    await hold([b]);
    await rejection(hold([b], 'refused'));
    expect(await fx.models.Reservation.findById('refused').lean()).toBeNull();
    expect(await counterOf(b)).toMatchObject({ reservedNano: CENT });
  });
});
