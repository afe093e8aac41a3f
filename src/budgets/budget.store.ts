/**
 * Reading and writing budget documents. The enforcement path reads an organisation's enabled
 * budgets (`enabledIn`, cached by BudgetCache) and keeps those that limit the caller's API key,
 * user, project and organisation (`applicableBudgets`). Every write notifies `onChange`.
 */
import { AppError } from '../shared/errors';
import type { BudgetScope, CreateBudgetInput, UpdateBudgetInput } from './budget-input';
import { toBudgetRecord, type BudgetRecord } from './budget-record';
import type { BudgetModels } from './models';

/** Who a request is made by: each present id selects the budgets of that scope. */
export interface BudgetSubject {
  organizationId: string;
  projectId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
}

export interface BudgetListFilter {
  organizationId: string;
  scope?: BudgetScope;
  scopeIds?: string[];
  enabled?: boolean;
}

function isObjectId(id: string): boolean {
  return /^[0-9a-f]{24}$/i.test(id);
}

/** The budgets among `budgets` that limit the subject (its organisation, project, user, API key). */
export function applicableBudgets(budgets: BudgetRecord[], subject: BudgetSubject): BudgetRecord[] {
  return budgets.filter((b) => {
    if (!b.enabled || b.organizationId !== subject.organizationId) return false;
    switch (b.scope) {
      case 'ORGANIZATION':
        return b.scopeId === subject.organizationId;
      case 'PROJECT':
        return !!subject.projectId && b.scopeId === subject.projectId;
      case 'USER':
        return !!subject.userId && b.scopeId === subject.userId;
      case 'API_KEY':
        return !!subject.apiKeyId && b.scopeId === subject.apiKeyId;
    }
  });
}

export class BudgetStore {
  private readonly listeners: ((organizationId: string) => void)[] = [];

  constructor(private readonly models: BudgetModels) {}

  /** Called after every write with the organisation whose budgets changed (caches invalidate on it). */
  onChange(listener: (organizationId: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(organizationId: string): void {
    for (const listener of this.listeners) listener(organizationId);
  }

  /** Enabled budgets of the subject's organisation, project, user and API key. */
  async applicableTo(subject: BudgetSubject): Promise<BudgetRecord[]> {
    return applicableBudgets(await this.enabledIn(subject.organizationId), subject);
  }

  /** Every enabled budget of the organisation (what the enforcement cache holds). */
  async enabledIn(organizationId: string): Promise<BudgetRecord[]> {
    const docs = await this.models.Budget.find({ organizationId, enabled: true }).lean();
    return docs.map(toBudgetRecord);
  }

  async byIds(ids: string[]): Promise<Map<string, BudgetRecord>> {
    const valid = [...new Set(ids)].filter(isObjectId);
    const docs = valid.length ? await this.models.Budget.find({ _id: { $in: valid } }).lean() : [];
    return new Map(docs.map((d) => [String(d._id), toBudgetRecord(d)]));
  }

  async find(id: string): Promise<BudgetRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.Budget.findById(id).lean();
    return doc ? toBudgetRecord(doc) : null;
  }

  /** The budget, or NOT_FOUND (also for another organisation's budget: no existence leak). */
  async get(id: string, organizationId: string): Promise<BudgetRecord> {
    const budget = await this.find(id);
    if (!budget || budget.organizationId !== organizationId) {
      throw new AppError('NOT_FOUND', `Budget ${id} does not exist.`);
    }
    return budget;
  }

  async list(filter: BudgetListFilter): Promise<BudgetRecord[]> {
    const query: Record<string, unknown> = { organizationId: filter.organizationId };
    if (filter.scope) query.scope = filter.scope;
    if (filter.scopeIds) query.scopeId = { $in: filter.scopeIds };
    if (filter.enabled !== undefined) query.enabled = filter.enabled;
    const docs = await this.models.Budget.find(query).sort({ createdAt: 1, _id: 1 }).lean();
    return docs.map(toBudgetRecord);
  }

  async insert(
    organizationId: string,
    input: CreateBudgetInput,
    createdBy: string | null,
  ): Promise<BudgetRecord> {
    const { limitNano, ...rest } = input;
    const doc = await this.models.Budget.create({
      ...rest,
      name: rest.name ?? null,
      limitNano,
      organizationId,
      createdBy,
    });
    this.changed(organizationId);
    return toBudgetRecord(doc.toObject());
  }

  async update(id: string, update: UpdateBudgetInput): Promise<BudgetRecord> {
    const doc = await this.models.Budget.findOneAndUpdate(
      { _id: id },
      { $set: update },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw new AppError('NOT_FOUND', `Budget ${id} does not exist.`);
    const budget = toBudgetRecord(doc);
    this.changed(budget.organizationId);
    return budget;
  }

  async remove(id: string): Promise<void> {
    const doc = await this.models.Budget.findOneAndDelete({ _id: id }).lean();
    await this.models.Counter.deleteMany({ budgetId: id });
    if (doc) this.changed(doc.organizationId);
  }
}
