/**
 * GraphQL for webhooks, for organisation owners and admins only (an endpoint URL such as
 * a Slack webhook is itself a credential): `webhooks`, `webhookDeliveries`,
 * `createWebhook`, `updateWebhook`, `deleteWebhook`, `rotateWebhookSecret`, `testWebhook`.
 * Resolvers only call the service, always with the caller's organisation.
 */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import { WEBHOOK_EVENT_KINDS, WEBHOOK_FORMATS } from './event-kinds';
import type { WebhookFeature } from './feature';
import { DELIVERY_STATUSES, type DeliveryAttempt, type DeliveryDoc, type WebhookDoc } from './models';
import { encodeCursor, type DeliveryPage, type WebhookWithSecret } from './webhook.service';

const admin = { orgAdmin: true } as const;

function organizationOf(ctx: Context): string {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth.organizationId;
}
const webhooks = (ctx: Context) => (ctx.services as unknown as { webhooks: WebhookFeature }).webhooks.service;

const Kind = builder.enumType('WebhookEventKind', { values: WEBHOOK_EVENT_KINDS });
const Format = builder.enumType('WebhookFormat', { values: WEBHOOK_FORMATS });
const Status = builder.enumType('WebhookDeliveryStatus', { values: DELIVERY_STATUSES });
const PayloadType = builder.enumType('WebhookPayloadType', {
  values: [...WEBHOOK_EVENT_KINDS, 'WEBHOOK_TEST'] as const,
});

const WebhookRef = builder.objectRef<WebhookDoc>('Webhook').implement({
  fields: (t) => ({
    id: t.id({ resolve: (w) => String(w._id) }),
    name: t.string({ nullable: true, resolve: (w) => w.name }),
    url: t.exposeString('url'),
    format: t.field({ type: Format, resolve: (w) => w.format }),
    events: t.field({ type: [Kind], resolve: (w) => w.events }),
    enabled: t.exposeBoolean('enabled'),
    secretHint: t.string({
      description:
        'The first characters of the signing secret; the whole secret is shown only on create and rotate.',
      resolve: (w) => w.secretHint,
    }),
    secretRotatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (w) => w.secretRotatedAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => w.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (w) => w.updatedAt }),
  }),
});

const WithSecretRef = builder.objectRef<WebhookWithSecret>('WebhookWithSecret').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (w) => w.webhook }),
    secret: t.exposeString('secret', {
      description: 'The signing secret. Shown this once: store it where your receiver can read it.',
    }),
  }),
});

const AttemptRef = builder.objectRef<DeliveryAttempt>('WebhookDeliveryAttempt').implement({
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    startedAt: t.field({ type: 'DateTime', resolve: (a) => a.startedAt }),
    durationMs: t.exposeFloat('durationMs'),
    httpStatus: t.int({ nullable: true, resolve: (a) => a.httpStatus }),
    ok: t.exposeBoolean('ok'),
    error: t.string({ nullable: true, resolve: (a) => a.error }),
    responseSnippet: t.string({
      nullable: true,
      description: 'The first KB of the response body.',
      resolve: (a) => a.responseSnippet,
    }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.nextAttemptAt }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryDoc>('WebhookDelivery').implement({
  fields: (t) => ({
    id: t.id({ resolve: (d) => String(d._id) }),
    webhookId: t.id({ resolve: (d) => String(d.webhookId) }),
    eventId: t.exposeString('eventId'),
    type: t.field({ type: PayloadType, resolve: (d) => d.type }),
    status: t.field({ type: Status, resolve: (d) => d.status }),
    attemptCount: t.exposeInt('attemptCount'),
    attempts: t.field({ type: [AttemptRef], resolve: (d) => d.attempts }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
    }),
    payload: t.field({
      type: 'JSON',
      description: 'The JSON envelope (the body of JSON-format endpoints).',
      resolve: (d) => d.envelope,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.completedAt }),
  }),
});

const DeliveryEdgeRef = builder.objectRef<DeliveryDoc>('WebhookDeliveryEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (d) => encodeCursor(d) }),
    node: t.field({ type: DeliveryRef, resolve: (d) => d }),
  }),
});

const DeliveryConnectionRef = builder.objectRef<DeliveryPage>('WebhookDeliveryConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [DeliveryEdgeRef], resolve: (p) => p.deliveries }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.string({ nullable: true, resolve: (p) => p.endCursor }),
  }),
});

const CreateInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'http(s) URL that receives POSTs.' }),
    events: t.field({ type: [Kind], required: true }),
    format: t.field({ type: Format, description: 'JSON (default) or SLACK (an incoming-webhook message).' }),
    enabled: t.boolean({ description: 'Default true.' }),
    name: t.string(),
  }),
});

const UpdateInput = builder.inputType('UpdateWebhookInput', {
  fields: (t) => ({
    url: t.string(),
    events: t.field({ type: [Kind] }),
    format: t.field({ type: Format }),
    enabled: t.boolean(),
    name: t.string({ description: 'null clears it.' }),
  }),
});

/** Absent and null mean "unchanged", except `name`, where null clears it. */
function updates(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || k === 'name')),
  );
}

builder.queryFields((t) => ({
  webhooks: t.field({
    type: [WebhookRef],
    authScopes: admin,
    description: "Your organisation's webhook endpoints, newest first.",
    resolve: (_r, _a, ctx) => webhooks(ctx).list(organizationOf(ctx)),
  }),
  webhookDeliveries: t.field({
    type: DeliveryConnectionRef,
    authScopes: admin,
    description: 'The delivery log of one endpoint, newest first, with every attempt.',
    args: {
      webhookId: t.arg.id({ required: true }),
      first: t.arg.int({ description: '1-100, default 20.' }),
      after: t.arg.string(),
    },
    resolve: (_r, args, ctx) =>
      webhooks(ctx).deliveries(organizationOf(ctx), String(args.webhookId), {
        first: args.first,
        after: args.after,
      }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WithSecretRef,
    authScopes: admin,
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: (_r, args, ctx) =>
      webhooks(ctx).create(organizationOf(ctx), updates(args.input), ctx.auth?.userId ?? null),
  }),
  updateWebhook: t.field({
    type: WebhookRef,
    authScopes: admin,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
    resolve: (_r, args, ctx) =>
      webhooks(ctx).update(organizationOf(ctx), String(args.id), updates(args.input)),
  }),
  deleteWebhook: t.boolean({
    authScopes: admin,
    description: 'Deletes the endpoint and its delivery log; pending retries are dropped.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      await webhooks(ctx).remove(organizationOf(ctx), String(args.id));
      return true;
    },
  }),
  rotateWebhookSecret: t.field({
    type: WithSecretRef,
    authScopes: admin,
    description: 'A new signing secret, effective at once (pending retries are signed with it).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => webhooks(ctx).rotateSecret(organizationOf(ctx), String(args.id)),
  }),
  testWebhook: t.field({
    type: DeliveryRef,
    authScopes: admin,
    description: 'Posts a WEBHOOK_TEST ping now (once, no retries) and returns its logged delivery.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => webhooks(ctx).test(organizationOf(ctx), String(args.id)),
  }),
}));
