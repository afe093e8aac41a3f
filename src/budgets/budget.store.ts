/**
 * Reading and writing budget documents. The enforcement path's lookup (`applicableTo`)
 * is one indexed query for the caller's API key, user, project and organisation budgets.
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

export class BudgetStore {
  constructor(private readonly models: BudgetModels) {}

  /** Enabled budgets of the subject's organisation, project, user and API key. */
  async applicableTo(subject: BudgetSubject): Promise<BudgetRecord[]> {
    const scopes: { scope: BudgetScope; scopeId: string }[] = [
      { scope: 'ORGANIZATION', scopeId: subject.organizationId },
    ];
    if (subject.projectId) scopes.push({ scope: 'PROJECT', scopeId: subject.projectId });
    if (subject.userId) scopes.push({ scope: 'USER', scopeId: subject.userId });
    if (subject.apiKeyId) scopes.push({ scope: 'API_KEY', scopeId: subject.apiKeyId });
    const docs = await this.models.Budget.find({
      organizationId: subject.organizationId,
      enabled: true,
      $or: scopes,
    }).lean();
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
    return toBudgetRecord(doc.toObject());
  }

  async update(id: string, update: UpdateBudgetInput): Promise<BudgetRecord> {
    const doc = await this.models.Budget.findOneAndUpdate(
      { _id: id },
      { $set: update },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw new AppError('NOT_FOUND', `Budget ${id} does not exist.`);
    return toBudgetRecord(doc);
  }

  async remove(id: string): Promise<void> {
    await this.models.Budget.deleteOne({ _id: id });
    await this.models.Counter.deleteMany({ budgetId: id });
  }
}
