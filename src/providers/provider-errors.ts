/**
 * Maps what a provider call can throw (AI SDK errors, aborts, our own timeouts) to the stable
 * codes users see: PROVIDER_RATE_LIMITED (429), PROVIDER_TIMEOUT, PROVIDER_ERROR, each carrying
 * the provider's HTTP status when there is one, and CANCELLED when the caller aborted. Response bodies are not copied into the message:
 * they can echo prompts or keys.
 */
import { APICallError, RetryError } from 'ai';

import { AppError, isAppError } from '../shared/errors';

export interface ProviderErrorContext {
  provider: string;
  model: string;
  /** True when our own timeout fired (as opposed to the caller cancelling). */
  timedOut?: boolean;
}

function unwrap(error: unknown): unknown {
  return RetryError.isInstance(error) ? (error.lastError ?? error) : error;
}

function errorName(error: unknown): string | undefined {
  // Not `instanceof Error`: DOMException abort reasons can come from another realm.
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;
}

function isAbort(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AbortError' || name === 'TimeoutError';
}

export function toProviderError(error: unknown, context: ProviderErrorContext): AppError {
  const cause = unwrap(error);
  if (isAppError(cause)) return cause;
  const where = `${context.provider}/${context.model}`;
  const details: Record<string, unknown> = { provider: context.provider, model: context.model };

  if (context.timedOut || errorName(cause) === 'TimeoutError') {
    return new AppError(
      'PROVIDER_TIMEOUT',
      `The provider ${where} did not answer in time; try again later.`,
      {
        details,
        cause: error,
      },
    );
  }
  if (APICallError.isInstance(cause)) {
    const providerStatus = cause.statusCode;
    details.providerStatus = providerStatus ?? null;
    if (providerStatus === 429) {
      const retryAfter = cause.responseHeaders?.['retry-after'];
      if (retryAfter) details.retryAfter = retryAfter;
      return new AppError(
        'PROVIDER_RATE_LIMITED',
        `The provider ${where} is rate limiting requests (HTTP 429); retry later.`,
        { details, cause: error },
      );
    }
    if (providerStatus === 408 || providerStatus === 504) {
      return new AppError('PROVIDER_TIMEOUT', `The provider ${where} timed out (HTTP ${providerStatus}).`, {
        details,
        cause: error,
      });
    }
    const status = providerStatus ? ` (HTTP ${providerStatus})` : '';
    return new AppError(
      'PROVIDER_ERROR',
      `The provider ${where} failed${status}: ${firstLine(cause.message)}`,
      {
        details,
        cause: error,
      },
    );
  }
  if (isAbort(cause)) {
    return new AppError('CANCELLED', `The request to ${where} was cancelled by the caller.`, {
      details,
      cause: error,
    });
  }
  const message = cause instanceof Error ? firstLine(cause.message) : String(cause);
  return new AppError('PROVIDER_ERROR', `The provider ${where} failed: ${message}`, {
    details,
    cause: error,
  });
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
