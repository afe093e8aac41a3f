/** GraphQL: the `providers` query (configured providers and their models). */
import { builder } from '../schema/builder';
import type { ChatProvider } from './provider-registry';

export const ProviderRef = builder.objectRef<ChatProvider>('Provider').implement({
  description: 'A configured AI provider.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The name to pass as `provider` in sendMessage.' }),
    kind: t.exposeString('kind'),
    label: t.exposeString('label'),
    isMock: t.exposeBoolean('isMock', { description: 'True for the deterministic mock provider.' }),
    models: t.exposeStringList('models', { description: 'Priced catalog models and configured models.' }),
  }),
});

builder.queryField('providers', (t) =>
  t.field({
    type: [ProviderRef],
    description: 'The providers configured on this server and their models.',
    resolve: (_r, _a, ctx) => ctx.services.providers.list(),
  }),
);
