/**
 * Classifies a failed `testServer` step into the error code the CLI turns into an exit code:
 * an unset variable or a rejected token is a missing secret (4), a timeout or a server that cannot
 * be started or reached is "unreachable" (5), a tool that answered with an error is a tool error (6).
 */
import type { ErrorCode } from '../../shared/errors';
import type { ProbeStep } from '../probe';

export function probeFailureCode(step: Pick<ProbeStep, 'step' | 'code' | 'error'>): ErrorCode {
  const text = step.error ?? '';
  if (step.code === 'CONFIG_INVALID' && /is not set/.test(text)) return 'SECRET_MISSING';
  if (/HTTP 40[13]\b/.test(text)) return 'UNAUTHENTICATED';
  switch (step.code) {
    case 'MCP_TIMEOUT':
    case 'MCP_TOOL_ERROR':
    case 'CONFIG_INVALID':
    case 'CANCELLED':
    case 'MCP_SERVER_UNAVAILABLE':
      return step.code;
    default:
      return step.step === 'call' ? 'MCP_TOOL_ERROR' : 'MCP_SERVER_UNAVAILABLE';
  }
}

/** The first failed step, if any. */
export function firstFailure<T extends { ok: boolean }>(steps: readonly T[]): T | undefined {
  return steps.find((s) => !s.ok);
}
