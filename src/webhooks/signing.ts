/**
 * How a posted body is signed, and how a receiver checks it. The signature is
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed by the endpoint's secret; the
 * timestamp (Unix seconds) is signed too, so a captured request cannot be replayed later
 * than the receiver's tolerance. Scheduled analytics reports sign through here as well.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-webhook-signature';
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const ID_HEADER = 'x-webhook-id';

export function hmacSha256Hex(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

export function signatureFor(secret: string, timestamp: number, body: string): string {
  return `sha256=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

/** The three headers that identify and sign one posted body. */
export function signedHeaders(input: {
  secret: string;
  id: string;
  body: string;
  now: Date;
}): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    [ID_HEADER]: input.id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signatureFor(input.secret, timestamp, input.body),
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * What a receiver does (documented in the README): recompute the HMAC over
 * "<timestamp>.<raw body>", compare in constant time, and refuse stale timestamps.
 */
export function verifySignature(input: {
  secret: string;
  body: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  now: Date;
  toleranceSeconds?: number;
}): VerifyResult {
  const tolerance = input.toleranceSeconds ?? 300;
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'bad timestamp' };
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.now.getTime() / 1000 - timestamp) > tolerance) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signatureFor(input.secret, timestamp, input.body));
  const given = Buffer.from(input.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}
