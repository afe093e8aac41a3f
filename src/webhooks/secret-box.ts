/**
 * Encryption at rest for endpoint secrets. Signing needs the secret itself, so it cannot
 * be hashed; with WEBHOOK_SECRET_KEY set (32 bytes as 64 hex characters) it is stored
 * sealed with AES-256-GCM as `v1.<iv>.<tag>.<ciphertext>` (base64url), and a database dump
 * alone no longer lets anyone forge deliveries. Without the key secrets are stored as they
 * are. A plain secret stored before the key was set still works (rotate it to seal it).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors';

export interface SecretBox {
  seal(secret: string): string;
  open(stored: string): string;
}

const SEALED = /^v1\.([\w-]+)\.([\w-]+)\.([\w-]+)$/;

export function createSecretBox(keyHex: string | undefined): SecretBox {
  if (!keyHex) {
    return {
      seal: (secret) => secret,
      open(stored) {
        if (SEALED.test(stored)) {
          throw new AppError(
            'CONFIG_INVALID',
            'This webhook secret is stored encrypted: set WEBHOOK_SECRET_KEY to the key it was sealed with.',
          );
        }
        return stored;
      },
    };
  }
  const key = Buffer.from(keyHex, 'hex');
  return {
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), sealed]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(stored) {
      const match = SEALED.exec(stored);
      if (!match) return stored;
      try {
        const [, iv, tag, sealed] = match as unknown as [string, string, string, string];
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch (error) {
        throw new AppError(
          'CONFIG_INVALID',
          'A webhook secret could not be decrypted: WEBHOOK_SECRET_KEY is not the key it was sealed with.',
          {
            cause: error,
          },
        );
      }
    },
  };
}
