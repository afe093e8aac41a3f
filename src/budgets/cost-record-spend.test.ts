import { zeroCost } from '../costs/cost-calculator';
import type { CostRecord } from '../costs/cost-record';
import { InMemoryCostRecordStore } from '../costs/cost-stores';
import { emptyUsage } from '../providers/usage/normalised-usage';
import { parseUsd } from '../shared/money';
import { parseCreateBudget } from './budget-input';
import type { BudgetRecord } from './budget-record';
import { CostRecordSpendSource } from './cost-record-spend';

const DAY = { start: new Date('2026-03-10T00:00:00Z'), end: new Date('2026-03-11T00:00:00Z') };
let seq = 0;

function record(fields: Partial<CostRecord> & { usd: string }): CostRecord {
  seq += 1;
  const { usd, ...rest } = fields;
  return {
    id: `r${seq}`,
    kind: 'charge',
    adjusts: null,
    usageEventId: `u${seq}`,
    organizationId: 'org-1',
    projectId: 'p1',
    userId: 'u1',
    apiKeyId: 'k1',
    requestId: `req-${seq}`,
    conversationId: null,
    messageId: null,
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 'priced',
    usage: emptyUsage(),
    cost: { ...zeroCost(), total: parseUsd(usd) },
    priceVersions: [],
    modelCalls: 1,
    requestCount: 1,
    unpricedDelta: 0,
    usageIncomplete: false,
    latencyMs: 1,
    requestedAt: new Date('2026-03-10T12:00:00Z'),
    recordedAt: new Date('2026-03-10T12:00:01Z'),
    ...rest,
  };
}

function budget(scope: string, scopeId: string): BudgetRecord {
  const input = parseCreateBudget({ scope, scopeId, period: 'DAILY', limit: '10' });
  return {
    ...input,
    id: 'b1',
    organizationId: 'org-1',
    name: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

async function storeWith(records: CostRecord[]) {
  const store = new InMemoryCostRecordStore();
  for (const r of records) await store.insert(r);
  return store;
}

describe('CostRecordSpendSource', () => {
  it("sums the records of the budget's scope inside the window, adjustments included", async () => {
    const store = await storeWith([
      record({ usd: '0.10' }),
      record({ usd: '0.02', kind: 'adjustment', requestId: 'req-1' }),
      record({ usd: '0.20', projectId: 'p2', userId: 'u2', apiKeyId: 'k2' }),
      record({ usd: '5', requestedAt: new Date('2026-03-09T23:59:59.999Z') }),
      record({ usd: '7', requestedAt: DAY.end }),
      record({ usd: '9', organizationId: 'org-2' }),
    ]);
    const source = new CostRecordSpendSource(store);
    expect(await source.spentInWindow(budget('PROJECT', 'p1'), DAY)).toBe(parseUsd('0.12'));
    expect(await source.spentInWindow(budget('USER', 'u2'), DAY)).toBe(parseUsd('0.20'));
    expect(await source.spentInWindow(budget('API_KEY', 'k1'), DAY)).toBe(parseUsd('0.12'));
    expect(await source.spentInWindow(budget('ORGANIZATION', 'org-1'), DAY)).toBe(parseUsd('0.32'));
    expect(await source.spentInWindow(budget('ORGANIZATION', 'org-2'), DAY)).toBe(0n);
    expect(
      await source.spentInWindow(budget('ORGANIZATION', 'org-1'), { start: new Date(0), end: null }),
    ).toBe(parseUsd('12.32'));
  });

  it('sums in the store in one query, leaving out requests still held (their hold counts as reserved)', async () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      record({ usd: '0.01', requestedAt: new Date(Date.parse('2026-03-10T01:00:00Z') + (i % 3) * 1000) }),
    );
    const store = await storeWith(many);
    const source = new CostRecordSpendSource(store);
    const breakdown = jest.spyOn(store, 'breakdown');
    expect(await source.spentInWindow(budget('PROJECT', 'p1'), DAY)).toBe(parseUsd('0.25'));
    const held = [many[0]!.requestId, many[24]!.requestId];
    expect(await source.spentInWindow(budget('PROJECT', 'p1'), DAY, held)).toBe(parseUsd('0.23'));
    expect(breakdown).toHaveBeenCalledTimes(2);
  });
});
