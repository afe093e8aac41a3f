/**
 * Who may read performance data. Monitoring spans every tenant of the deployment:
 * operation names chosen by each tenant's clients, listener and job subjects, alert
 * history. So it is for platform administrators only — owners and admins of an
 * organisation listed in PLATFORM_ADMIN_ORG_IDS — never for the admin of one tenant.
 */
import type { Caller } from '../auth/roles';
import { isOrgAdmin } from '../auth/roles';
import { AppError } from '../shared/errors';

export class PlatformAccess {
  private readonly orgIds: ReadonlySet<string>;

  constructor(platformAdminOrgIds: readonly string[]) {
    this.orgIds = new Set(platformAdminOrgIds.map((id) => id.toLowerCase()));
  }

  /** True for an owner or admin of a platform organisation. */
  isPlatformAdmin(caller: Caller | null | undefined): boolean {
    return !!caller && isOrgAdmin(caller) && this.orgIds.has(caller.organizationId.toLowerCase());
  }

  /** The refusal for everyone else, saying what would grant access. */
  refusal(): AppError {
    return new AppError(
      'FORBIDDEN',
      this.orgIds.size === 0
        ? 'Forbidden: performance data span every organisation and no platform organisation is configured. Set PLATFORM_ADMIN_ORG_IDS to the id of the operators’ organisation.'
        : 'Forbidden: performance data span every organisation; only owners and admins of a platform organisation (PLATFORM_ADMIN_ORG_IDS) may read them.',
    );
  }
}
