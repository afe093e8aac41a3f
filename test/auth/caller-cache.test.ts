/**
 * The auth cache against the real database: repeated requests do not re-read the key, a change
 * made behind the server's back (another process, a manual edit) takes effect when the entry
 * expires, and changes made through the API take effect at once.
 */
import { Types } from 'mongoose';

import { AuthService } from '../../src/auth/auth-service';
import { TtlCache } from '../../src/shared/ttl-cache';
import { authModels } from '../../src/auth/models';
import type { Caller } from '../../src/auth/roles';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';

let app: TestApp;
let owner: SeededActor;

beforeAll(async () => {
  app = await startTestApp();
  owner = await app.seed.createOwner();
});
afterAll(async () => app?.stop());

function authWithClock() {
  let now = 0;
  const models = authModels(app.runtime.connection);
  const auth = new AuthService({
    models,
    clock: app.runtime.clock,
    callers: new TtlCache<Caller>(5_000, () => now),
    projects: new TtlCache<true>(5_000, () => now),
  });
  return { auth, models, advance: (ms: number) => (now += ms) };
}

it('serves a repeated key from the cache and sees an out-of-band change once the entry expires', async () => {
  const { auth, models, advance } = authWithClock();
  const findOne = jest.spyOn(models.ApiKey, 'findOne');
  const first = await auth.authenticate(owner.key);
  const second = await auth.authenticate(owner.key);
  expect(second).toEqual(first);
  expect(findOne).toHaveBeenCalledTimes(1);
  expect(Object.isFrozen(second)).toBe(true);

  // Disabled directly in the database: still cached for the rest of the TTL, refused after it.
  await models.User.updateOne({ _id: owner.userId }, { $set: { disabled: true } });
  advance(4_999);
  await expect(auth.authenticate(owner.key)).resolves.toMatchObject({ userId: owner.userId });
  advance(1);
  await expect(auth.authenticate(owner.key)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await models.User.updateOne({ _id: owner.userId }, { $set: { disabled: false } });
  findOne.mockRestore();
});

it('forgets every caller on invalidate, and never caches an unknown key or a missing project', async () => {
  const { auth, models } = authWithClock();
  const findOne = jest.spyOn(models.ApiKey, 'findOne');
  await auth.authenticate(owner.key);
  auth.invalidate();
  await auth.authenticate(owner.key);
  expect(findOne).toHaveBeenCalledTimes(2);

  await expect(auth.authenticate('aisp_unknown')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(auth.authenticate('aisp_unknown')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  expect(findOne).toHaveBeenCalledTimes(4);
  findOne.mockRestore();

  const exists = jest.spyOn(models.Project, 'exists');
  const later = new Types.ObjectId().toHexString();
  expect(await auth.projectInOrganization(owner.organizationId, later)).toBe(false);
  await models.Project.create({ _id: later, organizationId: owner.organizationId, name: 'appears later' });
  expect(await auth.projectInOrganization(owner.organizationId, later)).toBe(true);
  expect(await auth.projectInOrganization(owner.organizationId, later)).toBe(true);
  expect(await auth.projectInOrganization(new Types.ObjectId().toHexString(), later)).toBe(false);
  expect(exists).toHaveBeenCalledTimes(3);
  exists.mockRestore();
});

it('refuses a revoked key on the very next request through the server', async () => {
  const created = await owner.graphql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
    'mutation { createApiKey(input: { name: "short-lived" }) { secret apiKey { id } } }',
  );
  const { secret, apiKey } = created.data!.createApiKey;
  const asKey = (query: string) => app.graphql(query, { key: secret });
  expect((await asKey('{ me { apiKeyId } }')).data.me.apiKeyId).toBe(apiKey.id);
  await owner.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
  expect((await asKey('{ me { apiKeyId } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});
