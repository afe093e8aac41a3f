/**
 * The filter every analytics query takes, validated with zod at the boundary, and how it maps to
 * rollups: the caller's organisation (always from the auth context, never from input), an optional
 * project (the rollup scope) and at most one of user / API key / provider / model (a key of that
 * dimension). Ranges are half-open [from, to) and at most 400 days.
 */
import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import { modelKey, ORG_SCOPE, projectScope, type Dimension } from '../rollups/dimensions';

export const reportFilterSchema = z
  .object({
    from: z.coerce.date(),
    to: z.coerce.date(),
    projectId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    apiKeyId: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
  })
  .refine((f) => f.to.getTime() > f.from.getTime(), { message: 'must be after from', path: ['to'] })
  .refine((f) => f.to.getTime() - f.from.getTime() <= 400 * 86_400_000, {
    message: 'the range may span at most 400 days',
    path: ['to'],
  })
  .refine((f) => !f.model || f.provider, { message: 'a model filter needs its provider', path: ['model'] })
  .refine((f) => [f.userId, f.apiKeyId, f.provider].filter(Boolean).length <= 1, {
    message: 'filter by at most one of userId, apiKeyId, provider/model',
    path: ['userId'],
  });

export type ReportFilterInput = z.input<typeof reportFilterSchema>;
export type ReportFilter = z.output<typeof reportFilterSchema> & { organizationId: string };

export function parseReportFilter(organizationId: string, input: unknown): ReportFilter {
  const parsed = reportFilterSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ field: ['filter', ...i.path].join('.'), message: i.message })),
    );
  }
  return { ...parsed.data, organizationId };
}

/** Which rollups answer the filter: their scope, and the dimension/key the filter narrows to. */
export function selection(filter: ReportFilter): { scope: string; dimension: Dimension; keys?: string[] } {
  const scope = filter.projectId ? projectScope(filter.projectId) : ORG_SCOPE;
  if (filter.userId) return { scope, dimension: 'USER', keys: [filter.userId] };
  if (filter.apiKeyId) return { scope, dimension: 'API_KEY', keys: [filter.apiKeyId] };
  if (filter.provider && filter.model)
    return { scope, dimension: 'MODEL', keys: [modelKey(filter.provider, filter.model)] };
  if (filter.provider) return { scope, dimension: 'PROVIDER', keys: [filter.provider] };
  return { scope, dimension: 'TOTAL' };
}
