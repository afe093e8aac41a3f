/**
 * Structured logging (pino). Everything logs through `logger` or a child of it;
 * request-scoped children carry a `requestId`, job-scoped children a `jobId`.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'ai-platform',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['*.authorization', '*.apiKey', '*.token', '*.password', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export const logger = createLogger();
