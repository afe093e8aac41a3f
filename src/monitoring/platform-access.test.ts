import type { Caller } from '../auth/roles';
import { PlatformAccess } from './platform-access';

const platformOrg = '64b7f0c2a1b2c3d4e5f60718';
const caller = (organizationId: string, role: Caller['role']): Caller => ({
  userId: 'u',
  organizationId,
  apiKeyId: 'k',
  role,
  projectRoles: {},
});

describe('PlatformAccess', () => {
  const access = new PlatformAccess([platformOrg.toUpperCase()]);

  it('admits owners and admins of a platform organisation only', () => {
    expect(access.isPlatformAdmin(caller(platformOrg, 'owner'))).toBe(true);
    expect(access.isPlatformAdmin(caller(platformOrg, 'admin'))).toBe(true);
    expect(access.isPlatformAdmin(caller(platformOrg, 'member'))).toBe(false);
    expect(access.isPlatformAdmin(caller(platformOrg, 'viewer'))).toBe(false);
    // The owner of any other organisation is an org admin, but not of the platform.
    expect(access.isPlatformAdmin(caller('64b7f0c2a1b2c3d4e5f60719', 'owner'))).toBe(false);
    expect(access.isPlatformAdmin(null)).toBe(false);
  });

  it('says what would grant access, and when nothing is configured', () => {
    expect(access.refusal()).toMatchObject({ code: 'FORBIDDEN' });
    expect(access.refusal().message).toMatch(/only owners and admins of a platform organisation/);
    const none = new PlatformAccess([]);
    expect(none.isPlatformAdmin(caller(platformOrg, 'owner'))).toBe(false);
    expect(none.refusal().message).toMatch(/no platform organisation is configured.*PLATFORM_ADMIN_ORG_IDS/);
  });
});
