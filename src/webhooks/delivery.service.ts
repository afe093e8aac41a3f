/**
 * Deliveries: fan an event out to the endpoints that subscribed to it, and make the
 * attempts. The delivery document is written before any attempt and is the source of
 * truth; the agenda job only says "try delivery D, attempt N now". So a process that dies
 * mid-attempt loses nothing: the job's lock expires, another worker runs it again and the
 * delivery's lease (held for one attempt) has lapsed by then.
 *
 * Idempotency: one delivery per (endpoint, event) by a unique index, and one job per
 * (delivery, attempt) by agenda's unique insert. A replayed event or a re-run job finds
 * the work done and posts nothing twice.
 */
import type { Types } from 'mongoose';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { EventDescription, WebhookEnvelope } from './envelope';
import type { WebhookEventKind } from './event-kinds';
import { postOnce, type PostOutcome } from './http-post';
import type { DeliveryAttempt, DeliveryDoc, DeliveryStatus, WebhookDoc, WebhookModels } from './models';
import { renderBody } from './render-body';
import type { SecretBox } from './secret-box';
import { nextDelayMs, type RetryPolicy } from './retry-policy';
import { signedHeaders } from './signing';

/** Queues "attempt N of delivery D at time T" durably (an agenda job). */
export interface DeliveryScheduler {
  schedule(deliveryId: string, attempt: number, at: Date): Promise<void>;
}

/** Who receives an event: one organisation's endpoints, or (deployment-wide alerts) those of the audience. */
export type FanOutTarget = { organizationId: string } | { deploymentWide: true };

export interface FanOutEvent {
  eventId: string;
  kind: WebhookEventKind;
  occurredAt: Date;
  organizationId: string | null;
  data: Record<string, unknown>;
  description: EventDescription;
}

export interface DeliveryServiceDeps {
  models: WebhookModels;
  clock: Clock;
  logger: Logger;
  scheduler: DeliveryScheduler;
  policy: RetryPolicy;
  timeoutMs: number;
  retentionMs: number;
  /**
   * Which organisations' endpoints receive deployment-wide performance alerts: every
   * organisation (`'all'`) or the listed ones.
   */
  deploymentWideAudience: 'all' | string[];
  secrets: SecretBox;
  fetchImpl?: typeof fetch;
}

/** How long past the timeout a lease outlives an attempt (slow body reads, clock skew). */
const LEASE_MARGIN_MS = 30_000;

export class WebhookDeliveryService {
  constructor(private readonly deps: DeliveryServiceDeps) {}

  /** Writes one delivery per subscribed, enabled endpoint and queues its first attempt. Returns how many are new. */
  async fanOut(event: FanOutEvent, target: FanOutTarget): Promise<number> {
    const query: Record<string, unknown> = { enabled: true, events: event.kind };
    if ('organizationId' in target) query.organizationId = target.organizationId;
    else if (this.deps.deploymentWideAudience !== 'all')
      query.organizationId = { $in: this.deps.deploymentWideAudience };
    const endpoints = await this.deps.models.Webhook.find(query, { _id: 1, organizationId: 1 }).lean();
    let created = 0;
    for (const endpoint of endpoints) {
      const envelope: WebhookEnvelope = {
        id: event.eventId,
        type: event.kind,
        occurredAt: event.occurredAt.toISOString(),
        organizationId: event.organizationId,
        data: event.data,
      };
      const delivery = await this.insert(endpoint, envelope, event.description);
      if (delivery.created) created += 1;
      // A replay (or a listener re-run after a crash) re-queues only a delivery never attempted;
      // agenda's unique insert makes that a no-op when its job is already there.
      if (delivery.doc.status === 'PENDING' && delivery.doc.attemptCount === 0) {
        await this.deps.scheduler.schedule(String(delivery.doc._id), 1, this.deps.clock.now());
      }
    }
    return created;
  }

  /** One attempt of a test ping, made now, recorded in the log like any delivery, never retried. */
  async sendTest(
    endpoint: WebhookDoc,
    envelope: WebhookEnvelope,
    description: EventDescription,
  ): Promise<DeliveryDoc> {
    const { doc } = await this.insert(endpoint, envelope, description);
    return this.attemptNow(doc, endpoint, { retry: false });
  }

  /** The job: make attempt `attempt` of the delivery, unless it is done or already made. */
  async attempt(deliveryId: string, attempt: number): Promise<void> {
    const doc = await this.deps.models.Delivery.findById(deliveryId).lean();
    if (!doc || doc.status !== 'PENDING') return;
    if (doc.attemptCount >= attempt) {
      // This attempt happened and its job died before finishing: make sure the next one is queued.
      if (doc.nextAttemptAt)
        await this.deps.scheduler.schedule(deliveryId, doc.attemptCount + 1, doc.nextAttemptAt);
      return;
    }
    const endpoint = await this.deps.models.Webhook.findById(doc.webhookId).lean();
    await this.attemptNow(doc, endpoint, { retry: true });
  }

  private async attemptNow(
    doc: DeliveryDoc,
    endpoint: WebhookDoc | null,
    options: { retry: boolean },
  ): Promise<DeliveryDoc> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.models.Delivery.findOneAndUpdate(
      {
        _id: doc._id,
        status: 'PENDING',
        attemptCount: doc.attemptCount,
        $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }],
      },
      { $set: { leaseUntil: new Date(now.getTime() + this.deps.timeoutMs + LEASE_MARGIN_MS) } },
      { returnDocument: 'after' },
    ).lean();
    if (!claimed) return (await this.deps.models.Delivery.findById(doc._id).lean()) ?? doc; // another worker has it
    const attempt = claimed.attemptCount + 1;
    if (!endpoint || (!endpoint.enabled && claimed.type !== 'WEBHOOK_TEST')) {
      const reason = endpoint ? 'the webhook was disabled before this delivery' : 'the webhook was deleted';
      return this.record(
        claimed,
        {
          attempt,
          startedAt: now,
          durationMs: 0,
          httpStatus: null,
          ok: false,
          error: reason,
          responseSnippet: null,
          nextAttemptAt: null,
        },
        'FAILED',
      );
    }
    const body = renderBody(endpoint.format, claimed.envelope, claimed.description);
    const outcome = await this.post(endpoint, claimed.envelope.id, body, now);
    const delay = options.retry ? nextDelayMs(this.deps.policy, attempt, outcome) : null;
    const after = this.deps.clock.now();
    const nextAttemptAt = delay === null ? null : new Date(after.getTime() + delay);
    const status: DeliveryStatus = outcome.ok ? 'SUCCEEDED' : nextAttemptAt ? 'PENDING' : 'FAILED';
    const recorded = await this.record(
      claimed,
      {
        attempt,
        startedAt: now,
        durationMs: outcome.durationMs,
        httpStatus: outcome.httpStatus,
        ok: outcome.ok,
        error: outcome.error,
        responseSnippet: outcome.responseSnippet,
        nextAttemptAt,
      },
      status,
    );
    if (nextAttemptAt) await this.deps.scheduler.schedule(String(claimed._id), attempt + 1, nextAttemptAt);
    this.deps.logger[outcome.ok ? 'debug' : 'warn'](
      {
        deliveryId: String(claimed._id),
        webhookId: String(endpoint._id),
        attempt,
        httpStatus: outcome.httpStatus,
        status,
        error: outcome.error,
      },
      'webhook attempt',
    );
    return recorded;
  }

  /** An unreadable secret (WEBHOOK_SECRET_KEY missing or wrong) fails the attempt like a network error: retried, so fixing the key lets it through. */
  private async post(endpoint: WebhookDoc, id: string, body: string, now: Date): Promise<PostOutcome> {
    let secret: string;
    try {
      secret = this.deps.secrets.open(endpoint.secret);
    } catch (error) {
      const message = (error as Error).message;
      return {
        ok: false,
        httpStatus: null,
        retryAfterMs: null,
        durationMs: 0,
        error: message,
        responseSnippet: null,
      };
    }
    return postOnce({
      url: endpoint.url,
      body,
      headers: signedHeaders({ secret, id, body, now }),
      timeoutMs: this.deps.timeoutMs,
      now: () => this.deps.clock.now(),
      fetchImpl: this.deps.fetchImpl,
    });
  }

  private async record(
    doc: DeliveryDoc,
    entry: DeliveryAttempt,
    status: DeliveryStatus,
  ): Promise<DeliveryDoc> {
    const updated = await this.deps.models.Delivery.findOneAndUpdate(
      { _id: doc._id, attemptCount: doc.attemptCount },
      {
        $push: { attempts: entry },
        $set: {
          status,
          attemptCount: entry.attempt,
          nextAttemptAt: entry.nextAttemptAt,
          leaseUntil: null,
          completedAt: status === 'PENDING' ? null : this.deps.clock.now(),
        },
      },
      { returnDocument: 'after' },
    ).lean();
    return updated ?? doc;
  }

  private async insert(
    endpoint: { _id: Types.ObjectId; organizationId: string },
    envelope: WebhookEnvelope,
    description: EventDescription,
  ): Promise<{ doc: DeliveryDoc; created: boolean }> {
    const now = this.deps.clock.now();
    try {
      const created = await this.deps.models.Delivery.create({
        webhookId: endpoint._id,
        organizationId: endpoint.organizationId,
        eventId: envelope.id,
        type: envelope.type,
        envelope,
        description,
        status: 'PENDING',
        attemptCount: 0,
        attempts: [],
        nextAttemptAt: now,
        leaseUntil: null,
        createdAt: now,
        completedAt: null,
        expiresAt: new Date(now.getTime() + this.deps.retentionMs),
      });
      return { doc: created.toObject() as DeliveryDoc, created: true };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const existing = await this.deps.models.Delivery.findOne({
        webhookId: endpoint._id,
        eventId: envelope.id,
      }).lean();
      if (!existing) throw error;
      return { doc: existing, created: false };
    }
  }
}
