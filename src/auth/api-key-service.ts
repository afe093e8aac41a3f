/**
 * API keys: created random (or fixed for bootstrap), shown once, stored as a hash
 * with a visible prefix, listed without secrets, revoked for good. Members manage
 * their own keys; organisation admins manage every key of the organisation.
 */
import { AppError } from '../shared/errors';
import { generateApiKey, hashApiKey, visiblePrefix } from './api-key';
import { createApiKeyInput, objectId, parseInput } from './inputs';
import type { ApiKeyDoc, TenancyWriterDeps } from './models';
import { isOrgAdmin, type Caller } from './roles';

export interface CreatedApiKey {
  apiKey: ApiKeyDoc;
  /** The full key. It is returned here once and never again. */
  secret: string;
}

export class ApiKeyService {
  constructor(private readonly deps: TenancyWriterDeps) {}

  async list(caller: Caller): Promise<ApiKeyDoc[]> {
    const filter: Record<string, unknown> = { organizationId: caller.organizationId };
    if (!isOrgAdmin(caller)) filter.userId = caller.userId;
    return this.deps.models.ApiKey.find(filter).sort({ createdAt: 1, _id: 1 }).lean();
  }

  async create(caller: Caller, input: unknown): Promise<CreatedApiKey> {
    const data = parseInput(createApiKeyInput, input);
    const userId = data.userId ?? caller.userId;
    if (userId !== caller.userId && !isOrgAdmin(caller)) {
      throw new AppError('FORBIDDEN', 'Only organisation admins can create API keys for other users.');
    }
    const user = await this.deps.models.User.exists({ _id: userId, organizationId: caller.organizationId });
    if (!user) throw new AppError('NOT_FOUND', `No user ${userId} in your organisation.`);
    return this.issue({ organizationId: caller.organizationId, userId, name: data.name });
  }

  /** Creates a key without a caller (bootstrap, seeding). */
  async issue(input: {
    organizationId: string;
    userId: string;
    name: string;
    secret?: string;
  }): Promise<CreatedApiKey> {
    const secret = input.secret ?? generateApiKey();
    try {
      const doc = await this.deps.models.ApiKey.create({
        organizationId: input.organizationId,
        userId: input.userId,
        name: input.name,
        prefix: visiblePrefix(secret),
        hash: hashApiKey(secret),
      });
      return { apiKey: doc.toObject(), secret };
    } catch (error) {
      if ((error as { code?: number }).code === 11000)
        throw new AppError('CONFLICT', 'That API key is already in use.');
      throw error;
    }
  }

  async revoke(caller: Caller, id: string): Promise<ApiKeyDoc> {
    parseInput(objectId, id);
    const filter: Record<string, unknown> = { _id: id, organizationId: caller.organizationId };
    if (!isOrgAdmin(caller)) filter.userId = caller.userId;
    const existing = await this.deps.models.ApiKey.findOne(filter).lean();
    if (!existing) throw new AppError('NOT_FOUND', `No API key ${id} that you can manage.`);
    if (existing.revokedAt) return existing;
    const now = this.deps.clock.now();
    const revoked = await this.deps.models.ApiKey.findOneAndUpdate(
      { _id: id, revokedAt: null },
      { $set: { revokedAt: now } },
      { new: true },
    ).lean();
    this.deps.accessChanged?.();
    await this.deps.pubsub.publish('apiKeyRevoked', caller.organizationId, { apiKeyId: id, occurredAt: now });
    return (revoked ?? (await this.deps.models.ApiKey.findById(id).lean())) as ApiKeyDoc;
  }
}
