/**
 * A usage event: what one AI request consumed, written once, durably, before the request
 * returns. Its id is derived from the request id, so writing it twice (a retry, a replay) is a
 * no-op. It is the input of cost tracking; it is never changed afterwards.
 */
import type { NormalisedUsage } from '../providers/usage/normalised-usage';

export interface UsageEventCall {
  index: number;
  usage: NormalisedUsage;
  /** Usage of a call that failed part-way (charged so far). */
  partial: boolean;
  /**
   * `missing`: the provider reported no usage for this call; its cost is unknown. `estimated`: the
   * call was cut short before its provider reported all it used; we counted the tokens.
   */
  usageSource: 'raw' | 'sdk' | 'missing' | 'estimated';
}

export interface UsageEvent {
  id: string;
  organizationId: string;
  projectId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  requestId: string;
  conversationId: string | null;
  messageId: string | null;
  provider: string;
  model: string;
  /** Every model call of the request, in order (tool loops make several). */
  calls: UsageEventCall[];
  outcome: 'succeeded' | 'failed';
  /** When the request was made: selects the price in force. */
  requestedAt: Date;
  latencyMs: number;
  /** Streams: milliseconds until the first text arrived; null when not streamed (or no text). */
  ttftMs?: number | null;
  /** The caller's `maxOutputTokens`, null when the request set none. */
  maxOutputTokens?: number | null;
  /** Fingerprint of the prompt's first ~1,024 tokens; null for shorter prompts (see prompt-prefix). */
  promptPrefixHash?: string | null;
  /** MCP tool calls the model made, and how many of them failed. */
  toolCalls?: number;
  toolErrors?: number;
}

export const usageEventIdFor = (requestId: string) => `ue_${requestId}`;
