/**
 * The clock budgets read time from. Injectable so tests can move across period
 * boundaries; the shape matches the platform's shared clock (`{ now(): Date }`).
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
