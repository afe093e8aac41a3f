/**
 * First start: on an empty database the default organisation, owner and key are
 * created once; BOOTSTRAP_ADMIN_KEY fixes the key.
 */
import { startTestApp } from '../helpers/app';

it('creates the default organisation once, with the key from BOOTSTRAP_ADMIN_KEY', async () => {
  const app = await startTestApp();
  try {
    const adminKey = 'ci_admin_key_0123456789abcdefghijklmnop';
    const options = { organizationName: 'Acme', ownerEmail: 'Admin@Example.com', adminKey };
    const first = await app.runtime.services.onboarding.bootstrap(options);
    expect(first.created).toBe(true);
    expect((await app.runtime.services.onboarding.bootstrap(options)).created).toBe(false);
    const me = await app.graphql('{ me { role user { email } organization { name } } apiKeys { prefix } }', {
      key: adminKey,
    });
    expect(me.data.me).toEqual({
      role: 'OWNER',
      user: { email: 'admin@example.com' },
      organization: { name: 'Acme' },
    });
    expect(me.data.apiKeys).toEqual([{ prefix: adminKey.slice(0, 12) }]);
  } finally {
    await app.stop();
  }
});

it('does nothing on a database that already has organisations', async () => {
  const app = await startTestApp();
  try {
    await app.seed.createOwner();
    const result = await app.runtime.services.onboarding.bootstrap({
      organizationName: 'X',
      ownerEmail: 'x@example.com',
    });
    expect(result.created).toBe(false);
  } finally {
    await app.stop();
  }
});
