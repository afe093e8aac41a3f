/**
 * Endpoint management for one organisation at a time: create (the secret is returned
 * once), update, delete (its delivery log goes with it), rotate the secret, list, read
 * the delivery log page by page, and send a test ping. Every read and write is scoped
 * to the caller's organisation; another organisation's webhook is NOT_FOUND, never
 * FORBIDDEN, so ids do not leak.
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import type { WebhookDeliveryService } from './delivery.service';
import { describeTest } from './describe';
import type { DeliveryDoc, WebhookDoc, WebhookModels } from './models';
import type { SecretBox } from './secret-box';
import { generateSecret, secretHint } from './secrets';
import { createWebhookSchema, parseInput, updateWebhookSchema } from './webhook-input';

export interface WebhookWithSecret {
  webhook: WebhookDoc;
  /** Shown once; store it on the receiving side to verify signatures. */
  secret: string;
}

export interface DeliveryPage {
  deliveries: DeliveryDoc[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export class WebhookService {
  constructor(
    private readonly deps: {
      models: WebhookModels;
      clock: Clock;
      deliveries: WebhookDeliveryService;
      secrets: SecretBox;
    },
  ) {}

  async list(organizationId: string): Promise<WebhookDoc[]> {
    return this.deps.models.Webhook.find({ organizationId }).sort({ createdAt: -1, _id: -1 }).lean();
  }

  async get(organizationId: string, id: string): Promise<WebhookDoc> {
    const doc =
      Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id)
        ? await this.deps.models.Webhook.findOne({ _id: id, organizationId }).lean()
        : null;
    if (!doc) throw new AppError('NOT_FOUND', `Webhook ${id} does not exist in your organisation.`);
    return doc;
  }

  async create(organizationId: string, input: unknown, createdBy: string | null): Promise<WebhookWithSecret> {
    const parsed = parseInput(createWebhookSchema, input);
    const secret = generateSecret();
    const created = await this.deps.models.Webhook.create({
      organizationId,
      name: parsed.name ?? null,
      url: parsed.url,
      format: parsed.format,
      events: parsed.events,
      enabled: parsed.enabled,
      secret: this.deps.secrets.seal(secret),
      secretHint: secretHint(secret),
      secretRotatedAt: null,
      createdBy,
    });
    return { webhook: created.toObject() as WebhookDoc, secret };
  }

  async update(organizationId: string, id: string, input: unknown): Promise<WebhookDoc> {
    const parsed = parseInput(updateWebhookSchema, input);
    await this.get(organizationId, id);
    const set: Record<string, unknown> = {};
    for (const key of ['url', 'format', 'events', 'enabled', 'name'] as const) {
      if (parsed[key] !== undefined) set[key] = parsed[key];
    }
    const doc = await this.deps.models.Webhook.findOneAndUpdate(
      { _id: id, organizationId },
      { $set: set },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw new AppError('NOT_FOUND', `Webhook ${id} does not exist in your organisation.`);
    return doc;
  }

  async remove(organizationId: string, id: string): Promise<void> {
    await this.get(organizationId, id);
    await this.deps.models.Webhook.deleteOne({ _id: id, organizationId });
    await this.deps.models.Delivery.deleteMany({ webhookId: new Types.ObjectId(id) });
  }

  /** A new secret takes effect at once: deliveries from now on (retries included) are signed with it. */
  async rotateSecret(organizationId: string, id: string): Promise<WebhookWithSecret> {
    await this.get(organizationId, id);
    const secret = generateSecret();
    const doc = await this.deps.models.Webhook.findOneAndUpdate(
      { _id: id, organizationId },
      {
        $set: {
          secret: this.deps.secrets.seal(secret),
          secretHint: secretHint(secret),
          secretRotatedAt: this.deps.clock.now(),
        },
      },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw new AppError('NOT_FOUND', `Webhook ${id} does not exist in your organisation.`);
    return { webhook: doc, secret };
  }

  /** Newest first; `after` is the cursor of the last delivery of the previous page. */
  async deliveries(
    organizationId: string,
    webhookId: string,
    page: { first?: number | null; after?: string | null },
  ): Promise<DeliveryPage> {
    await this.get(organizationId, webhookId);
    const first = page.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 100) {
      throw new AppError('BAD_USER_INPUT', 'first must be between 1 and 100.', {
        details: { fields: [{ field: 'first', message: 'must be between 1 and 100' }] },
      });
    }
    const query: Record<string, unknown> = { webhookId: new Types.ObjectId(webhookId), organizationId };
    if (page.after) {
      const cursor = decodeCursor(page.after);
      query.$or = [
        { createdAt: { $lt: cursor.createdAt } },
        { createdAt: cursor.createdAt, _id: { $lt: cursor.id } },
      ];
    }
    const docs = await this.deps.models.Delivery.find(query)
      .sort({ createdAt: -1, _id: -1 })
      .limit(first + 1)
      .lean();
    const deliveries = docs.slice(0, first);
    const last = deliveries.at(-1);
    return { deliveries, hasNextPage: docs.length > first, endCursor: last ? encodeCursor(last) : null };
  }

  /** Posts a WEBHOOK_TEST ping now (even to a disabled endpoint) and returns its logged delivery. */
  async test(organizationId: string, id: string): Promise<DeliveryDoc> {
    const webhook = await this.get(organizationId, id);
    const { data, description } = describeTest(id);
    return this.deps.deliveries.sendTest(
      webhook,
      {
        id: `test:${randomUUID()}`,
        type: 'WEBHOOK_TEST',
        occurredAt: this.deps.clock.now().toISOString(),
        organizationId,
        data,
      },
      description,
    );
  }
}

export function encodeCursor(doc: { createdAt: Date; _id: Types.ObjectId }): string {
  return Buffer.from(`${doc.createdAt.toISOString()}|${String(doc._id)}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: Types.ObjectId } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f]{24}$/i.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new AppError(
      'BAD_USER_INPUT',
      `Invalid cursor "${cursor}": pass an endCursor from a previous page.`,
      {
        details: { fields: [{ field: 'after', message: 'not a cursor from this list' }] },
      },
    );
  }
  return { createdAt, id: new Types.ObjectId(id) };
}
