/**
 * `McpConfigError`: every problem with `.mcp.json` (syntax, schema, variables, chains) is one of
 * these, and its message and details always name the file, and the server and field when known.
 */
import { AppError } from '../../shared/errors';

export interface McpConfigErrorDetails {
  file: string;
  server?: string;
  field?: string;
  /** Set when the problem is an unset `${VAR}`. */
  variable?: string;
  [key: string]: unknown;
}

export class McpConfigError extends AppError {
  declare readonly details: McpConfigErrorDetails;

  constructor(message: string, details: McpConfigErrorDetails, cause?: unknown) {
    super('CONFIG_INVALID', `${details.file}: ${message}`, { details, cause });
    this.name = 'McpConfigError';
  }
}

export function isMcpConfigError(error: unknown): error is McpConfigError {
  return error instanceof McpConfigError;
}
