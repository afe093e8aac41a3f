/**
 * The budget feature's mongoose models, bound to the app's connection (not the global
 * mongoose) so several apps can share a process, as the tenancy models do.
 */
import type { Connection, Model } from 'mongoose';
import { alertSchema, type BudgetAlertDoc } from './budget-alert.model';
import { counterSchema, type BudgetCounterDoc } from './budget-counter.model';
import { reservationSchema, type BudgetReservationDoc } from './budget-reservation.model';
import { budgetSchema, type BudgetDoc } from './budget.model';
import { bindModel } from '../../db/model';

export interface BudgetModels {
  Budget: Model<BudgetDoc>;
  Counter: Model<BudgetCounterDoc>;
  Reservation: Model<BudgetReservationDoc>;
  Alert: Model<BudgetAlertDoc>;
}

export function budgetModels(connection: Connection): BudgetModels {
  const model = <T>(name: string, schema: object) => bindModel<T>(connection, name, schema);
  return {
    Budget: model<BudgetDoc>('Budget', budgetSchema),
    Counter: model<BudgetCounterDoc>('BudgetCounter', counterSchema),
    Reservation: model<BudgetReservationDoc>('BudgetReservation', reservationSchema),
    Alert: model<BudgetAlertDoc>('BudgetAlert', alertSchema),
  };
}
