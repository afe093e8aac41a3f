/**
 * One process's runtime: the database connection (mongoose + native driver),
 * pubsub, the event system (agenda, outbox), the service registry and its
 * listeners, and the first-start bootstrap. `main.ts`, `worker.ts` and the test
 * harness all start through here so they cannot drift apart.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Db, MongoClient } from 'mongodb';
import type { Config } from '../config/env';
import { createEventSystem, type EventSystem } from '../events';
import { attachMonitoring } from '../monitoring/create-monitoring';
import type { EventBus } from '../events/bus';
import { createAppPubSub, type AppPubSub } from '../pubsub/pubsub';
import { systemClock, type Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { createServices, registerListeners, type ServiceDeps, type Services } from './services';

/** The parts of the database chain's handle the runtime needs. */
export interface DatabaseTarget {
  uri: string;
  dbName: string;
  tier?: string;
  stop?(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  database: DatabaseTarget;
  clock?: Clock;
  /** Process jobs in this process (server default, worker); false for API_ONLY. */
  worker: boolean;
  /** Replace the event bus (tests: a recording fake). Queued jobs still use agenda. */
  events?: EventBus;
  /** Stop the database handle on shutdown (true when this process started it). */
  ownsDatabase?: boolean;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  clock: Clock;
  connection: Connection;
  db: Db;
  pubsub: AppPubSub;
  eventSystem: EventSystem;
  events: EventBus;
  services: Services;
  ready(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const connection = mongoose.createConnection(options.database.uri, {
    dbName: options.database.dbName,
    serverSelectionTimeoutMS: 10_000,
    // Database command latency for performance monitoring (src/monitoring).
    monitorCommands: config.MONITORING_ENABLED && config.PERF_DB_COMMANDS,
  });
  await connection.asPromise();
  const db = connection.db as unknown as Db;
  const eventSystem = await createEventSystem({
    db,
    logger,
    clock,
    pollIntervalMs: config.JOB_POLL_INTERVAL_MS,
    lockLifetimeMs: config.JOB_LOCK_LIFETIME_MS,
    outboxLingerMs: config.OUTBOX_LINGER_MS,
  });
  const pubsub = createAppPubSub();
  const events = options.events ?? eventSystem.bus;
  const deps: ServiceDeps = {
    config,
    logger,
    clock,
    connection,
    db,
    events,
    pubsub,
    agenda: eventSystem.queue.agenda,
  };
  const services = createServices(deps);
  registerListeners(events, services, deps);
  await attachMonitoring(services.monitoring, {
    agenda: eventSystem.queue.agenda,
    client: connection.getClient() as unknown as MongoClient,
  });
  // Build every model's indexes (unique constraints are part of correctness) before serving.
  await Promise.all(Object.values(connection.models).map((model) => model.init()));
  if (options.worker) {
    await eventSystem.queue.startWorker();
    await eventSystem.outbox.scheduleSweep();
  }
  let stopped: Promise<void> | undefined;
  return {
    config,
    logger,
    clock,
    connection,
    db,
    pubsub,
    eventSystem,
    events,
    services,
    async ready() {
      if (stopped) return false;
      try {
        await db.command({ ping: 1 });
      } catch {
        return false;
      }
      return !options.worker || eventSystem.queue.working;
    },
    stop() {
      stopped ??= (async () => {
        await eventSystem.queue.stop(config.SHUTDOWN_TIMEOUT_MS);
        await services.monitoring?.stop();
        // Kills every MCP server's process tree, so a shutdown leaves no orphans.
        await services.mcp.close();
        await connection.close();
        if (options.ownsDatabase) await options.database.stop?.();
        logger.info('runtime stopped');
      })();
      return stopped;
    },
  };
}
