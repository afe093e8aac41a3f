/**
 * The MongoDB stores on the project's database chain: idempotent inserts, exact Decimal128
 * money round trips, filters and cursor pages, append-only price history.
 */
import type { Db } from 'mongodb';

import { InMemoryConversationStore } from '../../src/conversations/conversation-store';
import { MongoConversationStore } from '../../src/conversations/mongo-conversation-store';
import { zeroCost } from '../../src/costs/cost-calculator';
import type { CostRecord } from '../../src/costs/cost-record';
import { MongoCostRecordStore, MongoUsageEventStore } from '../../src/costs/mongo-cost-stores';
import type { UsageEvent } from '../../src/costs/usage-event';
import { MongoPriceOverrideStore } from '../../src/pricing/mongo-price-override-store';
import { PricingService } from '../../src/pricing/pricing-service';
import { makeUsage } from '../../src/providers/usage/normalised-usage';
import { storedMessage } from '../fixtures/messages';
import { useTestDb } from '../db/support';

let db: Db;
const ctx = useTestDb();
beforeAll(() => {
  db = ctx().db;
});

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

function record(id: string, over: Partial<CostRecord> = {}): CostRecord {
  return {
    id,
    kind: 'charge',
    adjusts: null,
    usageEventId: id,
    organizationId: 'org',
    projectId: 'p1',
    userId: 'u1',
    apiKeyId: 'k1',
    requestId: id,
    conversationId: null,
    messageId: null,
    provider: 'openai',
    model: 'gpt-4o',
    status: 'priced',
    usage: makeUsage({ inputUncached: 5, output: 2 }),
    cost: { ...zeroCost(), inputUncached: 123_456_789_012n, output: -1n, total: 123_456_789_011n },
    priceVersions: ['catalog:openai/gpt-4o@2024-10-02'],
    modelCalls: 1,
    requestCount: 1,
    unpricedDelta: 0,
    usageIncomplete: false,
    latencyMs: 12,
    requestedAt: at(1),
    recordedAt: at(2),
    ...over,
  };
}

describe('MongoCostRecordStore', () => {
  it('stores each record once and reads money back exactly', async () => {
    const store = new MongoCostRecordStore(db);
    await store.ensureIndexes();
    expect(await store.insert(record('a'))).toBe(true);
    expect(await store.insert(record('a', { model: 'changed' }))).toBe(false);
    const [read] = await store.forUsageEvent('a');
    expect(read).toEqual(record('a'));
  });

  it('filters and pages newest first with a stable cursor', async () => {
    const store = new MongoCostRecordStore(db);
    for (const [id, minute, project] of [
      ['b1', 10, 'p1'],
      ['b2', 11, 'p2'],
      ['b3', 11, 'p1'],
      ['b4', 12, 'p1'],
    ] as const) {
      await store.insert(
        record(id, { organizationId: 'org-b', requestedAt: at(minute), projectId: project }),
      );
    }
    const first = await store.find({ organizationId: 'org-b' }, { first: 2 });
    expect(first.map((r) => r.id)).toEqual(['b4', 'b3']);
    const next = await store.find({ organizationId: 'org-b' }, { first: 10, after: first[1] });
    expect(next.map((r) => r.id)).toEqual(['b2', 'b1']);
    const filtered = await store.find({
      organizationId: 'org-b',
      projectIds: ['p1'],
      from: at(11),
      to: at(12),
      kind: 'charge',
      provider: 'openai',
      model: 'gpt-4o',
      userId: 'u1',
      apiKeyId: 'k1',
      projectId: 'p1',
    });
    expect(filtered.map((r) => r.id)).toEqual(['b3']);
  });
});

describe('MongoUsageEventStore', () => {
  it('is idempotent by id and round-trips the event', async () => {
    const store = new MongoUsageEventStore(db);
    const event: UsageEvent = {
      id: 'ue_1',
      organizationId: 'org',
      projectId: null,
      userId: 'u',
      apiKeyId: 'k',
      requestId: '1',
      conversationId: null,
      messageId: null,
      provider: 'mock',
      model: 'mock-small',
      calls: [{ index: 0, usage: makeUsage({ inputUncached: 3 }), partial: false, usageSource: 'raw' }],
      outcome: 'succeeded',
      requestedAt: at(3),
      latencyMs: 5,
    };
    expect(await store.insert(event)).toBe(true);
    expect(await store.insert(event)).toBe(false);
    expect(await store.get('ue_1')).toEqual(event);
    expect(await store.get('ue_2')).toBeNull();
  });
});

describe('MongoPriceOverrideStore', () => {
  it('keeps the full price history and serves the pricing service exactly', async () => {
    const pricing = new PricingService(new MongoPriceOverrideStore(db));
    await pricing.setModelPrice('org', {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '3.000000001',
      outputPerMTok: '15',
      effectiveFrom: '2025-01-01',
      tiers: [{ abovePromptTokens: 100, inputPerMTok: '6', outputPerMTok: '30' }],
    });
    await pricing.setModelPrice(
      'org',
      {
        provider: 'xai',
        model: 'grok-4',
        inputPerMTok: '2',
        cachedInputPerMTok: '0.5',
        outputPerMTok: '10',
        effectiveFrom: '2025-06-01',
      },
      'u1',
    );
    const early = await pricing.resolvePrice({
      organizationId: 'org',
      provider: 'xai',
      model: 'grok-4',
      at: new Date('2025-03-01'),
    });
    const late = await pricing.resolvePrice({
      organizationId: 'org',
      provider: 'xai',
      model: 'grok-4',
      at: new Date('2025-07-01'),
    });
    expect(early.status === 'priced' && early.price.rates.input).toBe(3_000_000_001n);
    expect(early.status === 'priced' && early.price.tiers[0]?.rates.output).toBe(30_000_000_000n);
    expect(late.status === 'priced' && late.price).toMatchObject({
      source: 'set by u1',
      rates: { cachedInput: 500_000_000n },
    });
    expect((await pricing.listModelPrices('org', { provider: 'xai' }))[0]?.history).toHaveLength(2);
  });
});

describe('MongoConversationStore', () => {
  it('behaves like the in-memory store', async () => {
    for (const store of [new MongoConversationStore(db), new InMemoryConversationStore()]) {
      if (store instanceof MongoConversationStore) await store.ensureIndexes();
      const base = { organizationId: 'org-c', projectId: 'p1', userId: 'u1', title: 't' };
      await store.create({ id: 'c1', ...base, createdAt: at(1), updatedAt: at(1) });
      await store.create({ id: 'c2', ...base, createdAt: at(2), updatedAt: at(2) });
      await store.touch('c1', at(5));
      const message = { conversationId: 'c1', organizationId: 'org-c', createdAt: at(5) };
      await store.addMessages([
        storedMessage({ id: 'm1', role: 'user', content: 'q', ...message }),
        storedMessage({ id: 'm2', role: 'assistant', content: 'a', ...message }),
      ]);
      expect((await store.messages('c1')).map((m) => m.content)).toEqual(['q', 'a']);
      const [first] = await store.list(
        { organizationId: 'org-c', projectIds: ['p1'], userId: 'u1' },
        { first: 1 },
      );
      expect(first?.id).toBe('c1');
      expect(
        (await store.list({ organizationId: 'org-c' }, { first: 5, after: first })).map((c) => c.id),
      ).toEqual(['c2']);
      expect(await store.get('nope')).toBeNull();
    }
  });
});
