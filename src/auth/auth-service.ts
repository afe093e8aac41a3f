/**
 * Who is calling. Turns a raw API key into a Caller (organisation, user, role,
 * project roles) and answers the one tenancy question scope checks need: does this
 * project belong to this organisation. Revoked or unknown keys are UNAUTHENTICATED;
 * a disabled user is FORBIDDEN.
 */
import { Types } from 'mongoose';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import { hashApiKey } from './api-key';
import type { AuthModels } from './models';
import type { Caller, OrgRole, ProjectRole } from './roles';

/** lastUsedAt is written at most this often per key, so auth is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class AuthService {
  constructor(private readonly deps: { models: AuthModels; clock: Clock }) {}

  async authenticate(rawKey: string | null | undefined): Promise<Caller> {
    if (!rawKey)
      throw new AppError(
        'UNAUTHENTICATED',
        'Authentication required: send "Authorization: Bearer <api key>".',
      );
    const { ApiKey, User, ProjectMember } = this.deps.models;
    const key = await ApiKey.findOne({ hash: hashApiKey(rawKey) }).lean();
    if (!key)
      throw new AppError('UNAUTHENTICATED', 'The API key is not valid. Check it or create a new one.');
    if (key.revokedAt) throw new AppError('UNAUTHENTICATED', 'The API key was revoked. Use another key.');
    const user = await User.findOne({ _id: key.userId, organizationId: key.organizationId }).lean();
    if (!user) throw new AppError('UNAUTHENTICATED', 'The API key belongs to a user that no longer exists.');
    if (user.disabled) throw new AppError('FORBIDDEN', 'The user of this API key is disabled.');
    const memberships = await ProjectMember.find({
      userId: user._id,
      organizationId: key.organizationId,
    }).lean();
    await this.touch(key._id);
    return {
      userId: user._id.toHexString(),
      organizationId: key.organizationId.toHexString(),
      apiKeyId: key._id.toHexString(),
      role: user.role as OrgRole,
      projectRoles: Object.fromEntries(
        memberships.map((m) => [m.projectId.toHexString(), m.role as ProjectRole]),
      ),
    };
  }

  async projectInOrganization(organizationId: string, projectId: string): Promise<boolean> {
    if (!Types.ObjectId.isValid(projectId) || !/^[0-9a-f]{24}$/i.test(projectId)) return false;
    const found = await this.deps.models.Project.exists({ _id: projectId, organizationId });
    return found !== null;
  }

  private async touch(apiKeyId: Types.ObjectId): Promise<void> {
    const now = this.deps.clock.now();
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await this.deps.models.ApiKey.updateOne(
      { _id: apiKeyId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: staleBefore } }] },
      { $set: { lastUsedAt: now } },
    );
  }
}
