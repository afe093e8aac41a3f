/** Conversations and their messages, as stored and as the GraphQL layer returns them. */
import type { NormalisedUsage } from '../providers/usage/normalised-usage';

export interface Conversation {
  id: string;
  organizationId: string;
  projectId: string;
  /** The user who started it. */
  userId: string;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: string;
  conversationId: string;
  organizationId: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: Date;
  /** Assistant messages: the request that produced them. */
  requestId: string | null;
  provider: string | null;
  model: string | null;
  usage: NormalisedUsage | null;
  metadata: Record<string, string | number | boolean>;
  /** Assistant messages: the MCP tool calls the model made while producing them, in order. */
  toolCalls: MessageToolCall[];
}

/** One MCP tool call, as recorded on the assistant message it led to. */
export interface MessageToolCall {
  toolCallId: string;
  /** The name the model used (`tool`, or `server__tool` when names collide). */
  name: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  argumentBytes: number;
  durationMs: number;
  isError: boolean;
  errorCode: string | null;
  /** The tool's answer as text (or its error), cut to MAX_TOOL_RESULT_CHARS. */
  resultText: string;
}

/** Longest tool result kept on a message: tool output can be large, the message stays readable. */
export const MAX_TOOL_RESULT_CHARS = 8_000;
