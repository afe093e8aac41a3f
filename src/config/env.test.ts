import { AppError } from '../shared/errors';
import { loadConfig } from './env';

describe('loadConfig', () => {
  it('applies defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4000,
      API_ONLY: false,
      MAX_BODY_BYTES: 1048576,
      RATE_LIMIT_PER_MINUTE: 600,
    });
    expect(config.MONGODB_URI).toBeUndefined();
  });

  it('parses numbers and flags, and treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '8080', API_ONLY: 'true', MONGODB_URI: '', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ PORT: 8080, API_ONLY: true, LOG_LEVEL: 'debug' });
    expect(config.MONGODB_URI).toBeUndefined();
  });

  it('names every bad variable in one CONFIG_INVALID error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', API_ONLY: 'maybe', NODE_ENV: 'staging' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('CONFIG_INVALID');
    expect(appError.message).toMatch(/PORT: .*\(got "eighty"\)/);
    expect(appError.message).toMatch(/API_ONLY/);
    expect(appError.message).toMatch(/NODE_ENV/);
    expect(appError.details.variables).toEqual(expect.arrayContaining(['PORT', 'API_ONLY', 'NODE_ENV']));
  });

  it('never echoes secrets back', () => {
    expect(() =>
      loadConfig({ BOOTSTRAP_ADMIN_KEY: 'short-secret', MONGODB_URI: 'http://user:pw@host' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/short-secret|pw@host/) }));
  });

  it('rejects out-of-range ports', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
  });
});
