/**
 * The CLI's documented exit codes, and the one place that maps an error to one of them.
 * Scripts rely on these numbers: never renumber, only add.
 */
import type { ErrorCode } from '../../src/shared/errors';

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  config: 3,
  auth: 4,
  unreachable: 5,
  tool: 6,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const byErrorCode: Partial<Record<ErrorCode, ExitCodeValue>> = {
  BAD_USER_INPUT: ExitCode.usage,
  NOT_FOUND: ExitCode.usage,
  CONFLICT: ExitCode.usage,
  CONFIG_INVALID: ExitCode.config,
  UNAUTHENTICATED: ExitCode.auth,
  SECRET_MISSING: ExitCode.auth,
  PROVIDER_NOT_CONFIGURED: ExitCode.auth,
  MCP_SERVER_UNAVAILABLE: ExitCode.unreachable,
  MCP_TIMEOUT: ExitCode.unreachable,
  SERVICE_UNAVAILABLE: ExitCode.unreachable,
  PROVIDER_TIMEOUT: ExitCode.unreachable,
  MCP_TOOL_ERROR: ExitCode.tool,
};

interface ErrorLike {
  code?: unknown;
  details?: { variable?: unknown };
  oclif?: { exit?: unknown };
  name?: string;
}

/** Parse errors from oclif (unknown flag, missing arg, bad option) are usage errors. */
const OCLIF_USAGE_ERRORS = new Set([
  'FailedFlagValidationError',
  'NonExistentFlagsError',
  'RequiredArgsError',
  'UnexpectedArgsError',
  'FlagInvalidOptionError',
  'ArgInvalidOptionError',
  'CLIParseError',
]);

export function exitCodeFor(error: unknown): ExitCodeValue {
  const e = (error ?? {}) as ErrorLike;
  if (typeof e.code === 'string' && e.code in byErrorCode) {
    // An unset ${VAR} is a config problem in form, but to the user it is a missing secret.
    if (e.code === 'CONFIG_INVALID' && typeof e.details?.variable === 'string') return ExitCode.auth;
    return byErrorCode[e.code as ErrorCode] as ExitCodeValue;
  }
  if (e.name && OCLIF_USAGE_ERRORS.has(e.name)) return ExitCode.usage;
  if (e.oclif && e.oclif.exit === 2) return ExitCode.usage;
  return ExitCode.unexpected;
}
