import { AppError } from '../shared/errors';
import { loadProvidersConfig } from './provider-config';
import { ProviderRegistry } from './provider-registry';

const expectConfigError = (env: Record<string, string>, text: RegExp) => {
  try {
    loadProvidersConfig(env);
    throw new Error('expected a configuration error');
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONFIG_INVALID');
    expect((error as AppError).message).toMatch(text);
  }
};

describe('loadProvidersConfig', () => {
  it('configures each provider whose key is set, and the mock only when none is (auto)', () => {
    const config = loadProvidersConfig({
      OPENAI_API_KEY: 'sk-1',
      ANTHROPIC_API_KEY: 'sk-2',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/v1',
      GOOGLE_GENERATIVE_AI_API_KEY: 'g',
      OPENAI_API_MODE: 'chat',
      PROVIDER_TIMEOUT_MS: '5000',
      PROVIDER_MAX_RETRIES: '1',
    });
    expect(config.providers.map((p) => p.id)).toEqual(['openai', 'anthropic', 'google']);
    expect(config.providers[0]).toMatchObject({ apiMode: 'chat' });
    expect(config.providers[1]).toMatchObject({ baseURL: 'http://127.0.0.1:9/v1' });
    expect(config).toMatchObject({ timeoutMs: 5000, maxRetries: 1 });
    expect(loadProvidersConfig({ OPENAI_API_KEY: '' }).providers.map((p) => p.id)).toEqual(['mock']);
    expect(
      loadProvidersConfig({ OPENAI_API_KEY: 'k', MOCK_PROVIDER: 'on' }).providers.map((p) => p.id),
    ).toEqual(['openai', 'mock']);
    expect(loadProvidersConfig({ MOCK_PROVIDER: 'off' }).providers).toEqual([]);
  });

  it('reads named OpenAI-compatible endpoints, taking each key from its own variable', () => {
    const config = loadProvidersConfig({
      OPENAI_COMPATIBLE_ENDPOINTS: JSON.stringify([
        { name: 'XAI', baseURL: 'https://api.x.ai/v1', apiKeyEnv: 'XAI_API_KEY', models: ['grok-4'] },
        { name: 'local', baseURL: 'http://127.0.0.1:11434/v1' },
      ]),
      XAI_API_KEY: 'xai-key',
    });
    expect(config.providers).toEqual([
      {
        id: 'xai',
        kind: 'openai-compatible',
        baseURL: 'https://api.x.ai/v1',
        apiKey: 'xai-key',
        models: ['grok-4'],
      },
      {
        id: 'local',
        kind: 'openai-compatible',
        baseURL: 'http://127.0.0.1:11434/v1',
        apiKey: undefined,
        models: [],
      },
    ]);
    const registry = new ProviderRegistry(config);
    expect(registry.get('xai')).toMatchObject({
      usageFormat: 'openai-chat',
      models: ['grok-4'],
      isMock: false,
    });
    expect(registry.defaultProvider()?.id).toBe('xai');
    expect(registry.get('xai').languageModel('grok-4').modelId).toBe('grok-4');
  });

  it.each([
    [{ OPENAI_COMPATIBLE_ENDPOINTS: 'not json' }, /not valid JSON/],
    [{ OPENAI_COMPATIBLE_ENDPOINTS: '[{"name":"openai","baseURL":"https://x.test/v1"}]' }, /built-in/],
    [{ OPENAI_COMPATIBLE_ENDPOINTS: '[{"name":"a","baseURL":"nope"}]' }, /baseURL/],
    [
      {
        OPENAI_COMPATIBLE_ENDPOINTS:
          '[{"name":"a","baseURL":"https://a.test"},{"name":"a","baseURL":"https://b.test"}]',
      },
      /twice/,
    ],
    [
      { OPENAI_COMPATIBLE_ENDPOINTS: '[{"name":"a","baseURL":"https://a.test","apiKeyEnv":"A_KEY"}]' },
      /A_KEY, which is not set/,
    ],
    [{ OPENAI_API_MODE: 'completions' }, /OPENAI_API_MODE/],
    [{ PROVIDER_TIMEOUT_MS: '-1' }, /PROVIDER_TIMEOUT_MS/],
    [{ OPENAI_BASE_URL: 'localhost' }, /OPENAI_BASE_URL/],
  ])('refuses %j with CONFIG_INVALID', (env, text) => {
    expectConfigError(env as Record<string, string>, text);
  });

  it('builds every provider kind with its usage format', () => {
    const registry = new ProviderRegistry(
      loadProvidersConfig({
        OPENAI_API_KEY: 'a',
        ANTHROPIC_API_KEY: 'b',
        GOOGLE_API_KEY: 'c',
        MOCK_PROVIDER: 'on',
      }),
    );
    expect(registry.list().map((p) => [p.id, p.usageFormat])).toEqual([
      ['openai', 'openai-responses'],
      ['anthropic', 'anthropic'],
      ['google', 'google'],
      ['mock', 'normalised'],
    ]);
    expect(registry.get('openai').models).toContain('gpt-4o');
    for (const provider of registry.list()) expect(provider.languageModel('m').modelId).toBe('m');
  });
});
