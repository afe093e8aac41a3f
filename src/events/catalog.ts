/**
 * The catalog of domain events: each has a name, a version and a zod schema for its
 * payload. Payloads are validated when an event is dispatched and again when a queued
 * listener runs. The owning feature refines its event's payload here (bump `version`
 * on an incompatible change).
 *
 * `delivery: 'outbox'` marks hot events (one per AI response or cost record, >= 1,000/s): their
 * queued listeners are fed from a durable outbox drained in batches instead of one
 * agenda job per event.
 */
import { z } from 'zod';

/** Exact decimal amount as a string (money is never a JS number). */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "0.0123"');
const id = z.string().min(1);
const tokenCount = z.number().int().nonnegative();

export interface EventDefinition<P extends z.ZodTypeAny = z.ZodTypeAny> {
  version: number;
  /**
   * Older versions whose stored payloads the current schema still parses (their new fields are
   * optional), so events already sitting in an outbox or a job when the version was bumped run.
   */
  accepts?: number[];
  payload: P;
  delivery: 'job' | 'outbox';
}

function defineEvent<P extends z.ZodTypeAny>(def: EventDefinition<P>): EventDefinition<P> {
  return def;
}

export const eventCatalog = {
  ResponseGenerated: defineEvent({
    version: 1,
    delivery: 'outbox',
    payload: z.object({
      organizationId: id,
      projectId: id.nullable().optional(),
      userId: id.nullable().optional(),
      apiKeyId: id.nullable().optional(),
      requestId: id,
      usageEventId: id,
      provider: z.string().min(1),
      model: z.string().min(1),
      usage: z.record(tokenCount),
      requestedAt: z.string().datetime(),
      // Optional, so events written before these fields existed still parse.
      outcome: z.enum(['succeeded', 'failed']).optional(),
      latencyMs: z.number().nonnegative().optional(),
      ttftMs: z.number().nonnegative().nullable().optional(),
      maxOutputTokens: z.number().int().positive().nullable().optional(),
      promptPrefixHash: z.string().max(64).nullable().optional(),
      toolCalls: z.number().int().nonnegative().optional(),
      toolErrors: z.number().int().nonnegative().optional(),
      // The rest of the usage event, so the outbox row is its one durable copy on the request
      // path (the cost-tracking listener stores it as a usage event). Events written before
      // these fields existed are priced from the separately stored usage event.
      conversationId: id.nullable().optional(),
      messageId: id.nullable().optional(),
      calls: z
        .array(
          z.object({
            index: z.number().int().nonnegative(),
            usage: z.object({
              inputUncached: tokenCount,
              cacheRead: tokenCount,
              cacheWrite5m: tokenCount,
              cacheWrite1h: tokenCount,
              output: tokenCount,
              reasoning: tokenCount,
            }),
            partial: z.boolean(),
            // `estimated` came later: events written before it still parse.
            usageSource: z.enum(['raw', 'sdk', 'missing', 'estimated']),
          }),
        )
        .optional(),
    }),
  }),
  CostCalculated: defineEvent({
    // v2 carries what budget settlement needs (request, kind, exact amount), so settling does
    // not read the cost record. v1 events (still queued when v2 shipped) lack them.
    version: 2,
    accepts: [1],
    // One per cost record, as hot as ResponseGenerated: an agenda job each would cost an insert,
    // a lock and a completion per request.
    delivery: 'outbox',
    payload: z.object({
      organizationId: id,
      projectId: id.nullable().optional(),
      userId: id.nullable().optional(),
      usageEventId: id,
      costRecordId: id,
      amountUsd: decimalString,
      priced: z.boolean(),
      // v2 (optional only so that v1 events still parse).
      requestId: id.optional(),
      /** `estimate`: the worst case charged for a request whose process died mid-call. */
      kind: z.enum(['charge', 'adjustment', 'estimate']).optional(),
      /** The record's total in integer nano-USD (negative for a downward adjustment). */
      amountNano: z
        .string()
        .regex(/^-?\d+$/, 'must be an integer number of nano-USD as a string')
        .optional(),
      /** Adjustments: the record they correct (an estimate's id when it voids that estimate). */
      adjusts: id.nullable().optional(),
    }),
  }),
  BudgetThresholdReached: defineEvent({
    version: 1,
    delivery: 'job',
    payload: z.object({
      organizationId: id,
      budgetId: id,
      threshold: z.number().int().min(1).max(100),
      periodStart: z.string().datetime(),
      spentUsd: decimalString,
      limitUsd: decimalString,
    }),
  }),
  BudgetExceeded: defineEvent({
    version: 1,
    delivery: 'job',
    payload: z.object({
      organizationId: id,
      budgetId: id,
      periodStart: z.string().datetime(),
      spentUsd: decimalString,
      limitUsd: decimalString,
      requestedUsd: decimalString.optional(),
    }),
  }),
  /** The projected end-of-period spend is over the limit (once per budget and period). */
  BudgetForecastExceeded: defineEvent({
    version: 1,
    delivery: 'job',
    payload: z.object({
      organizationId: id,
      budgetId: id,
      alertId: id,
      periodStart: z.string().datetime(),
      periodEnd: z.string().datetime(),
      spentUsd: decimalString,
      limitUsd: decimalString,
      projectedUsd: decimalString,
      message: z.string().min(1),
    }),
  }),
  MCPToolExecuted: defineEvent({
    version: 1,
    delivery: 'job',
    payload: z.object({
      organizationId: id.nullable().optional(),
      requestId: id.nullable().optional(),
      server: z.string().min(1),
      tool: z.string().min(1),
      durationMs: z.number().nonnegative(),
      /** Size of the JSON arguments in bytes (optional: version-1 events written before it). */
      argumentBytes: tokenCount.optional(),
      isError: z.boolean(),
    }),
  }),
  PerformanceThresholdExceeded: defineEvent({
    version: 1,
    delivery: 'job',
    payload: z.object({
      organizationId: id.nullable().optional(),
      metric: z.string().min(1),
      value: z.number(),
      threshold: z.number(),
      subject: z.string().optional(),
      severity: z.enum(['WARNING', 'HIGH', 'CRITICAL']).optional(),
      windowMs: z.number().int().positive().optional(),
    }),
  }),
} as const;

export type EventName = keyof typeof eventCatalog;
export type EventPayload<N extends EventName> = z.infer<(typeof eventCatalog)[N]['payload']>;
export const eventNames = Object.keys(eventCatalog) as EventName[];
