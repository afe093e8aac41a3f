import { createSecretBox } from './secret-box';

const key = 'a1'.repeat(32);

describe('secret box', () => {
  it('seals with AES-256-GCM and opens with the same key', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed); // a fresh IV every time
    expect(box.open(sealed)).toBe('whsec_abc');
  });

  it('passes plain secrets through, with or without a key', () => {
    expect(createSecretBox(undefined).seal('whsec_plain')).toBe('whsec_plain');
    expect(createSecretBox(undefined).open('whsec_plain')).toBe('whsec_plain');
    expect(createSecretBox(key).open('whsec_plain')).toBe('whsec_plain');
  });

  it('says which setting is wrong when a sealed secret cannot be opened', () => {
    const sealed = createSecretBox(key).seal('whsec_abc');
    expect(() => createSecretBox(undefined).open(sealed)).toThrow(/set WEBHOOK_SECRET_KEY/);
    expect(() => createSecretBox('b2'.repeat(32)).open(sealed)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/not the key it was sealed with/),
      }),
    );
  });
});
