/**
 * Who is calling. Turns a raw API key into a Caller (organisation, user, role,
 * project roles) and answers the one tenancy question scope checks need: does this
 * project belong to this organisation. Revoked or unknown keys are UNAUTHENTICATED;
 * a disabled user is FORBIDDEN. Answers are cached briefly (see caller-cache); `invalidate` clears
 * them when keys, users or memberships change.
 */
import { Types } from 'mongoose';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import { hashApiKey } from './api-key';
import { TtlCache } from '../shared/ttl-cache';
import { CALLER_CACHE_TTL_MS } from './caller-cache';
import type { AuthModels } from './models';
import type { Caller, OrgRole, ProjectRole } from './roles';

/** lastUsedAt is written at most this often per key, so auth is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface AuthServiceDeps {
  models: AuthModels;
  clock: Clock;
  /** Cache of callers by key hash and of project ownership (default: CALLER_CACHE_TTL_MS). */
  callers?: TtlCache<Caller>;
  projects?: TtlCache<true>;
}

export class AuthService {
  private readonly callers: TtlCache<Caller>;
  private readonly projects: TtlCache<true>;
  /** When each key's lastUsedAt was last written by this process. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly deps: AuthServiceDeps) {
    this.callers = deps.callers ?? new TtlCache<Caller>(CALLER_CACHE_TTL_MS);
    this.projects = deps.projects ?? new TtlCache<true>(CALLER_CACHE_TTL_MS);
  }

  /** Forget every cached caller: call after anything that changes who may do what. */
  invalidate(): void {
    this.callers.clear();
  }

  async authenticate(rawKey: string | null | undefined): Promise<Caller> {
    if (!rawKey)
      throw new AppError(
        'UNAUTHENTICATED',
        'Authentication required: send "Authorization: Bearer <api key>".',
      );
    const hash = hashApiKey(rawKey);
    const cached = this.callers.get(hash);
    if (cached) {
      await this.touch(cached.apiKeyId);
      return cached;
    }
    const { ApiKey, User, ProjectMember } = this.deps.models;
    const key = await ApiKey.findOne({ hash }).lean();
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
    const caller: Caller = {
      userId: user._id.toHexString(),
      organizationId: key.organizationId.toHexString(),
      apiKeyId: key._id.toHexString(),
      role: user.role as OrgRole,
      projectRoles: Object.fromEntries(
        memberships.map((m) => [m.projectId.toHexString(), m.role as ProjectRole]),
      ),
    };
    // Frozen: the same object serves many requests, none may change it for the others.
    Object.freeze(caller.projectRoles);
    this.callers.set(hash, Object.freeze(caller));
    await this.touch(caller.apiKeyId);
    return caller;
  }

  async projectInOrganization(organizationId: string, projectId: string): Promise<boolean> {
    if (!Types.ObjectId.isValid(projectId) || !/^[0-9a-f]{24}$/i.test(projectId)) return false;
    // Projects never move between organisations, so a yes can be remembered; a no cannot (the
    // project may be created a moment later).
    const cacheKey = `${organizationId}/${projectId}`;
    if (this.projects.get(cacheKey)) return true;
    const found = await this.deps.models.Project.exists({ _id: projectId, organizationId });
    if (found !== null) this.projects.set(cacheKey, true);
    return found !== null;
  }

  private async touch(apiKeyId: string): Promise<void> {
    const now = this.deps.clock.now();
    const last = this.touched.get(apiKeyId);
    if (last !== undefined && now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(apiKeyId, now.getTime());
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await this.deps.models.ApiKey.updateOne(
      { _id: apiKeyId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: staleBefore } }] },
      { $set: { lastUsedAt: now } },
    );
  }
}
