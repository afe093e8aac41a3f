/**
 * Chain pre-steps: the design's "process message through servers". Before the model runs, each
 * pre-step calls one tool with arguments in which `{{message}}` is replaced by the user's message;
 * the text results become context for the model. A failing pre-step is reported and skipped: it
 * never fails the request, since the model can still answer without the extra context.
 */
import { isAppError } from '../../shared/errors';
import type { McpPreStep } from '../config/types';
import type { McpRegistry } from '../registry/registry';
import type { CallToolOptions } from '../registry/types';

export interface PreStepResult {
  server: string;
  tool: string;
  label: string;
  ok: boolean;
  /** Text content of the tool's answer, or the error message. */
  text: string;
  errorCode?: string;
  durationMs: number;
}

export interface PreStepsOutcome {
  results: PreStepResult[];
  /** Ready to prepend to the model's system prompt; empty when no step produced text. */
  context: string;
}

/** Replaces `{{message}}` in every string of `value` (the message is inserted as plain text). */
export function fillTemplate(value: unknown, message: string): unknown {
  if (typeof value === 'string') return value.split('{{message}}').join(message);
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, message));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, message)]));
  }
  return value;
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((c: { type?: string; text?: string }) => (c.type === 'text' && c.text ? c.text : ''))
    .filter(Boolean)
    .join('\n');
}

export async function runPreSteps(
  registry: McpRegistry,
  steps: McpPreStep[],
  input: { message: string },
  options: CallToolOptions = {},
): Promise<PreStepsOutcome> {
  const results: PreStepResult[] = [];
  // In order: a later step may rely on state an earlier one created on the same server.
  for (const step of steps) {
    const label = step.label ?? `${step.server}/${step.tool}`;
    const started = performance.now();
    try {
      const args = fillTemplate(step.arguments, input.message) as Record<string, unknown>;
      const result = await registry.callTool(step.server, step.tool, args, options);
      const text = textOf(result.content);
      results.push({
        server: step.server,
        tool: step.tool,
        label,
        ok: !result.isError,
        text,
        errorCode: result.isError ? 'MCP_TOOL_ERROR' : undefined,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      results.push({
        server: step.server,
        tool: step.tool,
        label,
        ok: false,
        text: (error as Error).message,
        errorCode: isAppError(error) ? error.code : 'INTERNAL_SERVER_ERROR',
        durationMs: performance.now() - started,
      });
    }
  }
  const parts = results.filter((r) => r.ok && r.text).map((r) => `### ${r.label}\n${r.text}`);
  const context = parts.length ? `Context gathered by tools before answering:\n\n${parts.join('\n\n')}` : '';
  return { results, context };
}
