/**
 * graphql-ws on the same HTTP server and path as Yoga. The key comes in
 * `connectionParams.authorization` ("Bearer <key>" or the bare key):
 * - missing or invalid key (or revoked later, while connected): close 4401;
 * - valid key whose user may not connect (disabled): close 4403.
 * Every subscribe re-runs Yoga's context factory, so scopes, rate limits and
 * revocation apply per operation exactly as over HTTP.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Services } from '../app/services';
import type { Caller } from '../auth/roles';
import type { AppPubSub } from '../pubsub/pubsub';
import { isAppError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { authenticateCredential, credentialFrom } from './context-factory';
import { appErrorToGraphQL } from './errors';
import type { AppYoga } from './yoga';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** RFC 6455 "going away": the server is shutting down. */
export const CLOSE_GOING_AWAY = 1001;

export interface GraphQLWsDeps {
  server: Server;
  yoga: AppYoga;
  services: Services;
  pubsub: AppPubSub;
  logger: Logger;
  production: boolean;
}

export interface GraphQLWsHandle {
  /** Closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
  readonly connections: number;
}

interface ConnectionState {
  caller?: Caller;
  stopWatching?: () => void;
}

export function attachGraphQLWs(deps: GraphQLWsDeps): GraphQLWsHandle {
  const wss = new WebSocketServer({ server: deps.server, path: '/graphql' });
  const states = new WeakMap<WebSocket, ConnectionState>();
  const logger = deps.logger.child({ component: 'graphql-ws' });

  useServer<Record<string, unknown>, { state: ConnectionState }>(
    {
      execute: (args) =>
        (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) =>
        (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          const caller = await authenticateCredential(
            deps.services,
            credentialFrom({ connectionParams: ctx.connectionParams }),
            true,
          );
          if (!caller) {
            socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: send connectionParams.authorization');
            return false;
          }
          const state: ConnectionState = { caller };
          states.set(socket, state);
          state.stopWatching = watchRevocation(deps.pubsub, caller, () =>
            socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: API key revoked'),
          );
          return true;
        } catch (error) {
          if (isAppError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
            socket.close(
              error.code === 'FORBIDDEN' ? CLOSE_FORBIDDEN : CLOSE_UNAUTHORIZED,
              truncate(error.message),
            );
            return false;
          }
          logger.error({ err: error }, 'websocket authentication failed unexpectedly');
          throw error;
        }
      },
      onDisconnect: (ctx) => {
        states.get(ctx.extra.socket)?.stopWatching?.();
      },
      onClose: (ctx) => {
        states.get(ctx.extra.socket)?.stopWatching?.();
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = deps.yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as never];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          if (isAppError(error)) return [appErrorToGraphQL(error)];
          throw error;
        }
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );

  return {
    get connections() {
      return wss.clients.size;
    },
    async close() {
      for (const socket of wss.clients) socket.close(CLOSE_GOING_AWAY, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Closes the socket when its key is revoked (pubsub is per organisation). */
function watchRevocation(pubsub: AppPubSub, caller: Caller, onRevoked: () => void): () => void {
  const iterator = pubsub.subscribe('apiKeyRevoked', caller.organizationId)[Symbol.asyncIterator]();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const next = await iterator.next();
      if (next.done) return;
      if (next.value.apiKeyId === caller.apiKeyId) {
        onRevoked();
        return;
      }
    }
  })();
  return () => {
    stopped = true;
    void iterator.return?.();
  };
}

function truncate(reason: string): string {
  // A close reason must fit in 123 bytes.
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 110)}…`;
}
