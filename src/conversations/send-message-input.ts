/** Validation of `sendMessage` / `streamMessage` input. */
import { z } from 'zod';

import { ValidationError } from '../shared/errors';

const id = z.string().trim().min(1).max(128);

/** Model calls a request's tool loop may make when it names MCP servers but sets no maxToolSteps. */
export const DEFAULT_MAX_TOOL_STEPS = 8;
/** The most model calls a request's tool loop may be allowed. */
export const MAX_TOOL_STEPS = 50;

export const sendMessageSchema = z
  .object({
    conversationId: id.optional().nullable(),
    projectId: id.optional().nullable(),
    provider: z.string().trim().toLowerCase().min(1, 'is required').max(64),
    model: z.string().trim().min(1, 'is required').max(200),
    content: z.string().min(1, 'must not be empty').max(200_000, 'is longer than 200,000 characters'),
    system: z.string().max(50_000).optional().nullable(),
    maxOutputTokens: z.number().int().positive().max(1_000_000).optional().nullable(),
    temperature: z.number().min(0).max(2).optional().nullable(),
    metadata: z
      .record(z.union([z.string().max(1_000), z.number().finite(), z.boolean()]))
      .refine((m) => Object.keys(m).length <= 50, 'has more than 50 tags')
      .optional()
      .nullable(),
    /** MCP servers whose tools the model may use (resolved by the MCP integration). */
    mcpServers: z.array(z.string().trim().min(1).max(128)).max(20).optional().nullable(),
    /** Fail the request when a named MCP server cannot be reached (default: leave its tools out). */
    requireTools: z.boolean().optional().nullable(),
    /** Upper bound on model calls in the tool loop (default DEFAULT_MAX_TOOL_STEPS). */
    maxToolSteps: z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(MAX_TOOL_STEPS, `must be at most ${MAX_TOOL_STEPS}`)
      .optional()
      .nullable(),
  })
  .superRefine((input, ctx) => {
    // Tool options without tools are a caller mistake worth saying, not silently ignoring.
    if (!input.mcpServers?.length) {
      for (const field of ['requireTools', 'maxToolSteps'] as const) {
        if (input[field] !== undefined && input[field] !== null) {
          ctx.addIssue({ code: 'custom', path: [field], message: 'needs mcpServers' });
        }
      }
    }
  });

export type SendMessageInput = z.input<typeof sendMessageSchema>;
export type ParsedSendMessageInput = z.output<typeof sendMessageSchema>;

export function parseSendMessageInput(input: unknown): ParsedSendMessageInput {
  const result = sendMessageSchema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message })),
    );
  }
  return result.data;
}
