/**
 * GraphQL for budgets: createBudget/updateBudget/deleteBudget, budgets(filter) with status
 * inline, budgetStatus, budgetAlerts, acknowledgeAlert, and the budgetAlerts /
 * budgetStatusChanged subscriptions. Resolvers are thin: the budget services do the work,
 * including validation and authorisation per budget.
 */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import { formatUsd } from '../shared/money';
import type { BudgetAlert } from './alert.service';
import { canReadBudget } from './budget-access';
import { BUDGET_ACTIONS, BUDGET_SCOPES } from './budget-input';
import type { BudgetRecord } from './budget-record';
import type { BudgetStatus } from './budget.service';
import type { BudgetFeature } from './feature';
import { ALERT_KINDS, ALERT_SEVERITIES } from './models/budget-alert.model';
import { BUDGET_PERIODS } from './period';

function caller(ctx: Context) {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}
const budgets = (ctx: Context) => (ctx.services as unknown as { budgets: BudgetFeature }).budgets;

const Scope = builder.enumType('BudgetScope', { values: BUDGET_SCOPES });
const Period = builder.enumType('BudgetPeriod', { values: BUDGET_PERIODS });
const Action = builder.enumType('BudgetAction', { values: BUDGET_ACTIONS });
const Kind = builder.enumType('BudgetAlertKind', { values: ALERT_KINDS });
const Severity = builder.enumType('AlertSeverity', { values: ALERT_SEVERITIES });

const AlertRef = builder.objectRef<BudgetAlert>('BudgetAlert').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    budgetId: t.exposeID('budgetId'),
    scope: t.field({ type: Scope, resolve: (a) => a.scope }),
    scopeId: t.exposeString('scopeId'),
    period: t.field({ type: Period, resolve: (a) => a.period }),
    kind: t.field({ type: Kind, resolve: (a) => a.kind }),
    threshold: t.int({ nullable: true, resolve: (a) => a.threshold }),
    severity: t.field({ type: Severity, resolve: (a) => a.severity }),
    spent: t.field({ type: 'Decimal', resolve: (a) => formatUsd(a.spentNano) }),
    limit: t.field({ type: 'Decimal', resolve: (a) => formatUsd(a.limitNano) }),
    requested: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (a) => (a.requestedNano === null ? null : formatUsd(a.requestedNano)),
    }),
    projected: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (a) => (a.projectedNano === null ? null : formatUsd(a.projectedNano)),
    }),
    periodStart: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.periodStart }),
    periodEnd: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.periodEnd }),
    message: t.exposeString('message'),
    createdAt: t.field({ type: 'DateTime', resolve: (a) => a.createdAt }),
    acknowledgedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.acknowledgedAt }),
  }),
});

const StatusRef = builder.objectRef<BudgetStatus>('BudgetStatus').implement({
  fields: (t) => ({
    budgetId: t.exposeID('budgetId'),
    spent: t.field({ type: 'Decimal', resolve: (s) => formatUsd(s.spentNano) }),
    reserved: t.field({ type: 'Decimal', resolve: (s) => formatUsd(s.reservedNano) }),
    remaining: t.field({ type: 'Decimal', resolve: (s) => formatUsd(s.remainingNano) }),
    percentUsed: t.float({ resolve: (s) => s.percentUsed }),
    periodStart: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.periodStart }),
    periodEnd: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.periodEnd }),
    projectedSpend: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (s) => (s.projectedNano === null ? null : formatUsd(s.projectedNano)),
    }),
    latestAlerts: t.field({ type: [AlertRef], resolve: (s) => s.latestAlerts }),
  }),
});

const BudgetRef = builder.objectRef<BudgetRecord>('Budget').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.string({ nullable: true, resolve: (b) => b.name }),
    scope: t.field({ type: Scope, resolve: (b) => b.scope }),
    scopeId: t.exposeString('scopeId'),
    period: t.field({ type: Period, resolve: (b) => b.period }),
    limit: t.field({ type: 'Decimal', resolve: (b) => formatUsd(b.limitNano) }),
    timezone: t.exposeString('timezone'),
    thresholds: t.intList({ resolve: (b) => b.thresholds }),
    action: t.field({ type: Action, resolve: (b) => b.action }),
    enabled: t.exposeBoolean('enabled'),
    startsAt: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.startsAt }),
    endsAt: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.endsAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (b) => b.createdAt }),
    status: t.field({ type: StatusRef, resolve: (b, _a, ctx) => budgets(ctx).service.status(b) }),
  }),
});

const CreateInput = builder.inputType('CreateBudgetInput', {
  fields: (t) => ({
    scope: t.field({ type: Scope, required: true }),
    scopeId: t.string({ required: true }),
    period: t.field({ type: Period, required: true }),
    limit: t.field({ type: 'Decimal', required: true }),
    name: t.string(),
    timezone: t.string(),
    thresholds: t.intList(),
    action: t.field({ type: Action }),
    enabled: t.boolean(),
    startsAt: t.field({ type: 'DateTime' }),
    endsAt: t.field({ type: 'DateTime' }),
  }),
});

const UpdateInput = builder.inputType('UpdateBudgetInput', {
  fields: (t) => ({
    limit: t.field({ type: 'Decimal' }),
    name: t.string(),
    timezone: t.string(),
    thresholds: t.intList(),
    action: t.field({ type: Action }),
    enabled: t.boolean(),
    startsAt: t.field({ type: 'DateTime' }),
    endsAt: t.field({ type: 'DateTime' }),
  }),
});

const Filter = builder.inputType('BudgetFilter', {
  fields: (t) => ({ scope: t.field({ type: Scope }), scopeId: t.string(), enabled: t.boolean() }),
});

const AlertFilter = builder.inputType('BudgetAlertFilter', {
  fields: (t) => ({
    budgetId: t.id(),
    kinds: t.field({ type: [Kind] }),
    unacknowledgedOnly: t.boolean(),
    limit: t.int(),
  }),
});

/** Drops null (absent) GraphQL input fields so service defaults apply. */
function defined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));
}

builder.queryFields((t) => ({
  budgets: t.field({
    type: [BudgetRef],
    description:
      'Budgets you may read (those that apply to you; all of them for admins and viewers), with status.',
    args: { filter: t.arg({ type: Filter }) },
    resolve: (_r, args, ctx) =>
      budgets(ctx).service.list(caller(ctx), {
        scope: args.filter?.scope ?? undefined,
        scopeId: args.filter?.scopeId ?? undefined,
        enabled: args.filter?.enabled ?? undefined,
      }),
  }),
  budgetStatus: t.field({
    type: StatusRef,
    args: { budgetId: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) =>
      budgets(ctx).service.status(await budgets(ctx).service.get(caller(ctx), String(args.budgetId))),
  }),
  budgetAlerts: t.field({
    type: [AlertRef],
    args: { filter: t.arg({ type: AlertFilter }) },
    resolve: async (_r, args, ctx) => {
      const who = caller(ctx);
      const readable = await budgets(ctx).service.list(who);
      const ids = readable
        .map((b) => b.id)
        .filter((id) => !args.filter?.budgetId || id === String(args.filter.budgetId));
      return budgets(ctx).alerts.list({
        organizationId: who.organizationId,
        budgetIds: ids,
        kinds: args.filter?.kinds ?? undefined,
        unacknowledgedOnly: args.filter?.unacknowledgedOnly ?? undefined,
        limit: args.filter?.limit ?? undefined,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  createBudget: t.field({
    type: BudgetRef,
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: (_r, args, ctx) => budgets(ctx).service.create(caller(ctx), defined(args.input)),
  }),
  updateBudget: t.field({
    type: BudgetRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
    resolve: (_r, args, ctx) =>
      budgets(ctx).service.update(caller(ctx), String(args.id), defined(args.input)),
  }),
  deleteBudget: t.boolean({
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => budgets(ctx).service.delete(caller(ctx), String(args.id)),
  }),
  acknowledgeAlert: t.field({
    type: AlertRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const who = caller(ctx);
      const alert = await budgets(ctx).alerts.get(String(args.id));
      // Existence of other tenants' (or unreadable) alerts is not revealed.
      if (alert.organizationId !== who.organizationId || !canReadBudget(who, alert)) {
        return budgets(ctx).alerts.get('not-found');
      }
      return budgets(ctx).alerts.acknowledge(alert.id, who.userId);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  budgetAlerts: t.field({
    type: AlertRef,
    description: 'New alerts of budgets you may read, as they are raised.',
    args: { filter: t.arg({ type: AlertFilter }) },
    subscribe: (_r, args, ctx) => {
      const who = caller(ctx);
      const kinds = args.filter?.kinds;
      const budgetId = args.filter?.budgetId ? String(args.filter.budgetId) : null;
      return filterAsync(
        ctx.pubsub.subscribe('budgetAlert', who.organizationId),
        (a) =>
          canReadBudget(who, a) &&
          (!budgetId || a.budgetId === budgetId) &&
          (!kinds || kinds.includes(a.kind)),
      );
    },
    resolve: (alert) => alert,
  }),
  budgetStatusChanged: t.field({
    type: StatusRef,
    description: "A budget's status each time one of its alerts is raised.",
    args: { budgetId: t.arg.id({ required: true }) },
    subscribe: async (_r, args, ctx) => {
      const who = caller(ctx);
      const budget = await budgets(ctx).service.get(who, String(args.budgetId));
      return filterAsync(
        ctx.pubsub.subscribe('budgetAlert', who.organizationId),
        (a) => a.budgetId === budget.id,
      );
    },
    resolve: async (alert, _a, ctx) =>
      budgets(ctx).service.status(await budgets(ctx).service.get(caller(ctx), alert.budgetId)),
  }),
}));

async function* filterAsync<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  for await (const value of source) if (keep(value)) yield value;
}
