import { createEvent } from '../../src/events/event';
import { fakeEvents } from '../helpers/events';

const budget = (budgetId: string) =>
  createEvent('BudgetExceeded', {
    organizationId: 'o1',
    budgetId,
    periodStart: '2026-01-01T00:00:00.000Z',
    spentUsd: '10.5',
    limitUsd: '10',
  });

describe('fakeEvents()', () => {
  it('records dispatched events and asserts on them', async () => {
    const events = fakeEvents();
    events.assertNothingDispatched();
    await events.dispatch(budget('b1'));
    await events.dispatch(budget('b2'));
    expect(
      events.assertDispatched('BudgetExceeded', (e) => e.payload.budgetId === 'b2').payload.budgetId,
    ).toBe('b2');
    events.assertDispatchedTimes('BudgetExceeded', 2);
    events.assertNotDispatched('CostCalculated');
    expect(() => events.assertNotDispatched('BudgetExceeded')).toThrow(/2 time/);
    expect(() => events.assertDispatched('CostCalculated')).toThrow(
      /dispatched: BudgetExceeded, BudgetExceeded/,
    );
    expect(() => events.assertDispatchedTimes('BudgetExceeded', 1)).toThrow(/was 2/);
    expect(() => events.assertNothingDispatched()).toThrow();
    events.clear();
    events.assertNothingDispatched();
  });

  it('validates like the real bus', async () => {
    const events = fakeEvents();
    await expect(events.dispatch({ ...budget('b1'), payload: { budgetId: 'b1' } } as never)).rejects.toThrow(
      /organizationId/,
    );
  });

  it('waits for an event dispatched later, and times out clearly', async () => {
    const events = fakeEvents();
    setTimeout(() => void events.dispatch(budget('late')), 10);
    await expect(events.waitFor('BudgetExceeded')).resolves.toMatchObject({ payload: { budgetId: 'late' } });
    await expect(events.waitFor('CostCalculated', undefined, 20)).rejects.toThrow(
      /Timed out waiting for CostCalculated/,
    );
  });

  it('records listeners and can pass events through to another bus', async () => {
    const inner = fakeEvents();
    const events = fakeEvents({ passThrough: inner });
    events.listen({ event: 'BudgetExceeded', name: 'alerts', mode: 'queued', handle: () => undefined });
    await events.dispatch(budget('b1'));
    expect(events.listeners).toEqual([{ event: 'BudgetExceeded', name: 'alerts', mode: 'queued' }]);
    expect(inner.listeners).toHaveLength(1);
    inner.assertDispatchedTimes('BudgetExceeded', 1);
  });
});
