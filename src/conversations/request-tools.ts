/**
 * What a request needs from the MCP integration, seen from the conversation side: the AI SDK tools
 * of the named servers and chains, the chain pre-step context, the step limit, and the calls the
 * model makes (appended as they finish). `McpService.prepareTools` provides it; this module keeps
 * conversations free of MCP types, and turns each recorded call into what the message stores.
 */
import type { ToolSet } from 'ai';

import { MAX_TOOL_RESULT_CHARS, type MessageToolCall } from './conversation';

export interface RequestToolsOptions {
  /** The user's message: chain pre-steps run over it. */
  message: string;
  requestId: string;
  requireTools?: boolean;
  maxSteps?: number;
  signal?: AbortSignal;
}

/** One finished tool call as the MCP integration reports it (whole result text, exact duration). */
export type RequestToolCall = Omit<MessageToolCall, 'errorCode'> & { errorCode?: string };

export interface RequestTools {
  tools: ToolSet;
  /** Pre-step results to add to the system prompt ('' when none). */
  context: string;
  maxSteps: number;
  readonly calls: readonly RequestToolCall[];
}

export function toMessageToolCall(call: RequestToolCall): MessageToolCall {
  const resultText =
    call.resultText.length > MAX_TOOL_RESULT_CHARS
      ? `${call.resultText.slice(0, MAX_TOOL_RESULT_CHARS)}… [${call.resultText.length - MAX_TOOL_RESULT_CHARS} more characters]`
      : call.resultText;
  return {
    toolCallId: call.toolCallId,
    name: call.name,
    server: call.server,
    tool: call.tool,
    arguments: call.arguments,
    argumentBytes: call.argumentBytes,
    durationMs: Math.round(call.durationMs),
    isError: call.isError,
    errorCode: call.errorCode ?? null,
    resultText,
  };
}
