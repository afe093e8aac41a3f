/**
 * The single Pothos SchemaBuilder. Feature files import `builder` and add fields
 * with `builder.queryField`, `builder.mutationField`, `builder.subscriptionField`
 * and object types; `src/schema/index.ts` imports each feature's graphql.ts.
 *
 * Authorisation is scope-auth, on every field:
 * - Query and Subscription fields require `authenticated`; Mutation fields require
 *   `writer` (viewers are read-only). These are type-level scopes, so a new field is
 *   protected without doing anything.
 * - Add field scopes for more: `orgAdmin`, `orgOwner`, `projectMember(projectId)`
 *   (read), `projectWriter(projectId)` (use), `projectAdmin(projectId)` (manage).
 *   Project scopes also check that the project belongs to the caller's organisation.
 * A failure is UNAUTHENTICATED (401) without a valid key, FORBIDDEN (403) otherwise.
 *
 * Fields marked `extensions: { budgeted: describe }` run only when the budget check admitted
 * them (./budgeted-plugin.ts).
 */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import BudgetedFieldsPlugin from './budgeted-plugin';
import { canAdminProject, canReadProject, canUseProject, canWrite, isOrgAdmin } from '../auth/roles';
import type { Context } from '../server/context';
import { AppError } from '../shared/errors';
import { DateTimeScalar, DecimalScalar, JSONScalar } from './scalars';

export interface AuthScopes {
  authenticated: boolean;
  writer: boolean;
  orgAdmin: boolean;
  orgOwner: boolean;
  projectMember: string;
  projectWriter: string;
  projectAdmin: string;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Decimal: { Input: string; Output: string | bigint };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Budgeted fields last: their fail-closed guard wraps innermost, after the auth scopes.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, BudgetedFieldsPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, context, _info, result) =>
      context.auth
        ? new AppError('FORBIDDEN', `Forbidden: ${result.message}. Your role does not allow this.`)
        : new AppError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <api key>".'),
    authScopes: (context) => {
      const caller = context.auth;
      // Project scopes take a projectId from the client: it must be one of the caller's organisation.
      const inOrg = (projectId: string) =>
        caller
          ? context.services.auth.projectInOrganization(caller.organizationId, projectId)
          : Promise.resolve(false);
      return {
        authenticated: caller !== null,
        writer: caller !== null && canWrite(caller),
        orgAdmin: caller !== null && isOrgAdmin(caller),
        orgOwner: caller?.role === 'owner',
        projectMember: async (projectId) =>
          !!caller && (await inOrg(projectId)) && canReadProject(caller, projectId),
        projectWriter: async (projectId) =>
          !!caller && (await inOrg(projectId)) && canUseProject(caller, projectId),
        projectAdmin: async (projectId) =>
          !!caller && (await inOrg(projectId)) && canAdminProject(caller, projectId),
      };
    },
  },
  errors: { defaultTypes: [] },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('Decimal', DecimalScalar);
builder.addScalarType('JSON', JSONScalar);

builder.queryType({ authScopes: { authenticated: true } });
builder.mutationType({ authScopes: { writer: true } });
builder.subscriptionType({ authScopes: { authenticated: true } });
