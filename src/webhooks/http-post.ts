/**
 * One HTTP attempt: POST a body with a per-attempt timeout and report what happened,
 * never throwing. Redirects are not followed (a receiver that moved must be reconfigured,
 * and following them would let a 30x send signed alerts elsewhere). Only the first KB of
 * the response body is kept, for the delivery log.
 */
import { parseRetryAfter, type AttemptResult } from './retry-policy';

export interface PostOutcome extends AttemptResult {
  durationMs: number;
  error: string | null;
  responseSnippet: string | null;
}

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  now: () => Date;
  fetchImpl?: typeof fetch;
}

const SNIPPET_BYTES = 1024;

export async function postOnce(request: PostRequest): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
  try {
    const response = await (request.fetchImpl ?? fetch)(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'ai-spend-platform-webhooks/1',
        ...request.headers,
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const snippet = await readSnippet(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      httpStatus: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), request.now()),
      durationMs: elapsed(),
      error: ok ? null : `HTTP ${response.status}${snippet ? `: ${snippet.slice(0, 200)}` : ''}`,
      responseSnippet: snippet,
    };
  } catch (error) {
    return {
      ok: false,
      httpStatus: null,
      retryAfterMs: null,
      durationMs: elapsed(),
      error: describeNetworkError(error, request.timeoutMs),
      responseSnippet: null,
    };
  }
}

async function readSnippet(response: Response): Promise<string | null> {
  try {
    const text = await response.text();
    return text ? text.slice(0, SNIPPET_BYTES) : null;
  } catch {
    return null;
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'network error'} (${cause})` : (e.message ?? String(error));
}
