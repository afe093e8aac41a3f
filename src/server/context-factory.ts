/**
 * Builds the GraphQL context for one operation, over HTTP (Authorization header)
 * or graphql-ws (connectionParams.authorization). A request without a key gets
 * `auth: null` (scopes then answer UNAUTHENTICATED); a request with a bad key fails
 * right here. Each authenticated operation counts against its key's rate limit.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../app/services';
import { parseBearer } from '../auth/api-key';
import type { Caller } from '../auth/roles';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { AppContext } from './context';
import type { RateLimiter } from './rate-limiter';
import { requestIdOf } from './request-id';

export interface ContextDeps {
  services: Services;
  pubsub: AppPubSub;
  clock: Clock;
  logger: Logger;
  rateLimiter: RateLimiter;
}

/** What Yoga hands the factory: a fetch Request over HTTP, connection params over graphql-ws. */
export interface InitialContext {
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

export function credentialFrom(initial: InitialContext): string | null | undefined {
  if (initial.request) return initial.request.headers.get('authorization');
  const value = initial.connectionParams?.authorization ?? initial.connectionParams?.Authorization;
  return typeof value === 'string' ? value : value == null ? null : '';
}

/** Resolves a raw credential ("Bearer <key>" or, over websockets, the bare key) to a caller. */
export async function authenticateCredential(
  services: Services,
  credential: string | null | undefined,
  allowBare: boolean,
): Promise<Caller | null> {
  if (credential == null) return null;
  const key = parseBearer(credential) ?? (allowBare && /^\S+$/.test(credential) ? credential : null);
  if (!key)
    throw new AppError('UNAUTHENTICATED', 'Malformed credentials: use "Authorization: Bearer <api key>".');
  return services.auth.authenticate(key);
}

export function createContextFactory(deps: ContextDeps) {
  return async (initial: InitialContext): Promise<AppContext> => {
    const requestId = initial.request ? requestIdOf(initial.request) : randomUUID();
    const auth = await authenticateCredential(deps.services, credentialFrom(initial), !initial.request);
    if (auth) await deps.rateLimiter.consume(auth.apiKeyId);
    const logger = deps.logger.child(
      auth ? { requestId, apiKeyId: auth.apiKeyId, organizationId: auth.organizationId } : { requestId },
    );
    return { requestId, logger, auth, services: deps.services, pubsub: deps.pubsub, clock: deps.clock };
  };
}
