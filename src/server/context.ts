/**
 * The GraphQL context every resolver receives:
 *
 *   {
 *     requestId: string            // also on every log line of the request
 *     logger: Logger               // pino child with requestId (and apiKeyId once known)
 *     auth: Caller | null          // null when no valid key was sent
 *       Caller = { userId, organizationId, apiKeyId, role, projectRoles }
 *     services: Services           // the registry built in src/app/services.ts
 *     pubsub: AppPubSub            // typed, per-organisation topics
 *     clock: Clock                 // read "now" through this, never `new Date()` in logic
 *   }
 *
 * Yoga's own fields (`request`, `params`) are there too. Plugins may attach
 * request-scoped data with a WeakMap keyed by the context.
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { Caller } from '../auth/roles';
import type { Services } from '../app/services';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';

export interface AppContext {
  requestId: string;
  logger: Logger;
  auth: Caller | null;
  services: Services;
  pubsub: AppPubSub;
  clock: Clock;
}

export type Context = AppContext & Partial<YogaInitialContext>;

export type { Caller };
