/**
 * The bridge from an MCP toolset (`registry.toolsFor`) to the AI SDK: one SDK tool per MCP tool,
 * its JSON-schema input handed to the model as is, its execution routed back through the registry.
 * A tool that fails (tool-reported error, timeout, server gone) becomes a tool error the model can
 * read, so the loop goes on; only `requireTools` with a dead server makes the request fail, which
 * the toolset signals by throwing. Every finished call is passed to `onExecuted` (recording on the
 * message, `MCPToolExecuted`, slow-call alerts are the caller's business).
 */
import { jsonSchema, tool, type JSONSchema7, type ToolSet } from 'ai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import type { RequestToolCall } from '../conversations/request-tools';
import type { McpToolExecution, McpToolset } from './registry';

/** One tool call made by the model, as recorded on the request: what the message keeps, and the raw result. */
export interface RecordedToolCall extends RequestToolCall {
  result: CallToolResult;
}

export interface AiToolsOptions {
  /** Called after each call, before its result goes back to the model. */
  onExecuted?: (call: RecordedToolCall) => void | Promise<void>;
}

/** Concatenated text parts of a tool result; other parts are summarised by type. */
export function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((c) =>
    c.type === 'text' ? c.text : `[${c.type}${'mimeType' in c && c.mimeType ? ` ${c.mimeType}` : ''}]`,
  );
  if (parts.length === 0 && result.structuredContent) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

function asObjectSchema(schema: Record<string, unknown>): JSONSchema7 {
  // Model APIs require an object schema for function parameters; MCP requires the same, but a
  // server may omit `type` on a tool without arguments.
  return { type: 'object', properties: {}, ...schema } as JSONSchema7;
}

/** Builds the AI SDK tools for a toolset. */
export function toAiTools(toolset: McpToolset, options: AiToolsOptions = {}): ToolSet {
  const tools: ToolSet = {};
  for (const def of toolset.tools) {
    tools[def.name] = tool<Record<string, unknown>, McpToolExecution>({
      description: def.description ?? `${def.tool} (MCP server ${def.server})`,
      inputSchema: jsonSchema<Record<string, unknown>>(asObjectSchema(def.inputSchema)),
      execute: async (input, { toolCallId, abortSignal }) => {
        const args = input ?? {};
        const started = performance.now();
        let execution: McpToolExecution;
        try {
          execution = await toolset.execute(def.name, args, { signal: abortSignal });
        } catch (error) {
          // Only `requireTools` with a dead server throws: the call is still recorded.
          const message = error instanceof Error ? error.message : String(error);
          await options.onExecuted?.({
            toolCallId,
            name: def.name,
            server: def.server,
            tool: def.tool,
            arguments: args,
            argumentBytes: Buffer.byteLength(JSON.stringify(args)),
            durationMs: performance.now() - started,
            isError: true,
            errorCode: (error as { code?: string }).code ?? 'MCP_TOOL_ERROR',
            resultText: message,
            result: { content: [{ type: 'text', text: message }], isError: true },
          });
          throw error;
        }
        await options.onExecuted?.({
          toolCallId,
          name: def.name,
          server: execution.server,
          tool: execution.tool,
          arguments: args,
          argumentBytes: execution.argumentBytes,
          durationMs: execution.durationMs,
          isError: execution.isError,
          errorCode: execution.errorCode,
          resultText: resultText(execution.result),
          result: execution.result,
        });
        return execution;
      },
      toModelOutput: ({ output }) => {
        const text = resultText(output.result);
        return output.isError ? { type: 'error-text', value: text } : { type: 'text', value: text };
      },
    });
  }
  return tools;
}
