/**
 * Budget settlement as a listener of its own on CostCalculated: each request's hold becomes its
 * actual cost once the cost record is stored. It is queued through the outbox like cost tracking
 * but separate from it, so a budgets fault retries settlement only, never the pricing of a
 * request, and cost tracking does not call budgets at all.
 *
 * What each kind of cost record does to budget spend:
 * - charge: settles the request's hold with the amount (idempotent per request id);
 * - adjustment (repricing): added to the spend of the budgets the request was held on, once per
 *   adjustment, so counters keep equalling the cost records between sweeper repairs;
 * - estimate, and the adjustment that voids one: nothing here. The sweeper's expiry already moved
 *   the estimate to spent, and settling the late charge corrects it by actual − estimate.
 */
import type { CostRecordStore } from '../costs/cost-stores';
import type { DomainEvent, EventBus } from '../events';
import { estimateIdFor } from '../costs/cost-record';
import type { ReservationService } from './reservation.service';

export const BUDGET_SETTLEMENT_LISTENER = 'budget-settlement';

/** What settling one record needs: carried by v2 events, read from the record for v1 ones. */
interface Settlement {
  requestId: string;
  kind: 'charge' | 'adjustment' | 'estimate';
  amountNano: bigint;
  costRecordId: string;
  adjusts: string | null;
  usageEventId: string;
}

export interface SettlementDeps {
  reservations: Pick<ReservationService, 'settle' | 'adjust'>;
  /** Reads cost records of v1 events (written before the event carried the amount). */
  records: Pick<CostRecordStore, 'byIds'>;
}

export function registerBudgetSettlement(events: EventBus, deps: SettlementDeps): void {
  const settleAll = async (batch: DomainEvent<'CostCalculated'>[]) => {
    const byRequest = new Map<string, Settlement[]>();
    for (const s of await settlementsOf(batch, deps.records))
      byRequest.set(s.requestId, [...(byRequest.get(s.requestId) ?? []), s]);
    // Requests side by side; the records of one request (a charge, its repricing) in order.
    const outcomes = await Promise.allSettled(
      [...byRequest.values()].map(async (records) => {
        for (const s of records) await settleOne(s, deps.reservations);
      }),
    );
    // Settled ones stay settled: the retry (event by event) finds them done and changes nothing.
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
  };
  events.listen({
    event: 'CostCalculated',
    name: BUDGET_SETTLEMENT_LISTENER,
    mode: 'queued',
    // Until the budget store answers again; the sweeper repairs what stays undone.
    retry: { maxRetries: 10 },
    handle: (event) => settleAll([event]),
    handleBatch: (batch) => settleAll(batch),
    // Settle is keyed by request id and adjust by adjustment id: a replay changes nothing.
    selfIdempotent: true,
  });
}

async function settleOne(s: Settlement, reservations: SettlementDeps['reservations']): Promise<void> {
  if (s.kind === 'charge') await reservations.settle(s.requestId, s.amountNano);
  else if (s.kind === 'adjustment' && s.adjusts !== estimateIdFor(s.usageEventId))
    await reservations.adjust(s.requestId, s.costRecordId, s.amountNano);
}

async function settlementsOf(
  batch: DomainEvent<'CostCalculated'>[],
  records: SettlementDeps['records'],
): Promise<Settlement[]> {
  const old = batch.filter((e) => !isComplete(e.payload)).map((e) => e.payload.costRecordId);
  const stored = old.length > 0 ? await records.byIds(old) : new Map();
  return batch.flatMap((event): Settlement[] => {
    const p = event.payload;
    if (isComplete(p)) {
      return [
        {
          requestId: p.requestId,
          kind: p.kind,
          amountNano: BigInt(p.amountNano),
          costRecordId: p.costRecordId,
          adjusts: p.adjusts ?? null,
          usageEventId: p.usageEventId,
        },
      ];
    }
    // A v1 event whose record is gone has nothing left to settle; the sweeper repairs the counter.
    const record = stored.get(p.costRecordId)?.record;
    if (!record) return [];
    return [
      {
        requestId: record.requestId,
        kind: record.kind,
        amountNano: record.cost.total,
        costRecordId: record.id,
        adjusts: record.adjusts,
        usageEventId: record.usageEventId,
      },
    ];
  });
}

type Payload = DomainEvent<'CostCalculated'>['payload'];

function isComplete(p: Payload): p is Payload & Required<Pick<Payload, 'requestId' | 'kind' | 'amountNano'>> {
  return p.requestId !== undefined && p.kind !== undefined && p.amountNano !== undefined;
}
