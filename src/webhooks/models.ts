/**
 * The webhook feature's documents: endpoints (`webhooks`) and the delivery log
 * (`webhook_deliveries`). Types are declared by hand (see src/db/model.ts for why).
 * The unique (webhookId, eventId) index is what makes fan-out idempotent: a replayed
 * event finds its delivery already there and posts nothing new. Deliveries expire with
 * the retention (TTL on `expiresAt`).
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { bindModel } from '../db/model';
import {
  WEBHOOK_EVENT_KINDS,
  WEBHOOK_FORMATS,
  type WebhookEventKind,
  type WebhookFormat,
  type WebhookPayloadType,
} from './event-kinds';
import type { EventDescription, WebhookEnvelope } from './envelope';

export interface WebhookDoc {
  _id: Types.ObjectId;
  organizationId: string;
  name: string | null;
  url: string;
  format: WebhookFormat;
  events: WebhookEventKind[];
  enabled: boolean;
  /** Sealed when WEBHOOK_SECRET_KEY is set (secret-box.ts). */
  secret: string;
  /** The first characters of the secret, for telling secrets apart. */
  secretHint: string;
  secretRotatedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttempt {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  /** null when no response arrived. */
  httpStatus: number | null;
  ok: boolean;
  error: string | null;
  responseSnippet: string | null;
  /** When the next attempt is due; null when this one ended the delivery. */
  nextAttemptAt: Date | null;
}

export interface DeliveryDoc {
  _id: Types.ObjectId;
  webhookId: Types.ObjectId;
  organizationId: string;
  eventId: string;
  type: WebhookPayloadType;
  envelope: WebhookEnvelope;
  description: EventDescription;
  status: DeliveryStatus;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  nextAttemptAt: Date | null;
  /** A worker holds the delivery until then while it posts; another worker keeps off. */
  leaseUntil: Date | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date;
}

const webhookSchema = new Schema(
  {
    organizationId: { type: String, required: true },
    name: { type: String, default: null },
    url: { type: String, required: true },
    format: { type: String, enum: WEBHOOK_FORMATS, required: true },
    events: { type: [String], enum: WEBHOOK_EVENT_KINDS, required: true },
    enabled: { type: Boolean, required: true, default: true },
    secret: { type: String, required: true },
    secretHint: { type: String, required: true },
    secretRotatedAt: { type: Date, default: null },
    createdBy: { type: String, default: null },
  },
  { timestamps: true, collection: 'webhooks', versionKey: false },
);
webhookSchema.index({ organizationId: 1, createdAt: -1 });
// Fan-out looks endpoints up by the kind they subscribed to.
webhookSchema.index({ events: 1, enabled: 1 });

const attemptSchema = new Schema(
  {
    attempt: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    durationMs: { type: Number, required: true },
    httpStatus: { type: Number, default: null },
    ok: { type: Boolean, required: true },
    error: { type: String, default: null },
    responseSnippet: { type: String, default: null },
    nextAttemptAt: { type: Date, default: null },
  },
  { _id: false },
);

const deliverySchema = new Schema(
  {
    webhookId: { type: Schema.Types.ObjectId, required: true },
    organizationId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    envelope: { type: Schema.Types.Mixed, required: true },
    description: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    attemptCount: { type: Number, required: true, default: 0 },
    attempts: { type: [attemptSchema], default: [] },
    nextAttemptAt: { type: Date, default: null },
    leaseUntil: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false, minimize: false },
);
deliverySchema.index({ webhookId: 1, eventId: 1 }, { unique: true });
deliverySchema.index({ webhookId: 1, createdAt: -1, _id: -1 });
deliverySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface WebhookModels {
  Webhook: Model<WebhookDoc>;
  Delivery: Model<DeliveryDoc>;
}

export function webhookModels(connection: Connection): WebhookModels {
  return {
    Webhook: bindModel<WebhookDoc>(connection, 'Webhook', webhookSchema),
    Delivery: bindModel<DeliveryDoc>(connection, 'WebhookDelivery', deliverySchema),
  };
}
