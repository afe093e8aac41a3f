/**
 * API key material. A key is `aisp_` + 40 random base62 characters (~238 bits);
 * only its SHA-256 is stored (keys are high-entropy, so a slow hash adds nothing)
 * and the first 12 characters are kept as a visible prefix.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'aisp_';
const PREFIX_LENGTH = 12;

export function generateApiKey(): string {
  // Rejection sampling keeps every character uniformly likely.
  let out = '';
  while (out.length < 40) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < 40) out += ALPHABET[byte % 62];
    }
  }
  return `${KEY_PREFIX}${out}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function visiblePrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** Pulls the key out of an `Authorization` value; accepts "Bearer <key>" only. */
export function parseBearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1] ?? null;
}
