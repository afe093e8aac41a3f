/**
 * Tenancy and auth through the real server: HTTP and graphql-ws, real database.
 */
import { connectWs, graphqlRequest, startTestApp, type SeededActor, type TestApp } from '../helpers/app';

let app: TestApp;
let a: SeededActor;
let b: SeededActor;

beforeAll(async () => {
  app = await startTestApp();
  [a, b] = await Promise.all([
    app.seed.createOwner({ organizationName: 'Org A' }),
    app.seed.createOwner({ organizationName: 'Org B' }),
  ]);
});
afterAll(async () => {
  await app?.stop();
});

const createProject = (actor: SeededActor, name: string) =>
  actor.graphql<{ createProject: { id: string; name: string } }>(
    'mutation($n: String!) { createProject(input: { name: $n }) { id name } }',
    { n: name },
  );

describe('authentication', () => {
  it('answers me for a valid key', async () => {
    const res = await a.graphql('{ me { role apiKeyId user { id email } organization { id name } } }');
    expect(res.status).toBe(200);
    expect(res.data.me).toMatchObject({
      role: 'OWNER',
      apiKeyId: a.apiKeyId,
      user: { id: a.userId },
      organization: { id: a.organizationId, name: 'Org A' },
    });
  });

  it('rejects a missing key with UNAUTHENTICATED and HTTP 401', async () => {
    const res = await app.graphql('{ me { role } }');
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects an unknown key and a malformed header', async () => {
    const unknown = await app.graphql('{ me { role } }', {
      key: 'aisp_thisKeyDoesNotExist000000000000000000000',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]?.message).toMatch(/not valid/);
    const malformed = await graphqlRequest(app.url, '{ me { role } }', { headers: { authorization: a.key } });
    expect(malformed.status).toBe(401);
    expect(malformed.errors?.[0]?.message).toMatch(/Bearer/);
  });

  it('keeps /health and /ready open and everything else closed', async () => {
    expect((await fetch(app.url.replace('/graphql', '/health'))).status).toBe(200);
    expect((await fetch(app.url.replace('/graphql', '/ready'))).status).toBe(200);
    const introspection = await app.graphql('{ __typename organization { id } }');
    expect(introspection.status).toBe(401);
  });
});

describe('API keys', () => {
  it('shows a new key once, stores only its prefix, records last use, and revokes it for good', async () => {
    const created = await a.graphql(
      'mutation { createApiKey(input: { name: "ci" }) { secret apiKey { id name prefix revoked lastUsedAt } } }',
    );
    const { secret, apiKey } = created.data.createApiKey;
    expect(secret).toMatch(/^aisp_[A-Za-z0-9]{40}$/);
    expect(apiKey).toMatchObject({
      name: 'ci',
      prefix: secret.slice(0, 12),
      revoked: false,
      lastUsedAt: null,
    });

    const listed = await a.graphql('{ apiKeys { id prefix lastUsedAt } }');
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    const used = await app.graphql('{ me { apiKeyId } }', { key: secret });
    expect(used.data.me.apiKeyId).toBe(apiKey.id);
    const afterUse = await a.graphql('{ apiKeys { id lastUsedAt } }');
    expect(afterUse.data.apiKeys.find((k: { id: string }) => k.id === apiKey.id).lastUsedAt).not.toBeNull();

    const revoked = await a.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { revoked revokedAt } }', {
      id: apiKey.id,
    });
    expect(revoked.data.revokeApiKey.revoked).toBe(true);
    const refused = await app.graphql('{ me { role } }', { key: secret });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toMatch(/revoked/);
  });

  it('lets members manage only their own keys', async () => {
    const member = await app.seed.createUser(a, 'member');
    const own = await member.graphql('{ apiKeys { id userId } }');
    expect(own.data.apiKeys.map((k: { userId: string }) => k.userId)).toEqual([member.userId]);
    const forOther = await member.graphql(
      'mutation($u: ID) { createApiKey(input: { name: "x", userId: $u }) { secret } }',
      { u: a.userId },
    );
    expect(forOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const revokeOwner = await member.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {
      id: a.apiKeyId,
    });
    expect(revokeOwner.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('validates input with field-level errors', async () => {
    const res = await a.graphql('mutation { createApiKey(input: { name: "  " }) { secret } }');
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'name', message: 'must not be empty' }],
    });
    const badId = await a.graphql('mutation { revokeApiKey(id: "nope") { id } }');
    expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('roles', () => {
  it('lets a viewer read but not write', async () => {
    const viewer = await app.seed.createUser(a, 'viewer');
    const project = await createProject(a, 'viewer-visible');
    const read = await viewer.graphql('{ projects { id } }');
    expect(read.data.projects.map((p: { id: string }) => p.id)).toContain(project.data!.createProject.id);
    const write = await createProject(viewer, 'nope');
    expect(write.status).toBe(403);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const key = await viewer.graphql('mutation { createApiKey(input: { name: "v" }) { secret } }');
    expect(key.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows members only their projects and lets project admins add members', async () => {
    const member = await app.seed.createUser(a, 'member');
    const lead = await app.seed.createUser(a, 'member');
    const p1 = (await createProject(a, 'roles-p1')).data!.createProject.id;
    const p2 = (await createProject(a, 'roles-p2')).data!.createProject.id;
    expect((await member.graphql('{ projects { id } }')).data.projects).toEqual([]);

    const denied = await member.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role } }',
      {
        i: { projectId: p1, userId: member.userId, role: 'ADMIN' },
      },
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const madeAdmin = await a.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role user { id } } }',
      {
        i: { projectId: p1, userId: lead.userId, role: 'ADMIN' },
      },
    );
    expect(madeAdmin.data.addProjectMember).toEqual({ role: 'ADMIN', user: { id: lead.userId } });
    const added = await lead.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role } }',
      {
        i: { projectId: p1, userId: member.userId, role: 'MEMBER' },
      },
    );
    expect(added.data.addProjectMember.role).toBe('MEMBER');
    const notAdminOfP2 = await lead.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role } }',
      {
        i: { projectId: p2, userId: member.userId, role: 'MEMBER' },
      },
    );
    expect(notAdminOfP2.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const visible = await member.graphql(
      '{ projects { id members { userId role } } me { projectRoles { projectId role } } }',
    );
    expect(visible.data.projects.map((p: { id: string }) => p.id)).toEqual([p1]);
    expect(visible.data.me.projectRoles).toEqual([{ projectId: p1, role: 'MEMBER' }]);
  });

  it('refuses duplicate names and lets only owners create owners', async () => {
    await createProject(a, 'dup');
    const again = await createProject(a, 'dup');
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const admin = await app.seed.createUser(a, 'admin');
    const owner = await admin.graphql(
      'mutation { createUser(input: { email: "o2@example.com", name: "O", role: OWNER }) { id } }',
    );
    expect(owner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const users = await admin.graphql('{ users { email } }');
    expect(users.data.users.length).toBeGreaterThan(1);
  });
});

describe('tenant isolation', () => {
  it("never shows one organisation's projects, users or keys to another", async () => {
    const projectA = (await createProject(a, 'secret-a')).data!.createProject.id;
    const memberOfA = await app.seed.createUser(a, 'member');
    const [projects, users, keys, org] = await Promise.all([
      b.graphql('{ projects { id name } }'),
      b.graphql('{ users { id } }'),
      b.graphql('{ apiKeys { id } }'),
      b.graphql('{ organization { id name } }'),
    ]);
    expect(projects.data.projects.map((p: { id: string }) => p.id)).not.toContain(projectA);
    const userIds = users.data.users.map((u: { id: string }) => u.id);
    expect(userIds).toContain(b.userId);
    expect(userIds).not.toContain(a.userId);
    expect(userIds).not.toContain(memberOfA.userId);
    expect(keys.data.apiKeys.map((k: { id: string }) => k.id)).not.toContain(a.apiKeyId);
    expect(org.data.organization).toEqual({ id: b.organizationId, name: 'Org B' });
  });

  it('treats ids from another organisation as not found or forbidden, never as usable', async () => {
    const projectA = (await createProject(a, 'cross-a')).data!.createProject.id;
    const addToA = await b.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role } }',
      {
        i: { projectId: projectA, userId: b.userId, role: 'ADMIN' },
      },
    );
    expect(addToA.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const revokeA = await b.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {
      id: a.apiKeyId,
    });
    expect(revokeA.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const keyForA = await b.graphql(
      'mutation($u: ID) { createApiKey(input: { name: "x", userId: $u }) { secret } }',
      { u: a.userId },
    );
    expect(keyForA.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const projectB = (await createProject(b, 'cross-b')).data!.createProject.id;
    const addAUserToB = await b.graphql(
      'mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) { role } }',
      {
        i: { projectId: projectB, userId: a.userId, role: 'MEMBER' },
      },
    );
    expect(addAUserToB.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await a.graphql('{ me { role } }')).data.me.role).toBe('OWNER');
  });

  it('delivers subscription events only to the organisation they belong to', async () => {
    const wsA = a.ws();
    const wsB = b.ws();
    await Promise.all([wsA.connected, wsB.connected]);
    const subA = wsA.subscribe<{ projectChanged: { projectId: string; kind: string } }>(
      'subscription { projectChanged { kind projectId } }',
    );
    const subB = wsB.subscribe<{ projectChanged: { projectId: string; kind: string } }>(
      'subscription { projectChanged { kind projectId } }',
    );
    // Give both subscriptions time to be registered server-side.
    await new Promise((r) => setTimeout(r, 200));
    const inB = (await createProject(b, 'live-b')).data!.createProject.id;
    const inA = (await createProject(a, 'live-a')).data!.createProject.id;
    const [gotA] = await subA.next(1);
    const [gotB] = await subB.next(1);
    expect(gotA!.projectChanged).toEqual({ kind: 'PROJECT_CREATED', projectId: inA });
    expect(gotB!.projectChanged).toEqual({ kind: 'PROJECT_CREATED', projectId: inB });
    await new Promise((r) => setTimeout(r, 100));
    expect(subA.values).toHaveLength(1);
    expect(subB.values).toHaveLength(1);
    await Promise.all([wsA.dispose(), wsB.dispose()]);
  });
});

describe('graphql-ws authentication', () => {
  it('closes with 4401 without a key or with a bad one', async () => {
    const none = connectWs(app.wsUrl, null);
    expect((await none.closed).code).toBe(4401);
    const bad = connectWs(app.wsUrl, 'Bearer aisp_nope');
    expect((await bad.closed).code).toBe(4401);
  });

  it('closes with 4403 when the user is not allowed to connect', async () => {
    const member = await app.seed.createUser(a, 'member');
    await app.runtime.connection
      .collection('users')
      .updateOne({ email: { $regex: '^member-' }, _id: { $exists: true } }, { $set: {} });
    await app.runtime.connection
      .model('User')
      .updateOne({ _id: member.userId }, { $set: { disabled: true } });
    const conn = member.ws();
    expect((await conn.closed).code).toBe(4403);
    const http = await member.graphql('{ me { role } }');
    expect(http.status).toBe(403);
  });

  it('closes an open socket with 4401 when its key is revoked', async () => {
    const created = await a.graphql(
      'mutation { createApiKey(input: { name: "ws" }) { secret apiKey { id } } }',
    );
    const conn = connectWs(app.wsUrl, created.data.createApiKey.secret);
    await conn.connected;
    await a.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {
      id: created.data.createApiKey.apiKey.id,
    });
    expect((await conn.closed).code).toBe(4401);
  });
});
