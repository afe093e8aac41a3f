/**
 * The integration-test harness: `startTestApp()` starts the real app (HTTP +
 * graphql-ws + agenda worker) on a free port against a fresh test database, and
 * returns clients for it. `seed.createOwner()` makes a brand-new organisation, owner
 * and key, so tests isolate themselves without cleanup.
 *
 *   const app = await startTestApp();
 *   const owner = await app.seed.createOwner();
 *   const res = await owner.graphql('{ me { role } }');
 *   const sub = owner.subscribe('subscription { projectChanged { projectId } }');
 *   await app.stop();
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startRuntime, type Runtime } from '../../src/app/runtime';
import { loadConfig, type Config } from '../../src/config/env';
import type { DatabaseHandle } from '../../src/db/chain';
import type { EventBus } from '../../src/events/bus';
import { buildApp, type App } from '../../src/server/app';
import type { Clock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { testClock } from './clock';
import { startTestDatabase } from './db';

/** Responses are read loosely; assertions say what matters. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export interface TestAppOverrides {
  /** Environment variables for loadConfig (strings, as in production). */
  env?: Record<string, string>;
  /** Replace the event bus, e.g. with fakeEvents(). */
  events?: EventBus;
  clock?: Clock;
  /** Run the agenda worker in the app process (default true). */
  worker?: boolean;
  /** Reuse a database (e.g. to restart an app on the same data). Not stopped by stop(). */
  database?: DatabaseHandle;
}

export interface GraphQLResponse<T = Loose> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors?: { message: string; path?: string[]; extensions?: Record<string, Loose> }[];
}

export interface RequestOptions {
  key?: string | null;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export async function graphqlRequest<T = Loose>(
  url: string,
  query: string,
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLResponse['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

export interface WsConnection {
  client: Client;
  /** Resolves with the close code when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the server acknowledged the connection. */
  connected: Promise<void>;
  subscribe<T = unknown>(query: string, variables?: Record<string, unknown>): Subscription<T>;
  dispose(): Promise<void>;
}

export interface Subscription<T> {
  /** Values received so far. */
  readonly values: T[];
  readonly errors: unknown[];
  /** Waits until `count` values arrived. */
  next(count?: number, timeoutMs?: number): Promise<T[]>;
  stop(): void;
}

/** A graphql-ws client; `authorization` goes in connectionParams (null sends none). */
export function connectWs(wsUrl: string, authorization: string | null): WsConnection {
  let onClosed!: (value: { code: number; reason: string }) => void;
  let onConnected!: () => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization === null ? {} : { authorization },
    onNonLazyError: () => undefined,
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        onClosed({ code: e.code, reason: String(e.reason) });
      },
    },
  });
  return {
    client,
    closed,
    connected,
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const values: T[] = [];
      const errors: unknown[] = [];
      const waiters: (() => void)[] = [];
      const wake = () => waiters.splice(0).forEach((w) => w());
      const stop = client.subscribe<T>(
        { query, variables },
        {
          next: (value) => {
            if (value.errors) errors.push(...value.errors);
            if (value.data) values.push(value.data as T);
            wake();
          },
          error: (error) => {
            errors.push(error);
            wake();
          },
          complete: wake,
        },
      );
      return {
        values,
        errors,
        stop,
        async next(count = 1, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (values.length < count) {
            if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out waiting for ${count} value(s); got ${values.length}`);
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          return values.slice(0, count);
        },
      };
    },
    async dispose() {
      await client.dispose();
    },
  };
}

export interface SeededActor {
  organizationId: string;
  userId: string;
  apiKeyId: string;
  key: string;
  graphql<T = Loose>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  ws(): WsConnection;
}

export interface Seed {
  /** A fresh organisation with an owner and the owner's key. */
  createOwner(options?: { organizationName?: string }): Promise<SeededActor>;
  /** Another user (with a key) in the owner's organisation. */
  createUser(owner: SeededActor, role: 'owner' | 'admin' | 'member' | 'viewer'): Promise<SeededActor>;
}

export interface TestApp {
  url: string;
  wsUrl: string;
  app: App;
  runtime: Runtime;
  config: Config;
  database: DatabaseHandle;
  seed: Seed;
  graphql<T = Loose>(query: string, options?: RequestOptions): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

let seq = 0;

export async function startTestApp(overrides: TestAppOverrides = {}): Promise<TestApp> {
  const database = overrides.database ?? (await startTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    JOB_POLL_INTERVAL_MS: '200',
    ...overrides.env,
  });
  const logger = createLogger({ level: config.LOG_LEVEL });
  const runtime = await startRuntime({
    config,
    logger,
    database,
    // TEST_CLOCK runs a whole suite at a chosen hour (see ./clock.ts).
    clock: overrides.clock ?? (process.env.TEST_CLOCK ? testClock() : undefined),
    events: overrides.events,
    worker: overrides.worker ?? true,
    ownsDatabase: !overrides.database,
  });
  const app = buildApp({ ...runtime, ready: () => runtime.ready(), onStop: () => runtime.stop() });
  const url = await app.start(0);
  const wsUrl = app.wsUrl;

  const actor = (organizationId: string, userId: string, apiKeyId: string, key: string): SeededActor => ({
    organizationId,
    userId,
    apiKeyId,
    key,
    graphql: (query, variables) => graphqlRequest(url, query, { key, variables }),
    ws: () => connectWs(wsUrl, `Bearer ${key}`),
  });

  const seed: Seed = {
    async createOwner(options = {}) {
      seq += 1;
      const unique = `${Date.now().toString(36)}-${seq}`;
      const created = await runtime.services.onboarding.createOrganization({
        organizationName: options.organizationName ?? `Org ${unique}`,
        ownerEmail: `owner-${unique}@example.com`,
      });
      return actor(
        created.organization._id.toHexString(),
        created.owner._id.toHexString(),
        created.key.apiKey._id.toHexString(),
        created.key.secret,
      );
    },
    async createUser(owner, role) {
      seq += 1;
      const res = await owner.graphql<{ createUser: { id: string } }>(
        'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
        {
          input: {
            email: `${role}-${Date.now().toString(36)}-${seq}@example.com`,
            name: `${role} ${seq}`,
            role: role.toUpperCase(),
          },
        },
      );
      if (!res.data?.createUser) throw new Error(`seed.createUser failed: ${JSON.stringify(res.errors)}`);
      const userId = res.data.createUser.id;
      const keyRes = await owner.graphql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }',
        { input: { name: `${role} key`, userId } },
      );
      if (!keyRes.data?.createApiKey)
        throw new Error(`seed.createUser key failed: ${JSON.stringify(keyRes.errors)}`);
      return actor(
        owner.organizationId,
        userId,
        keyRes.data.createApiKey.apiKey.id,
        keyRes.data.createApiKey.secret,
      );
    },
  };

  return {
    url,
    wsUrl,
    app,
    runtime,
    config,
    database,
    seed,
    graphql: (query, options) => graphqlRequest(url, query, options),
    stop: () => app.stop(),
  };
}
