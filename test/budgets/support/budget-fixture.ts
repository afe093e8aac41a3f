/**
 * A budget feature wired to a real database for service-level tests: models on their own
 * connection, a fake clock, and the services as the app will compose them.
 */
import mongoose, { type Connection } from 'mongoose';
import { AlertService, type AlertPublisher, type BudgetAlert } from '../../../src/budgets/alert.service';
import { BudgetStore } from '../../../src/budgets/budget.store';
import { budgetModels, type BudgetModels } from '../../../src/budgets/models';
import { ReservationService, type SpendSource } from '../../../src/budgets/reservation.service';
import { startEmbeddedServer, type EmbeddedServer } from '../../../src/db/embedded/server';
import { FakeClock } from '../../../src/shared/clock';
import { createLogger } from '../../../src/shared/logger';

export interface BudgetFixture {
  connection: Connection;
  models: BudgetModels;
  clock: FakeClock;
  store: BudgetStore;
  alerts: AlertService;
  reservations: ReservationService;
  published: BudgetAlert[];
  stop(): Promise<void>;
}

let server: EmbeddedServer | null = null;
let databases = 0;

export async function startBudgetFixture(
  options: { spend?: SpendSource; reservationTtlMs?: number; start?: string } = {},
): Promise<BudgetFixture> {
  const uri = process.env.MONGODB_URI;
  if (!uri && !server) server = await startEmbeddedServer();
  databases += 1;
  const base = uri ?? `mongodb://127.0.0.1:${server?.port}/`;
  const url = new URL(base);
  url.pathname = `/budgets_${process.pid}_${databases}`;
  const connection = await mongoose
    .createConnection(url.toString(), { serverMonitoringMode: 'poll' })
    .asPromise();
  const models = budgetModels(connection);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const clock = new FakeClock(options.start ?? '2026-03-10T12:00:00.000Z');
  const published: BudgetAlert[] = [];
  const recorder: AlertPublisher = { publish: (alert) => void published.push(alert) };
  const store = new BudgetStore(models);
  const alerts = new AlertService(models, clock, [recorder]);
  const reservations = new ReservationService({
    models,
    clock,
    alerts,
    budgets: store,
    logger: createLogger({ level: 'silent' }),
    spend: options.spend,
    reservationTtlMs: options.reservationTtlMs,
  });
  return {
    connection,
    models,
    clock,
    store,
    alerts,
    reservations,
    published,
    async stop() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

export async function stopDatabaseServer(): Promise<void> {
  await server?.stop();
  server = null;
}
