/**
 * Tenancy for analytics queries: the organisation always comes from the caller's API key, never
 * from input. Organisation-wide reports need an organisation admin or owner; a project's report
 * needs read access to that project (and the project must belong to the caller's organisation).
 * The analytics services are found on the context's registry under `analytics`.
 */
import { canReadProject, isOrgAdmin, type Caller } from '../auth/roles';
import type { Context } from '../server/context';
import { AppError } from '../shared/errors';
import type { AnalyticsServices } from './analytics-runtime';
import { parseReportFilter, type ReportFilter } from './reports/report-filter';

export function analyticsOf(context: Context): AnalyticsServices {
  const analytics = (context.services as unknown as { analytics?: AnalyticsServices }).analytics;
  if (!analytics) {
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Analytics is not enabled on this server (services.analytics is not wired).',
    );
  }
  return analytics;
}

export async function authorizedFilter(context: Context, input: unknown): Promise<ReportFilter> {
  const caller = context.auth;
  if (!caller)
    throw new AppError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <api key>".');
  const filter = parseReportFilter(caller.organizationId, input);
  if (filter.projectId) {
    const inOrg = await context.services.auth.projectInOrganization(caller.organizationId, filter.projectId);
    if (!inOrg || !canReadProject(caller, filter.projectId)) {
      throw new AppError('FORBIDDEN', 'Forbidden: you cannot read analytics of this project.', {
        details: { field: 'filter.projectId' },
      });
    }
  } else if (!isOrgAdmin(caller)) {
    throw new AppError(
      'FORBIDDEN',
      'Forbidden: organisation-wide analytics need an admin or owner; pass filter.projectId for a project you can read.',
    );
  }
  return filter;
}

export function requireOrgAdmin(context: Context): Caller {
  const caller = context.auth;
  if (!caller)
    throw new AppError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <api key>".');
  if (!isOrgAdmin(caller))
    throw new AppError('FORBIDDEN', 'Forbidden: recommendations need an organisation admin or owner.');
  return caller;
}
