/**
 * Endpoint secrets: 32 random bytes, URL-safe, with a `whsec_` prefix so a leaked one is
 * recognisable in logs and scanners. The whole secret is shown once (create, rotate); the
 * API afterwards shows only its first characters. Signing needs the secret itself (a hash
 * cannot sign), so it is stored sealed with WEBHOOK_SECRET_KEY when that is set (secret-box.ts).
 */
import { randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the API shows after creation: enough to tell two secrets apart, useless to sign with. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, PREFIX.length + 4)}…`;
}
