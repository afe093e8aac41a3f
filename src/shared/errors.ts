/**
 * The one error type every service throws for failures a user can hit.
 * Each carries a stable code; the GraphQL layer maps it to `extensions.code`
 * and `extensions.http.status`, the CLI maps it to an exit code.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX'
  | 'CONFIG_INVALID'
  | 'BUDGET_EXCEEDED'
  | 'BUDGET_CHECK_UNAVAILABLE'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'SECRET_MISSING'
  | 'MCP_SERVER_UNAVAILABLE'
  | 'MCP_TOOL_ERROR'
  | 'MCP_TIMEOUT'
  | 'CANCELLED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

const defaultStatus: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_TOO_DEEP: 400,
  QUERY_TOO_COMPLEX: 400,
  CONFIG_INVALID: 500,
  BUDGET_EXCEEDED: 402,
  BUDGET_CHECK_UNAVAILABLE: 503,
  PROVIDER_ERROR: 502,
  PROVIDER_TIMEOUT: 504,
  PROVIDER_RATE_LIMITED: 429,
  PROVIDER_NOT_CONFIGURED: 400,
  SECRET_MISSING: 400,
  MCP_SERVER_UNAVAILABLE: 503,
  MCP_TOOL_ERROR: 502,
  MCP_TIMEOUT: 504,
  // The caller aborted (client closed request); nginx's 499.
  CANCELLED: 499,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

export interface AppErrorOptions {
  /** Extra machine-readable details, copied into GraphQL `extensions`. Never put secrets here. */
  details?: Record<string, unknown>;
  status?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.details = options.details ?? {};
  }
}

/** One field-level validation problem, as returned to API clients. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], message = describeIssues(issues)) {
    super('BAD_USER_INPUT', message, { details: { fields: issues } });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

function describeIssues(issues: FieldIssue[]): string {
  return `Invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
