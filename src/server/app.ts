/**
 * `buildApp(deps)`: the HTTP + websocket server around one Yoga instance, with
 * start/stop. It owns no database or job queue: the runtime passes readiness and an
 * `onStop` hook. `stop()` is the graceful shutdown:
 *   1. stop listening; requests on open keep-alive sockets get 503;
 *   2. close graphql-ws sockets with 1001 and end SSE streams;
 *   3. let in-flight requests finish, up to SHUTDOWN_TIMEOUT_MS;
 *   4. run `onStop` (drain and stop agenda, close the database).
 */
import type { AddressInfo } from 'node:net';
import type { Db } from 'mongodb';
import type { Services } from '../app/services';
import type { Config } from '../config/env';
import type { AppPubSub } from '../pubsub/pubsub';
import { buildSchema } from '../schema';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { attachGraphQLWs, type GraphQLWsHandle } from './graphql-ws';
import { createHttpServer, type HttpServerHandle } from './http-server';
import { MongoRateLimiter, type RateLimiter } from './rate-limiter';
import { createAppYoga, type AppYoga } from './yoga';
import { startMetricsServerIfConfigured } from '../monitoring/metrics-port';
import type { MetricsServer } from '../monitoring/metrics-http';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  services: Services;
  pubsub: AppPubSub;
  db: Db;
  /** True when the database and job queue answer (GET /ready). */
  ready(): Promise<boolean>;
  /** Runs last in stop(): stop workers, close the database. */
  onStop?(): Promise<void>;
  rateLimiter?: RateLimiter;
}

export interface App {
  yoga: AppYoga;
  /** Listens on `port` (0 = a free port); resolves with the GraphQL URL. */
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
  /** http://host:port/graphql once started. */
  readonly url: string;
  readonly wsUrl: string;
  readonly http: HttpServerHandle;
}

export function buildApp(deps: AppDeps): App {
  const { config } = deps;
  const production = config.NODE_ENV === 'production';
  let stopping: Promise<void> | undefined;
  let url = '';
  const yoga = createAppYoga({
    schema: buildSchema(),
    services: deps.services,
    pubsub: deps.pubsub,
    clock: deps.clock,
    logger: deps.logger,
    rateLimiter:
      deps.rateLimiter ??
      new MongoRateLimiter(deps.db, { perMinute: config.RATE_LIMIT_PER_MINUTE, clock: deps.clock }),
    production,
    maxDepth: config.MAX_QUERY_DEPTH,
    maxComplexity: config.MAX_QUERY_COMPLEXITY,
    ready: async () => !stopping && (await deps.ready()),
    metrics: { onApiPort: config.METRICS_PORT === undefined, token: config.METRICS_TOKEN },
  });
  const http = createHttpServer({ yoga, maxBodyBytes: config.MAX_BODY_BYTES });
  let ws: GraphQLWsHandle | undefined;
  let metricsServer: MetricsServer | undefined;

  return {
    yoga,
    http,
    get url() {
      return url;
    },
    get wsUrl() {
      return url.replace(/^http/, 'ws');
    },
    async start(port = config.PORT) {
      ws = attachGraphQLWs({
        server: http.server,
        yoga,
        services: deps.services,
        pubsub: deps.pubsub,
        logger: deps.logger,
        production,
      });
      await new Promise<void>((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(port, config.HOST, () => {
          http.server.off('error', reject);
          resolve();
        });
      });
      metricsServer = await startMetricsServerIfConfigured(config, deps.services.monitoring);
      const address = http.server.address() as AddressInfo;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
      url = `http://${host}:${address.port}/graphql`;
      return url;
    },
    stop() {
      stopping ??= (async () => {
        const started = Date.now();
        const drained = http.drain(config.SHUTDOWN_TIMEOUT_MS);
        await ws?.close();
        await metricsServer?.stop();
        const result = await drained;
        deps.logger.info({ ...result, ms: Date.now() - started }, 'http server stopped');
        await deps.onStop?.();
      })();
      return stopping;
    },
  };
}
