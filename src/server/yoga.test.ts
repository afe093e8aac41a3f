import type { Services } from '../app/services';
import type { Caller } from '../auth/roles';
import { createAppPubSub } from '../pubsub/pubsub';
import { buildSchema } from '../schema';
import { FakeClock } from '../shared/clock';
import { AppError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import type { RateLimiter } from './rate-limiter';
import { createAppYoga } from './yoga';

const owner: Caller = { userId: 'u1', organizationId: 'o1', apiKeyId: 'k1', role: 'owner', projectRoles: {} };
const viewer: Caller = { ...owner, apiKeyId: 'k2', role: 'viewer' };

function makeYoga(
  options: {
    maxDepth?: number;
    production?: boolean;
    rateLimiter?: RateLimiter;
    ready?: boolean;
    organization?: () => unknown;
  } = {},
) {
  const auth = {
    authenticate: jest.fn(async (key: string) => {
      if (key === 'owner-key') return owner;
      if (key === 'viewer-key') return viewer;
      throw new AppError('UNAUTHENTICATED', 'The API key is not valid.');
    }),
    projectInOrganization: jest.fn(async () => true),
  };
  const tenancy = {
    organization: jest.fn(
      options.organization ??
        (async () => ({
          _id: { toHexString: () => 'o1' },
          name: 'Acme',
          createdAt: new Date('2026-01-01T00:00:00Z'),
        })),
    ),
    createProject: jest.fn(async () => ({
      _id: { toHexString: () => 'p1' },
      name: 'P',
      description: null,
      createdAt: new Date(),
    })),
  };
  const services = { auth, tenancy } as unknown as Services;
  const yoga = createAppYoga({
    schema: buildSchema(),
    services,
    pubsub: createAppPubSub(),
    clock: new FakeClock(),
    logger: createLogger({ level: 'silent' }),
    rateLimiter: options.rateLimiter ?? { consume: async () => undefined },
    production: options.production ?? false,
    maxDepth: options.maxDepth ?? 5,
    maxComplexity: 20,
    ready: async () => options.ready ?? true,
  });
  return { yoga, services: { auth, tenancy } };
}

// Response bodies are read loosely: the assertions say what matters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type GraphQLBody = { data: any; errors: any[] };

async function post(
  yoga: ReturnType<typeof makeYoga>['yoga'],
  query: string,
  headers: Record<string, string> = {},
  variables?: object,
) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
}

describe('the GraphQL endpoint (in process)', () => {
  it('answers UNAUTHENTICATED with HTTP 401 when no key is sent', async () => {
    const { yoga } = makeYoga();
    const res = await post(yoga, '{ organization { name } }');
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeNull();
  });

  it('rejects a bad key with 401 before running anything', async () => {
    const { yoga, services } = makeYoga();
    const res = await post(yoga, '{ organization { name } }', { authorization: 'Bearer nope' });
    expect(res.status).toBe(401);
    expect(res.body.errors[0]).toMatchObject({
      message: 'The API key is not valid.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(services.tenancy.organization).not.toHaveBeenCalled();
  });

  it('rejects a header that is not a bearer token', async () => {
    const { yoga } = makeYoga();
    const res = await post(yoga, '{ organization { name } }', { authorization: 'Basic abc' });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/Bearer/);
  });

  it('serves an authenticated query and echoes a request id', async () => {
    const { yoga } = makeYoga();
    const res = await post(yoga, '{ organization { name createdAt } }', {
      authorization: 'Bearer owner-key',
      'x-request-id': 'req-123',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.organization).toEqual({ name: 'Acme', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(res.headers.get('x-request-id')).toBe('req-123');
  });

  it('generates a request id when none (or a malformed one) is given', async () => {
    const { yoga } = makeYoga();
    const res = await post(yoga, '{ organization { name } }', {
      authorization: 'Bearer owner-key',
      'x-request-id': 'bad id!',
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('forbids mutations to a viewer with FORBIDDEN / 403', async () => {
    const { yoga, services } = makeYoga();
    const res = await post(yoga, 'mutation { createProject(input: { name: "x" }) { id } }', {
      authorization: 'Bearer viewer-key',
    });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(services.tenancy.createProject).not.toHaveBeenCalled();
  });

  it('refuses queries deeper than the limit with QUERY_TOO_DEEP', async () => {
    const { yoga } = makeYoga({ maxDepth: 3 });
    const res = await post(
      yoga,
      '{ me { organization { name } } ...deep } fragment deep on Query { projects { members { user { name } } } }',
      {
        authorization: 'Bearer owner-key',
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 4, maxDepth: 3 });
  });

  it('refuses queries above the complexity limit with QUERY_TOO_COMPLEX', async () => {
    const { yoga } = makeYoga();
    const fields = Array.from({ length: 25 }, (_, i) => `a${i}: organization { name }`).join(' ');
    const res = await post(yoga, `{ ${fields} }`, { authorization: 'Bearer owner-key' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxComplexity: 20 });
  });

  it('returns RATE_LIMITED (429) when the key is over its limit', async () => {
    const limiter: RateLimiter = {
      consume: async () => {
        throw new AppError('RATE_LIMITED', 'Rate limit exceeded', { details: { retryAfterSeconds: 30 } });
      },
    };
    const { yoga } = makeYoga({ rateLimiter: limiter });
    const res = await post(yoga, '{ organization { name } }', { authorization: 'Bearer owner-key' });
    expect(res.status).toBe(429);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
  });

  it('masks unexpected errors in production and gives the request id', async () => {
    const { yoga } = makeYoga({
      production: true,
      organization: async () => {
        throw new Error('secret connection string mongodb://admin:pw@db');
      },
    });
    const res = await post(yoga, '{ organization { name } }', {
      authorization: 'Bearer owner-key',
      'x-request-id': 'req-42',
    });
    const error = res.body.errors[0];
    expect(error.message).not.toMatch(/secret|mongodb/);
    expect(error.message).toMatch(/req-42/);
    expect(error.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' });
  });

  it('shows unexpected error messages outside production', async () => {
    const { yoga } = makeYoga({
      organization: async () => {
        throw new Error('boom');
      },
    });
    const res = await post(yoga, '{ organization { name } }', { authorization: 'Bearer owner-key' });
    expect(res.body.errors[0]).toMatchObject({
      message: 'boom',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('answers a variable of the wrong value with BAD_USER_INPUT (400), not an internal error', async () => {
    const { yoga } = makeYoga({ production: true });
    const query =
      'query($m: AnalyticsMetric!) { trends(filter: { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" }, metric: $m) { direction } }';
    const res = await post(yoga, query, { authorization: 'Bearer owner-key' }, { m: 'NOT_A_METRIC' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/NOT_A_METRIC/);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

    const dated = await post(
      yoga,
      'query($f: DateTime!) { trends(filter: { from: $f, to: "2026-01-02T00:00:00Z" }, metric: COST) { direction } }',
      { authorization: 'Bearer owner-key' },
      { f: 'yesterday' },
    );
    expect(dated.status).toBe(400);
    expect(dated.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('keeps AppError codes and details from services', async () => {
    const { yoga } = makeYoga({
      organization: async () => {
        throw new AppError('NOT_FOUND', 'Your organisation no longer exists.');
      },
    });
    const res = await post(yoga, '{ organization { name } }', { authorization: 'Bearer owner-key' });
    expect(res.status).toBe(404);
    expect(res.body.errors[0]).toMatchObject({
      message: 'Your organisation no longer exists.',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('serves /health without a key and /ready from the readiness check', async () => {
    expect((await makeYoga().yoga.fetch('http://yoga/health')).status).toBe(200);
    expect((await makeYoga({ ready: true }).yoga.fetch('http://yoga/ready')).status).toBe(200);
    expect((await makeYoga({ ready: false }).yoga.fetch('http://yoga/ready')).status).toBe(503);
  });

  it('offers GraphiQL outside production only', async () => {
    const get = (production: boolean) =>
      makeYoga({ production }).yoga.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(await (await get(false)).text()).toMatch(/GraphiQL/i);
    expect(await (await get(true)).text()).not.toMatch(/GraphiQL/i);
  });
});
