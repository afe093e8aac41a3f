import { createHmac } from 'node:crypto';
import { generateSecret, secretHint } from './secrets';
import { signatureFor, signedHeaders, verifySignature } from './signing';

describe('signing', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"BUDGET_EXCEEDED"}';
  const now = new Date('2026-03-01T12:00:00Z');

  it('signs "<timestamp>.<body>" with HMAC-SHA256, as the README tells receivers', () => {
    const headers = signedHeaders({ secret, id: 'e1', body, now });
    const expected = createHmac('sha256', secret).update(`1772366400.${body}`).digest('hex');
    expect(headers).toEqual({
      'x-webhook-id': 'e1',
      'x-webhook-timestamp': '1772366400',
      'x-webhook-signature': `sha256=${expected}`,
    });
  });

  it('verifies in constant time and refuses tampering, other secrets and stale or missing timestamps', () => {
    const signature = signatureFor(secret, 1772366400, body);
    const check = (over: Partial<Parameters<typeof verifySignature>[0]>) =>
      verifySignature({ secret, body, timestamp: '1772366400', signature, now, ...over });
    expect(check({})).toEqual({ ok: true });
    expect(check({ body: body.replace('e1', 'e2') })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ secret: 'whsec_other' })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ signature: 'sha256=00' })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ now: new Date('2026-03-01T12:05:01Z') })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ now: new Date('2026-03-01T12:05:01Z'), toleranceSeconds: 600 })).toEqual({ ok: true });
    expect(check({ timestamp: null })).toEqual({ ok: false, reason: 'bad timestamp' });
    expect(check({ timestamp: '12e3' })).toEqual({ ok: false, reason: 'bad timestamp' });
  });

  it('generates distinct URL-safe secrets and hints that cannot sign', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(secretHint(a)).toBe(`${a.slice(0, 10)}…`);
  });
});
