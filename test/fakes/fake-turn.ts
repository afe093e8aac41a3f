/**
 * What a fake provider server answers to the next request of one API. `usage` is the provider's
 * raw usage object, written in that API's real format by the test, so golden tests check our
 * reading of the provider's own numbers.
 */
export type FakeApi = 'openai-chat' | 'openai-responses' | 'anthropic' | 'google';

export interface FakeToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface FakeTurn {
  text?: string;
  /** Reasoning/thinking text where the API returns it (Anthropic thinking, Gemini thoughts). */
  reasoningText?: string;
  toolCalls?: FakeToolCall[];
  /** Raw usage in the API's own shape; omitted means the response carries no usage. */
  usage?: Record<string, unknown>;
  model?: string;
  /** Answer with this HTTP status and the API's error body instead. */
  status?: number;
  errorMessage?: string;
  retryAfter?: string;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Streaming: characters per text delta (default 4). */
  chunkSize?: number;
  /** Streaming: after this many SSE frames, go quiet (send nothing, keep the connection) until the client leaves. */
  stallAfterFrames?: number;
  /** Streaming: after this many SSE frames, drop the connection (or send the API's error event). */
  breakAfterFrames?: number;
  /** Streaming: how to break: destroy the socket (default) or send the API's in-stream error event. */
  breakWith?: 'disconnect' | 'error-event';
}

export interface FakeFormat {
  /** Non-streamed JSON body. */
  body(turn: FakeTurn, model: string): unknown;
  /** Streamed SSE frames, each already formatted (`data: ...\n\n`, with `event:` where the API uses it). */
  frames(turn: FakeTurn, model: string): string[];
  /** The API's error body for a status. */
  errorBody(status: number, message: string): unknown;
  /** The API's in-stream error frame, if it has one. */
  errorFrame?(message: string): string;
}

export function split(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

export const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
