/**
 * Budget management and status, for the GraphQL API and any other caller: validated,
 * authorised create/update/delete, listing what the caller may read, and each budget's
 * live status (spent, reserved, remaining, percent, window, projection, latest alerts).
 */
import type { Caller } from '../auth/roles';
import { AppError } from '../shared/errors';
import type { AlertService, BudgetAlert } from './alert.service';
import { percentOf } from './arithmetic';
import { canManageBudget, canReadBudget } from './budget-access';
import { parseCreateBudget, parseUpdateBudget, type BudgetScope } from './budget-input';
import type { BudgetRecord } from './budget-record';
import type { BudgetStore } from './budget.store';
import type { Clock } from '../shared/clock';
import { applyLimitChange, findCounter } from './counters';
import type { BudgetModels } from './models';
import { periodWindow } from './period';
import { BudgetForecaster } from './forecast/spend-forecast';

const linearOnly = new BudgetForecaster();

export interface BudgetStatus {
  budgetId: string;
  spentNano: bigint;
  reservedNano: bigint;
  remainingNano: bigint;
  percentUsed: number;
  periodStart: Date | null;
  periodEnd: Date | null;
  projectedNano: bigint | null;
  latestAlerts: BudgetAlert[];
}

export interface BudgetServiceDeps {
  models: BudgetModels;
  store: BudgetStore;
  alerts: AlertService;
  clock: Clock;
  /** Projected end-of-period spend; defaults to the linear projection of the period so far. */
  forecaster?: BudgetForecaster;
  /** True when the scope id names a project/user/API key of the organisation. */
  scopeExists(organizationId: string, scope: BudgetScope, scopeId: string): Promise<boolean>;
}

export class BudgetService {
  constructor(private readonly deps: BudgetServiceDeps) {}

  async create(caller: Caller, raw: unknown): Promise<BudgetRecord> {
    const input = parseCreateBudget(raw);
    if (!canManageBudget(caller, input.scope, input.scopeId)) {
      throw new AppError('FORBIDDEN', `Your role cannot manage ${input.scope} budgets for ${input.scopeId}.`);
    }
    const exists =
      input.scope === 'ORGANIZATION'
        ? input.scopeId === caller.organizationId
        : await this.deps.scopeExists(caller.organizationId, input.scope, input.scopeId);
    if (!exists) {
      throw new AppError(
        'BAD_USER_INPUT',
        `scopeId: no ${input.scope} ${input.scopeId} in your organisation.`,
        {
          details: {
            fields: [{ field: 'scopeId', message: `no ${input.scope} with this id in your organisation` }],
          },
        },
      );
    }
    return this.deps.store.insert(caller.organizationId, input, caller.userId);
  }

  async update(caller: Caller, id: string, raw: unknown): Promise<BudgetRecord> {
    const current = await this.manageable(caller, id);
    const update = parseUpdateBudget(raw, current);
    const updated = await this.deps.store.update(id, update);
    if (update.limitNano !== undefined && update.limitNano !== current.limitNano) {
      await applyLimitChange(this.deps.models.Counter, id, update.limitNano, this.deps.clock.now());
    }
    return updated;
  }

  async delete(caller: Caller, id: string): Promise<boolean> {
    await this.manageable(caller, id);
    await this.deps.store.remove(id);
    return true;
  }

  async get(caller: Caller, id: string): Promise<BudgetRecord> {
    const budget = await this.deps.store.get(id, caller.organizationId);
    if (!canReadBudget(caller, budget)) throw new AppError('NOT_FOUND', `Budget ${id} does not exist.`);
    return budget;
  }

  async list(caller: Caller, filter: { scope?: BudgetScope; scopeId?: string; enabled?: boolean } = {}) {
    const budgets = await this.deps.store.list({
      organizationId: caller.organizationId,
      scope: filter.scope,
      scopeIds: filter.scopeId ? [filter.scopeId] : undefined,
      enabled: filter.enabled,
    });
    return budgets.filter((b) => canReadBudget(caller, b));
  }

  async status(budget: BudgetRecord): Promise<BudgetStatus> {
    const now = this.deps.clock.now();
    const window = periodWindow(budget, now);
    const counter = window ? await findCounter(this.deps.models.Counter, budget.id, window.start) : null;
    const spent = counter?.spentNano ?? 0n;
    const reserved = counter?.reservedNano ?? 0n;
    const remaining = budget.limitNano - spent - reserved;
    return {
      budgetId: budget.id,
      spentNano: spent,
      reservedNano: reserved,
      remainingNano: remaining > 0n ? remaining : 0n,
      percentUsed: percentOf(spent, budget.limitNano),
      periodStart: window?.start ?? null,
      periodEnd: window?.end ?? null,
      projectedNano: window
        ? ((await (this.deps.forecaster ?? linearOnly).project(budget, spent, window, now))?.projectedNano ??
          null)
        : null,
      latestAlerts: await this.deps.alerts.list({
        organizationId: budget.organizationId,
        budgetIds: [budget.id],
        limit: 5,
      }),
    };
  }

  private async manageable(caller: Caller, id: string): Promise<BudgetRecord> {
    const budget = await this.deps.store.get(id, caller.organizationId);
    if (!canManageBudget(caller, budget.scope, budget.scopeId)) {
      throw new AppError(
        'FORBIDDEN',
        `Your role cannot manage ${budget.scope} budgets for ${budget.scopeId}.`,
      );
    }
    return budget;
  }
}
