/**
 * The server over real sockets: limits, SSE and graphql-ws on the same path,
 * readiness, and graceful shutdown.
 */
import { graphqlRequest, startTestApp, type TestApp } from '../helpers/app';

describe('limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5', MAX_BODY_BYTES: '2048' } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses a body over MAX_BODY_BYTES with PAYLOAD_TOO_LARGE (413)', async () => {
    const owner = await app.seed.createOwner();
    const res = await graphqlRequest(app.url, `{ me { role } } # ${'x'.repeat(3000)}`, { key: owner.key });
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('limits each API key per minute with RATE_LIMITED (429), independently of other keys', async () => {
    const [busy, quiet] = await Promise.all([app.seed.createOwner(), app.seed.createOwner()]);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await busy.graphql('{ me { role } }')).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await busy.graphql('{ me { role } }');
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 5 });
    expect(limited.errors?.[0]?.message).toMatch(/Retry in \d+ s/);
    expect((await quiet.graphql('{ me { role } }')).status).toBe(200);
  });
});

describe('transports', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('serves subscriptions over SSE on /graphql as well as over graphql-ws', async () => {
    const owner = await app.seed.createOwner();
    const controller = new AbortController();
    const response = await fetch(app.url, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${owner.key}`,
      },
      body: JSON.stringify({ query: 'subscription { projectChanged { kind projectId } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    await new Promise((r) => setTimeout(r, 200));
    const created = await owner.graphql('mutation { createProject(input: { name: "sse" }) { id } }');
    let text = '';
    while (!text.includes('PROJECT_CREATED')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain(created.data.createProject.id);
    controller.abort();

    const ws = owner.ws();
    const sub = ws.subscribe<{ projectChanged: { projectId: string } }>(
      'subscription { projectChanged { projectId } }',
    );
    await new Promise((r) => setTimeout(r, 200));
    const second = await owner.graphql('mutation { createProject(input: { name: "ws" }) { id } }');
    expect((await sub.next(1))[0]!.projectChanged.projectId).toBe(second.data.createProject.id);
    await ws.dispose();
  });

  it('rejects unauthenticated subscriptions over SSE too', async () => {
    const res = await graphqlRequest(app.url, 'subscription { projectChanged { kind } }');
    expect(res.status).toBe(401);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, closes sockets with 1001 and stops', async () => {
    const app = await startTestApp();
    const owner = await app.seed.createOwner();
    const ws = owner.ws();
    await ws.connected;

    // Hold one request inside its resolver until shutdown has begun.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inResolver = new Promise<void>((resolve) => (entered = resolve));
    const tenancy = app.runtime.services.tenancy;
    const original = tenancy.organization.bind(tenancy);
    jest.spyOn(tenancy, 'organization').mockImplementation(async (caller) => {
      entered();
      await gate;
      return original(caller);
    });

    const inFlight = owner.graphql('{ organization { name } }');
    await inResolver;
    const stopped = app.stop();
    await new Promise((r) => setTimeout(r, 50));

    // New work is refused: the listener is closed (or, on a kept-alive socket, 503).
    const refused = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.key}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    }).then(
      (r) => r.status,
      (e: Error) => (e.cause as { code?: string } | undefined)?.code ?? e.message,
    );
    expect([503, 'ECONNREFUSED']).toContain(refused);
    expect((await ws.closed).code).toBe(1001);

    release();
    const done = await inFlight;
    expect(done.status).toBe(200);
    expect(done.data.organization.name).toMatch(/^Org /);
    await stopped;
    expect(app.runtime.eventSystem.queue.working).toBe(false);
    expect(await app.runtime.ready()).toBe(false);
  });
});
