/** Parses repeated `NAME=VALUE` flags (`--secret`, `--set`, `--env`, `--header`) into a map. */
import { AppError } from '../../src/shared/errors';

export function parseKeyValues(flag: string, values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) {
      throw new AppError(
        'BAD_USER_INPUT',
        `${flag} expects NAME=VALUE (got "${item.replace(/=.*/, '=…')}").`,
        {
          details: { flag },
        },
      );
    }
    out[item.slice(0, at).trim()] = item.slice(at + 1);
  }
  return out;
}
