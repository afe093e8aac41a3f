/**
 * Scripts for the `mock` provider. A test (or the MCP work) queues turns: each model call takes
 * the next turn queued for its model (or for any model), else answers with a deterministic
 * default. A prompt whose last user message starts with `::mock ` followed by a JSON turn is
 * scripted inline, which lets out-of-process clients (benchmarks, e2e tests) drive it too.
 */
import { z } from 'zod';

import { ValidationError } from '../../shared/errors';

const count = z.number().int().nonnegative();

export const mockTurnSchema = z
  .object({
    /** The assistant text. Streamed in `chunkSize`-character deltas. */
    text: z.string().optional(),
    /** Answer with the whole prompt as the model received it (system prompt first), instead of text. */
    echoPrompt: z.boolean().optional(),
    /** Tool calls the model makes in this turn (the SDK runs the tools, then asks again). */
    toolCalls: z
      .array(
        z.object({
          toolName: z.string().min(1),
          input: z.unknown().default({}),
          toolCallId: z.string().optional(),
        }),
      )
      .optional(),
    /** Usage to report; missing counts default to a deterministic estimate (4 characters a token). */
    usage: z
      .object({
        inputUncached: count,
        cacheRead: count,
        cacheWrite5m: count,
        cacheWrite1h: count,
        output: count,
        reasoning: count,
      })
      .partial()
      .optional(),
    /** Wait this long before answering (honours cancellation). */
    delayMs: count.max(600_000).optional(),
    /** Stream only: wait between deltas. */
    chunkDelayMs: count.max(60_000).optional(),
    chunkSize: z.number().int().positive().max(10_000).optional(),
    /** Fail the call with this provider HTTP status. */
    error: z
      .object({ status: z.number().int().min(400).max(599), message: z.string().optional() })
      .optional(),
    /** Stream only: send this many deltas (and the input usage) and then fail with `error` (default 500). */
    failAfterChunks: count.optional(),
  })
  .strict();

export type MockTurn = z.infer<typeof mockTurnSchema>;
export type MockTurnInput = z.input<typeof mockTurnSchema>;

export const MOCK_DIRECTIVE = '::mock ';

export function parseMockTurn(input: unknown, field = 'mockTurn'): MockTurn {
  const result = mockTurnSchema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((i) => ({ field: [field, ...i.path].join('.'), message: i.message })),
    );
  }
  return result.data;
}

/** Reads an inline `::mock {json}` directive, or returns undefined when the text is ordinary. */
export function parseMockDirective(text: string): MockTurn | undefined {
  if (!text.startsWith(MOCK_DIRECTIVE)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text.slice(MOCK_DIRECTIVE.length));
  } catch {
    throw new ValidationError([{ field: 'content', message: 'a ::mock directive must be followed by JSON' }]);
  }
  return parseMockTurn(json, 'content');
}

/** Queues of scripted turns, per model and for any model. Process-local by design: it is a test tool. */
export class MockScriptBook {
  private readonly byModel = new Map<string, MockTurn[]>();
  private readonly anyModel: MockTurn[] = [];

  /** Queues turns for one model, or for any model when `model` is omitted. */
  enqueue(turns: MockTurnInput | MockTurnInput[], model?: string): void {
    const parsed = (Array.isArray(turns) ? turns : [turns]).map((t) => parseMockTurn(t));
    if (model === undefined) this.anyModel.push(...parsed);
    else this.byModel.set(model, [...(this.byModel.get(model) ?? []), ...parsed]);
  }

  next(model: string): MockTurn | undefined {
    return this.byModel.get(model)?.shift() ?? this.anyModel.shift();
  }

  pending(): number {
    let total = this.anyModel.length;
    for (const turns of this.byModel.values()) total += turns.length;
    return total;
  }

  clear(): void {
    this.byModel.clear();
    this.anyModel.length = 0;
  }
}
