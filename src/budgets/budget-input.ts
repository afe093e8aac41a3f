/**
 * Validation of budget input at the service boundary (GraphQL and any other caller).
 * Every problem is reported against the field that caused it, with a stable code
 * (`BAD_USER_INPUT`) through `ValidationError`.
 */
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { BUDGET_PERIODS, type BudgetPeriod } from './period';
import { isValidTimeZone } from './timezone';
import { parseUsd } from '../shared/money';

export const BUDGET_SCOPES = ['ORGANIZATION', 'PROJECT', 'USER', 'API_KEY'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_ACTIONS = ['BLOCK', 'ALERT_ONLY'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];
export const DEFAULT_THRESHOLDS = [50, 80, 100];

const limitSchema = z.string().superRefine((value, ctx) => {
  if (/^\s*-/.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'must not be negative' });
    return;
  }
  try {
    parseUsd(value, 'limit');
  } catch (error) {
    const message = error instanceof ValidationError ? error.issues[0]?.message : undefined;
    ctx.addIssue({ code: 'custom', message: message ?? 'is not a decimal USD amount' });
  }
});

const thresholdsSchema = z
  .array(
    z
      .number()
      .int('must be whole percentages')
      .min(1, 'must be between 1 and 100')
      .max(100, 'must be between 1 and 100'),
  )
  .superRefine((values, ctx) => {
    for (let i = 1; i < values.length; i += 1) {
      if ((values[i] as number) <= (values[i - 1] as number)) {
        ctx.addIssue({ code: 'custom', message: 'must be sorted ascending without duplicates' });
        return;
      }
    }
  });

const timezoneSchema = z
  .string()
  .refine(isValidTimeZone, { message: 'is not a known IANA timezone (for example "Europe/Paris" or "UTC")' });

const fields = {
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  limit: limitSchema,
  timezone: timezoneSchema,
  thresholds: thresholdsSchema,
  action: z.enum(BUDGET_ACTIONS),
  enabled: z.boolean(),
  startsAt: z.coerce.date({ invalid_type_error: 'must be a date' }),
  endsAt: z.coerce.date({ invalid_type_error: 'must be a date' }),
};

const createSchema = z
  .object({
    scope: z.enum(BUDGET_SCOPES),
    scopeId: z.string().trim().min(1, 'must not be empty'),
    period: z.enum(BUDGET_PERIODS),
    name: fields.name.optional(),
    limit: fields.limit,
    timezone: fields.timezone.default('UTC'),
    thresholds: fields.thresholds.default(DEFAULT_THRESHOLDS),
    action: fields.action.default('BLOCK'),
    enabled: fields.enabled.default(true),
    startsAt: fields.startsAt.nullish(),
    endsAt: fields.endsAt.nullish(),
  })
  .superRefine((input, ctx) => checkWindow(input, ctx));

const updateSchema = z.object({
  name: fields.name.optional(),
  limit: fields.limit.optional(),
  timezone: fields.timezone.optional(),
  thresholds: fields.thresholds.optional(),
  action: fields.action.optional(),
  enabled: fields.enabled.optional(),
  startsAt: fields.startsAt.nullish(),
  endsAt: fields.endsAt.nullish(),
});

function checkWindow(
  input: { period?: BudgetPeriod; startsAt?: Date | null; endsAt?: Date | null },
  ctx: z.RefinementCtx,
): void {
  if (input.period === 'CUSTOM') {
    if (!input.startsAt)
      ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'is required for a CUSTOM period' });
    if (!input.endsAt)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'is required for a CUSTOM period' });
  } else if (input.period && (input.startsAt || input.endsAt)) {
    ctx.addIssue({
      code: 'custom',
      path: ['period'],
      message: 'startsAt and endsAt are only allowed with a CUSTOM period',
    });
  }
  if (input.startsAt && input.endsAt && input.endsAt <= input.startsAt) {
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
  }
}

export interface CreateBudgetInput {
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  name?: string;
  limitNano: bigint;
  timezone: string;
  thresholds: number[];
  action: BudgetAction;
  enabled: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
}

export type UpdateBudgetInput = Partial<Omit<CreateBudgetInput, 'scope' | 'scopeId' | 'period'>>;

function toValidationError(error: z.ZodError): ValidationError {
  return new ValidationError(
    error.issues.map((issue) => ({ field: issue.path.join('.') || 'input', message: issue.message })),
  );
}

/** Validates a create request; throws `ValidationError` listing every bad field. */
export function parseCreateBudget(raw: unknown): CreateBudgetInput {
  const result = createSchema.safeParse(raw);
  if (!result.success) throw toValidationError(result.error);
  const { limit, startsAt, endsAt, ...rest } = result.data;
  return {
    ...rest,
    limitNano: parseUsd(limit),
    startsAt: startsAt ?? null,
    endsAt: endsAt ?? null,
  };
}

/**
 * Validates an update against the budget it changes: the window rules are checked on the
 * merged result so a CUSTOM budget cannot be moved to an end before its start.
 */
export function parseUpdateBudget(
  raw: unknown,
  current: { period: BudgetPeriod; startsAt?: Date | null; endsAt?: Date | null },
): UpdateBudgetInput {
  const result = updateSchema.safeParse(raw);
  if (!result.success) throw toValidationError(result.error);
  const merged = {
    period: current.period,
    startsAt: result.data.startsAt === undefined ? current.startsAt : result.data.startsAt,
    endsAt: result.data.endsAt === undefined ? current.endsAt : result.data.endsAt,
  };
  const window = z
    .any()
    .superRefine((_v, ctx) => checkWindow(merged, ctx))
    .safeParse(null);
  if (!window.success) throw toValidationError(window.error);
  const { limit, ...rest } = result.data;
  const update: UpdateBudgetInput = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (update as Record<string, unknown>)[key] = value;
  }
  if (limit !== undefined) update.limitNano = parseUsd(limit);
  return update;
}
