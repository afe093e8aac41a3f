/**
 * A budget feature wired to a real database for service-level tests: models on their own
 * connection, a fake clock, and the services as the app will compose them.
 */
import mongoose, { type Connection } from 'mongoose';
import { AlertService, type AlertPublisher, type BudgetAlert } from '../../../src/budgets/alert.service';
import { BudgetStore } from '../../../src/budgets/budget.store';
import { budgetModels, type BudgetModels } from '../../../src/budgets/models';
import { ReservationService, type SpendSource } from '../../../src/budgets/reservation.service';
import { BudgetSweeper, type SweeperOptions } from '../../../src/budgets/sweeper';
import { startTestDatabase } from '../../helpers/db';
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
  /** A sweeper over this fixture's services; `extra` adds its spend source, estimates, etc. */
  sweeper(extra?: Partial<SweeperOptions>): BudgetSweeper;
  stop(): Promise<void>;
}

export async function startBudgetFixture(
  options: { spend?: SpendSource; reservationTtlMs?: number; start?: string } = {},
): Promise<BudgetFixture> {
  const database = await startTestDatabase();
  const connection = await mongoose.createConnection(database.uri, { dbName: database.dbName }).asPromise();
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
    sweeper: (extra = {}) =>
      new BudgetSweeper({
        models,
        reservations,
        alerts,
        budgets: store,
        clock,
        logger: createLogger({ level: 'silent' }),
        ...extra,
      }),
    async stop() {
      await connection.close();
      await database.stop();
    },
  };
}
