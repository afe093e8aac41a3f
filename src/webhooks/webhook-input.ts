/**
 * Validation of webhook input at the service boundary (GraphQL enums already narrow the
 * kinds and formats; the CLI or a test may call the service directly). Failures are
 * field-level `BAD_USER_INPUT` errors.
 */
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { WEBHOOK_EVENT_KINDS, WEBHOOK_FORMATS } from './event-kinds';

const url = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be an absolute http(s) URL, e.g. https://example.com/hooks',
      });
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must use http or https, not ${parsed.protocol.replace(/:$/, '')}`,
      });
    } else if (parsed.username || parsed.password) {
      // fetch refuses such URLs, so every attempt would fail; say so now.
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must not contain a user name or password; put a token in the path or query instead',
      });
    } else if (!parsed.hostname) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must name a host' });
    }
  });

const events = z
  .array(
    z.enum(WEBHOOK_EVENT_KINDS, {
      errorMap: () => ({ message: `must be one of ${WEBHOOK_EVENT_KINDS.join(', ')}` }),
    }),
  )
  .min(1, 'subscribe to at least one event kind')
  .transform((kinds) => [...new Set(kinds)]);

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export const createWebhookSchema = z.object({
  url,
  format: z.enum(WEBHOOK_FORMATS).default('JSON'),
  events,
  enabled: z.boolean().default(true),
  name: name.nullish(),
});

export const updateWebhookSchema = z
  .object({
    url: url.optional(),
    format: z.enum(WEBHOOK_FORMATS).optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
    name: name.nullish(),
  })
  .strict();

export type CreateWebhookInput = z.output<typeof createWebhookSchema>;
export type UpdateWebhookInput = z.output<typeof updateWebhookSchema>;

export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message })),
  );
}
