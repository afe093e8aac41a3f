/**
 * The logger handed to MCP services when the CLI runs them. It writes to stderr (stdout is kept
 * for results and `--json`), and only warnings and errors unless LOG_LEVEL says otherwise, so
 * a server's start-up chatter does not bury the command's own output.
 */
import type { Logger } from '../../src/shared/logger';

let instance: Logger | undefined;

export function cliLogger(): Logger {
  if (!instance) {
    const pino = require('pino') as typeof import('pino');
    instance = pino.pino(
      {
        name: 'ai',
        level: process.env.LOG_LEVEL ?? 'warn',
        redact: { paths: ['*.authorization', '*.apiKey', '*.token', '*.password'], censor: '[redacted]' },
      },
      pino.destination(2),
    );
  }
  return instance;
}
