import { generateApiKey, hashApiKey, parseBearer, visiblePrefix } from './api-key';

describe('API key material', () => {
  it('generates distinct, well-formed keys', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^aisp_[0-9A-Za-z]{40}$/);
  });

  it('hashes deterministically without keeping the key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key.slice(5));
    expect(visiblePrefix(key)).toBe(key.slice(0, 12));
  });

  it('reads only Bearer credentials', () => {
    expect(parseBearer('Bearer abc')).toBe('abc');
    expect(parseBearer('bearer   abc  ')).toBe('abc');
    expect(parseBearer('Basic abc')).toBeNull();
    expect(parseBearer('Bearer a b')).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });
});
