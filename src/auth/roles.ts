/**
 * Roles and what they allow. Organisation roles: owner and admin manage everything
 * in the organisation; member works in the projects they belong to; viewer reads
 * the whole organisation and writes nothing. Project roles: admin manages the
 * project and its members, member uses it.
 */
export const orgRoles = ['owner', 'admin', 'member', 'viewer'] as const;
export type OrgRole = (typeof orgRoles)[number];

export const projectRoles = ['admin', 'member'] as const;
export type ProjectRole = (typeof projectRoles)[number];

/** Who is calling: resolved from the API key on every request and websocket. */
export interface Caller {
  userId: string;
  organizationId: string;
  apiKeyId: string;
  role: OrgRole;
  /** projectId -> role, for projects the user is an explicit member of. */
  projectRoles: Record<string, ProjectRole>;
}

export function isOrgAdmin(caller: Caller): boolean {
  return caller.role === 'owner' || caller.role === 'admin';
}

export function canWrite(caller: Caller): boolean {
  return caller.role !== 'viewer';
}

/** Read access to a project already known to belong to the caller's organisation. */
export function canReadProject(caller: Caller, projectId: string): boolean {
  return isOrgAdmin(caller) || caller.role === 'viewer' || projectId in caller.projectRoles;
}

/** Use (write inside) a project already known to belong to the caller's organisation. */
export function canUseProject(caller: Caller, projectId: string): boolean {
  return canWrite(caller) && (isOrgAdmin(caller) || projectId in caller.projectRoles);
}

export function canAdminProject(caller: Caller, projectId: string): boolean {
  return isOrgAdmin(caller) || caller.projectRoles[projectId] === 'admin';
}
