/**
 * The typed pubsub that lives in the GraphQL context. It is graphql-yoga's
 * `createPubSub`, keyed as `(topic, organizationId)`, so tenants never share a
 * channel. The event target is the only moving part: the default is in-process;
 * a Redis event target (`@graphql-yoga/redis-event-target`) can be passed in for
 * multi-process fan-out without touching resolvers.
 */
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import type { PubSubChannels } from './channels';

export type PubSubArgs = {
  [K in keyof PubSubChannels]: [organizationId: string, payload: PubSubChannels[K]];
};

export type AppPubSub = PubSub<PubSubArgs>;

export interface CreateAppPubSubOptions {
  /** Replace the in-process transport, e.g. with a Redis event target. */
  eventTarget?: PubSubEventTarget<PubSubArgs>;
}

export function createAppPubSub(options: CreateAppPubSubOptions = {}): AppPubSub {
  return createPubSub<PubSubArgs>(options.eventTarget ? { eventTarget: options.eventTarget } : {});
}
