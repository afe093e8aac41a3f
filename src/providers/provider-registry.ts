/**
 * The configured providers, each behind one interface: an AI SDK language model per model id,
 * the raw-usage format its API speaks, and the models it offers. Built once from
 * `ProvidersConfig`; the chat runner and the `providers` query read it.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV3 } from '@ai-sdk/provider';

import { AppError } from '../shared/errors';
import { defaultCatalog, type PriceCatalog } from '../pricing/catalog';
import { MockLanguageModel } from './mock/mock-language-model';
import { MockScriptBook } from './mock/mock-script';
import type { ProviderConfig, ProviderKind, ProvidersConfig } from './provider-config';
import type { UsageFormat } from './usage/raw-usage-normalisers';

export interface ChatProvider {
  id: string;
  kind: ProviderKind;
  /** Human-readable name; the mock says it is a mock. */
  label: string;
  isMock: boolean;
  usageFormat: UsageFormat;
  models: string[];
  languageModel(modelId: string): LanguageModelV3;
}

const MOCK_MODELS = ['mock-small', 'mock-large'];

function build(config: ProviderConfig, catalog: PriceCatalog, scripts: MockScriptBook): ChatProvider {
  const withCatalog = (provider: string) =>
    [...new Set([...catalog.models(provider), ...config.models])].sort();
  switch (config.kind) {
    case 'openai': {
      const sdk = createOpenAI({ apiKey: config.apiKey, baseURL: config.baseURL });
      const chat = config.apiMode === 'chat';
      return {
        id: config.id,
        kind: config.kind,
        label: chat ? 'OpenAI (chat completions)' : 'OpenAI (Responses API)',
        isMock: false,
        usageFormat: chat ? 'openai-chat' : 'openai-responses',
        models: withCatalog('openai'),
        languageModel: (modelId) => (chat ? sdk.chat(modelId) : sdk.responses(modelId)),
      };
    }
    case 'anthropic': {
      const sdk = createAnthropic({ apiKey: config.apiKey, baseURL: config.baseURL });
      return {
        id: config.id,
        kind: config.kind,
        label: 'Anthropic',
        isMock: false,
        usageFormat: 'anthropic',
        models: withCatalog('anthropic'),
        languageModel: (modelId) => sdk.messages(modelId),
      };
    }
    case 'google': {
      const sdk = createGoogleGenerativeAI({ apiKey: config.apiKey, baseURL: config.baseURL });
      return {
        id: config.id,
        kind: config.kind,
        label: 'Google Gemini',
        isMock: false,
        usageFormat: 'google',
        models: withCatalog('google'),
        languageModel: (modelId) => sdk.languageModel(modelId),
      };
    }
    case 'openai-compatible': {
      // Any server speaking OpenAI chat completions; apiKey may be absent for local servers.
      const sdk = createOpenAI({
        apiKey: config.apiKey ?? 'not-needed',
        baseURL: config.baseURL,
        name: config.id,
      });
      return {
        id: config.id,
        kind: config.kind,
        label: `OpenAI-compatible (${config.id})`,
        isMock: false,
        usageFormat: 'openai-chat',
        models: withCatalog(config.id),
        languageModel: (modelId) => sdk.chat(modelId),
      };
    }
    case 'mock':
      return {
        id: config.id,
        kind: config.kind,
        label: 'Mock provider (deterministic, for development and tests; not a real model)',
        isMock: true,
        usageFormat: 'normalised',
        models: [...new Set([...MOCK_MODELS, ...config.models])].sort(),
        languageModel: (modelId) => new MockLanguageModel(modelId, scripts),
      };
  }
}

export class ProviderRegistry {
  private readonly byId = new Map<string, ChatProvider>();
  /** Scripts for the mock provider (shared by all its models). */
  readonly mockScripts = new MockScriptBook();

  constructor(
    readonly config: ProvidersConfig,
    catalog: PriceCatalog = defaultCatalog,
  ) {
    for (const provider of config.providers)
      this.byId.set(provider.id, build(provider, catalog, this.mockScripts));
  }

  list(): ChatProvider[] {
    return [...this.byId.values()];
  }

  /** The provider a request names, or PROVIDER_NOT_CONFIGURED saying which ones exist. */
  get(id: string): ChatProvider {
    const provider = this.byId.get(id.trim().toLowerCase());
    if (!provider) {
      const known = [...this.byId.keys()].join(', ') || 'none';
      throw new AppError(
        'PROVIDER_NOT_CONFIGURED',
        `Provider "${id}" is not configured (configured: ${known}). Set its API key in the environment.`,
        { details: { provider: id } },
      );
    }
    return provider;
  }

  /** The provider used when a request names none: the first real one, else the mock. */
  defaultProvider(): ChatProvider | undefined {
    return this.list().find((p) => !p.isMock) ?? this.list()[0];
  }
}
