import { estimateRecord, estimateVoid } from '../../costs/estimate-records';
import { factsFromCostRecord } from './record-facts';
import { factMetrics } from './facts';

it('counts an estimated charge in the cost rollups, and its void takes it back out exactly', () => {
  const estimate = estimateRecord(
    {
      requestId: 'r1',
      organizationId: 'o',
      projectId: 'p',
      userId: 'u',
      apiKeyId: 'k',
      provider: 'mock',
      model: 'm',
      requestedAt: new Date('2026-01-01T10:00:00Z'),
      amountNano: 12_345n,
      reason: 'HOLD_EXPIRED',
    },
    new Date('2026-01-01T10:15:00Z'),
  );
  const charge = { ...estimate, id: 'ue_r1', kind: 'charge' as const, status: 'priced' as const };
  const costOf = (facts: ReturnType<typeof factsFromCostRecord>) =>
    facts.reduce((sum, f) => sum + factMetrics(f).costNano, 0n);
  const estimated = factsFromCostRecord(estimate, null);
  const voided = factsFromCostRecord(estimateVoid(estimate, charge, new Date()), null);
  // Only cost: no response arrived, so no tokens, latency or request are made up.
  expect(estimated.map((f) => f.kind)).toEqual(['COST']);
  expect(costOf(estimated)).toBe(12_345n);
  expect(costOf(voided)).toBe(-12_345n);
  // The void lands in the estimate's bucket (same request time), so every report nets to zero.
  expect(voided[0]!.occurredAt).toEqual(estimated[0]!.occurredAt);
});
