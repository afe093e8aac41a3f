/** Validation of `sendMessage` / `streamMessage` input. */
import { z } from 'zod';

import { ValidationError } from '../shared/errors';

const id = z.string().trim().min(1).max(128);

export const sendMessageSchema = z.object({
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
