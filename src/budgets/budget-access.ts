/**
 * Who may manage and who may read a budget. Organisation owners and admins manage every
 * budget of their organisation; project admins manage their project's budgets. Anyone reads
 * the budgets that apply to them (their organisation's, their projects', their own user's and
 * API key's); org admins and viewers read all of the organisation's.
 */
import { canAdminProject, isOrgAdmin, type Caller } from '../auth/roles';
import type { BudgetScope } from './budget-input';

export function canManageBudget(caller: Caller, scope: BudgetScope, scopeId: string): boolean {
  if (isOrgAdmin(caller)) return true;
  return scope === 'PROJECT' && canAdminProject(caller, scopeId);
}

export function canReadBudget(caller: Caller, budget: { scope: BudgetScope; scopeId: string }): boolean {
  if (isOrgAdmin(caller) || caller.role === 'viewer') return true;
  switch (budget.scope) {
    case 'ORGANIZATION':
      return budget.scopeId === caller.organizationId;
    case 'PROJECT':
      return budget.scopeId in caller.projectRoles;
    case 'USER':
      return budget.scopeId === caller.userId;
    case 'API_KEY':
      return budget.scopeId === caller.apiKeyId;
  }
}
