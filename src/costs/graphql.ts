/**
 * GraphQL for costs: money and token shapes shared with conversations, `costRecords`
 * (cursor-paginated), `costBreakdown(filter, groupBy, timezone)` and the `costUpdates`
 * subscription. Resolvers only call services; every read is limited to what the caller may see.
 */
import type { NormalisedUsage } from '../providers/usage/normalised-usage';
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import { formatUsd } from '../shared/money';
import { COST_GROUP_BY, type CostGroup, type CostGroupBy } from './cost-breakdown';
import type { CostBreakdown, PricedRequest } from './cost-calculator';
import {
  recordVisibleTo,
  visibleCostFilter,
  type CostBreakdownResult,
  type CostQueryFilter,
} from './cost-query-service';
import { ESTIMATE_REASON_MESSAGES, type CostRecord, type CostTotals } from './cost-record';
import { matchesFilter } from './cost-stores';
import { decodeCursor, encodeCursor } from './page-cursor';

function caller(ctx: Context) {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}

export const TokenUsageRef = builder.objectRef<NormalisedUsage>('TokenUsage').implement({
  description:
    'Tokens by kind; each token is in exactly one kind. Whole numbers (Float because totals can exceed 32 bits).',
  fields: (t) => ({
    inputUncached: t.exposeFloat('inputUncached'),
    cacheRead: t.exposeFloat('cacheRead'),
    cacheWrite5m: t.exposeFloat('cacheWrite5m'),
    cacheWrite1h: t.exposeFloat('cacheWrite1h'),
    output: t.exposeFloat('output'),
    reasoning: t.exposeFloat('reasoning'),
    total: t.float({
      resolve: (u) =>
        u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h + u.output + u.reasoning,
    }),
  }),
});

export const CostAmountsRef = builder.objectRef<CostBreakdown>('CostAmounts').implement({
  description: 'USD per usage kind, exact; total is their sum.',
  fields: (t) => ({
    inputUncached: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.inputUncached) }),
    cacheRead: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.cacheRead) }),
    cacheWrite5m: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.cacheWrite5m) }),
    cacheWrite1h: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.cacheWrite1h) }),
    output: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.output) }),
    reasoning: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.reasoning) }),
    total: t.field({ type: 'Decimal', resolve: (c) => formatUsd(c.total) }),
  }),
});

const CostStatusEnum = builder.enumType('CostStatus', {
  values: {
    PRICED: {},
    UNPRICED: { description: 'No price is known: the amount is unknown, not zero.' },
    ESTIMATED: {
      description:
        "The actual cost is unknown and the budget hold's worst case is charged in its place (see estimateReason).",
    },
  } as const,
});
const toStatus = (status: CostRecord['status']) =>
  status === 'priced' ? 'PRICED' : status === 'unpriced' ? 'UNPRICED' : 'ESTIMATED';

const EstimateReasonEnum = builder.enumType('CostEstimateReason', {
  values: {
    HOLD_EXPIRED: { description: ESTIMATE_REASON_MESSAGES.HOLD_EXPIRED },
  } as const,
});

export const RequestCostRef = builder.objectRef<PricedRequest>('RequestCost').implement({
  description: 'What a request cost. UNPRICED means no price is known: the amount is unknown, not zero.',
  fields: (t) => ({
    status: t.field({ type: CostStatusEnum, resolve: (c) => toStatus(c.status) }),
    amount: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (c) => (c.status === 'priced' ? formatUsd(c.cost.total) : null),
    }),
    breakdown: t.field({ type: CostAmountsRef, resolve: (c) => c.cost }),
    priceVersions: t.exposeStringList('priceVersions'),
    modelCalls: t.int({ resolve: (c) => c.calls.length }),
  }),
});

const CostRecordKindEnum = builder.enumType('CostRecordKind', {
  values: ['CHARGE', 'ADJUSTMENT', 'ESTIMATE'] as const,
});
const toKind = (kind: CostRecord['kind']) =>
  kind === 'charge' ? 'CHARGE' : kind === 'adjustment' ? 'ADJUSTMENT' : 'ESTIMATE';

export const CostRecordRef = builder.objectRef<CostRecord>('CostRecord').implement({
  description:
    'An immutable cost record: one CHARGE per request, ADJUSTMENTs when it is repriced. An ESTIMATE stands in for a charge that never came (the process died mid-call); an ADJUSTMENT voids it if the charge arrives later.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({
      type: CostRecordKindEnum,
      resolve: (r) => toKind(r.kind),
    }),
    adjusts: t.id({ nullable: true, resolve: (r) => r.adjusts }),
    status: t.field({ type: CostStatusEnum, resolve: (r) => toStatus(r.status) }),
    estimateReason: t.field({
      type: EstimateReasonEnum,
      nullable: true,
      description: 'ESTIMATED records: why the actual cost is unknown.',
      resolve: (r) => r.estimateReason ?? null,
    }),
    estimateMessage: t.string({
      nullable: true,
      description: 'ESTIMATED records: what happened, in words.',
      resolve: (r) => (r.estimateReason ? ESTIMATE_REASON_MESSAGES[r.estimateReason] : null),
    }),
    organizationId: t.exposeID('organizationId'),
    projectId: t.id({ nullable: true, resolve: (r) => r.projectId }),
    userId: t.id({ nullable: true, resolve: (r) => r.userId }),
    apiKeyId: t.id({ nullable: true, resolve: (r) => r.apiKeyId }),
    requestId: t.exposeID('requestId'),
    conversationId: t.id({ nullable: true, resolve: (r) => r.conversationId }),
    messageId: t.id({ nullable: true, resolve: (r) => r.messageId }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    usage: t.field({ type: TokenUsageRef, resolve: (r) => r.usage }),
    cost: t.field({ type: CostAmountsRef, resolve: (r) => r.cost }),
    priceVersions: t.exposeStringList('priceVersions'),
    modelCalls: t.exposeInt('modelCalls'),
    usageIncomplete: t.exposeBoolean('usageIncomplete'),
    latencyMs: t.exposeInt('latencyMs'),
    requestedAt: t.field({ type: 'DateTime', resolve: (r) => r.requestedAt }),
    recordedAt: t.field({ type: 'DateTime', resolve: (r) => r.recordedAt }),
  }),
});

const CostFilterInput = builder.inputType('CostFilter', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Exclusive.' }),
    organizationId: t.id(),
    projectId: t.id(),
    userId: t.id(),
    apiKeyId: t.id(),
    provider: t.string(),
    model: t.string(),
  }),
});

const CostGroupByEnum = builder.enumType('CostGroupBy', { values: COST_GROUP_BY });

const CostGroupKeyRef = builder.objectRef<CostGroup['key']>('CostGroupKey').implement({
  description: 'The group’s value for each requested dimension (null when not grouped by it or absent).',
  fields: (t) => {
    const dim = (by: CostGroupBy) => t.string({ nullable: true, resolve: (k) => k[by] ?? null });
    return {
      provider: dim('PROVIDER'),
      model: dim('MODEL'),
      userId: dim('USER'),
      projectId: dim('PROJECT'),
      organizationId: dim('ORGANIZATION'),
      apiKeyId: dim('API_KEY'),
      hour: dim('HOUR'),
      day: dim('DAY'),
      week: dim('WEEK'),
      month: dim('MONTH'),
    };
  },
});

const CostTotalsRef = builder.objectRef<CostTotals>('CostTotals').implement({
  fields: (t) => ({
    cost: t.field({ type: CostAmountsRef, resolve: (x) => x.cost }),
    tokens: t.field({ type: TokenUsageRef, resolve: (x) => x.usage }),
    requests: t.exposeInt('requests'),
    unpricedRequests: t.exposeInt('unpricedRequests', {
      description: 'Requests whose cost is still unknown.',
    }),
  }),
});

const CostGroupRef = builder.objectRef<CostGroup>('CostGroup').implement({
  fields: (t) => ({
    key: t.field({ type: CostGroupKeyRef, resolve: (g) => g.key }),
    totals: t.field({ type: CostTotalsRef, resolve: (g) => g.totals }),
  }),
});

const CostBreakdownRef = builder.objectRef<CostBreakdownResult>('CostBreakdown').implement({
  description: 'Groups and their grand total; group totals add up to the total exactly.',
  fields: (t) => ({
    groups: t.field({ type: [CostGroupRef], resolve: (b) => b.groups }),
    total: t.field({ type: CostTotalsRef, resolve: (b) => b.total }),
  }),
});

const CostRecordEdgeRef = builder.objectRef<CostRecord>('CostRecordEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (r) => encodeCursor(r.requestedAt, r.id) }),
    node: t.field({ type: CostRecordRef, resolve: (r) => r }),
  }),
});

const CostRecordConnectionRef = builder
  .objectRef<{ records: CostRecord[]; hasNextPage: boolean }>('CostRecordConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [CostRecordEdgeRef], resolve: (c) => c.records }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.string({
        nullable: true,
        resolve: (c) => {
          const last = c.records.at(-1);
          return last ? encodeCursor(last.requestedAt, last.id) : null;
        },
      }),
    }),
  });

const toFilter = (filter: Record<string, unknown> | null | undefined): CostQueryFilter =>
  (filter ?? {}) as CostQueryFilter;

builder.queryFields((t) => ({
  costBreakdown: t.field({
    type: CostBreakdownRef,
    args: {
      filter: t.arg({ type: CostFilterInput }),
      groupBy: t.arg({ type: [CostGroupByEnum], required: true }),
      timezone: t.arg.string({
        defaultValue: 'UTC',
        description: 'IANA zone for HOUR/DAY/WEEK/MONTH groups.',
      }),
    },
    resolve: (_r, args, ctx) =>
      ctx.services.costQueries.breakdown(
        caller(ctx),
        toFilter(args.filter),
        args.groupBy,
        args.timezone ?? 'UTC',
      ),
  }),
  costRecords: t.field({
    type: CostRecordConnectionRef,
    args: { filter: t.arg({ type: CostFilterInput }), first: t.arg.int(), after: t.arg.string() },
    resolve: (_r, args, ctx) => {
      const after = args.after ? decodeCursor(args.after) : undefined;
      return ctx.services.costQueries.records(caller(ctx), toFilter(args.filter), {
        first: args.first ?? undefined,
        after: after && { requestedAt: after.at, id: after.id },
      });
    },
  }),
}));

builder.subscriptionField('costUpdates', (t) =>
  t.field({
    type: CostRecordRef,
    description:
      'Cost records as they are written (charges and adjustments) that match the filter and you may see.',
    args: { filter: t.arg({ type: CostFilterInput }) },
    subscribe: (_r, args, ctx) => {
      const who = caller(ctx);
      const scope = visibleCostFilter(who, toFilter(args.filter));
      return filterAsync(
        ctx.pubsub.subscribe('costUpdated', who.organizationId),
        (record) => recordVisibleTo(who, record) && matchesFilter(record, scope),
      );
    },
    resolve: (record) => record,
  }),
);

async function* filterAsync<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  for await (const value of source) if (keep(value)) yield value;
}
