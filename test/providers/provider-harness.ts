/** Builds a provider registry and chat runner wired to the loopback fake provider server. */
import { ChatRunner } from '../../src/providers/chat-runner';
import { loadProvidersConfig } from '../../src/providers/provider-config';
import { ProviderRegistry } from '../../src/providers/provider-registry';
import type { FakeProviderServer } from '../fakes/fake-provider-server';

export function fakeEnv(
  fake: FakeProviderServer,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: fake.openaiBaseURL,
    ANTHROPIC_API_KEY: 'sk-test-anthropic',
    ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    GOOGLE_API_KEY: 'test-google',
    GOOGLE_BASE_URL: fake.googleBaseURL,
    OPENAI_COMPATIBLE_ENDPOINTS: JSON.stringify([
      { name: 'local', baseURL: fake.openaiBaseURL, models: ['llama-3'] },
    ]),
    MOCK_PROVIDER: 'on',
    PROVIDER_MAX_RETRIES: '0',
    ...extra,
  };
}

export function runnerFor(fake: FakeProviderServer, extra: Record<string, string> = {}) {
  const registry = new ProviderRegistry(loadProvidersConfig(fakeEnv(fake, extra)));
  return { registry, runner: new ChatRunner(registry) };
}

export const userMessage = (text: string) => [{ role: 'user' as const, content: text }];
