/**
 * Checked-in artefacts that must match the code: schema.graphql, docker-compose.yml
 * (validated structurally: there is no Docker engine here), the Dockerfile and
 * .env.example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env';
import { printAppSchema, schemaPath } from '../../src/schema/print';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

it('schema.graphql is up to date (run `npm run schema:print`)', () => {
  expect(readFileSync(schemaPath, 'utf8')).toBe(printAppSchema());
});

describe('docker-compose.yml', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compose = parse(read('docker-compose.yml')) as any;

  it('runs MongoDB as a single-node replica set with a healthcheck', () => {
    const mongo = compose.services.mongo;
    expect(mongo.image).toMatch(/^mongo:\d/);
    expect(mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(mongo.healthcheck.test.join(' ')).toMatch(/rs\.initiate/);
    expect(mongo.healthcheck.test.join(' ')).toMatch(/host: 'mongo:27017'/);
    expect(mongo.volumes[0]).toMatch(/^mongo-data:/);
    expect(Object.keys(compose.volumes)).toContain('mongo-data');
  });

  it('runs the API without jobs and a separate worker, both on the replica set once it is healthy', () => {
    const { api, worker } = compose.services;
    for (const service of [api, worker]) {
      expect(service.build).toBe('.');
      expect(service.depends_on.mongo.condition).toBe('service_healthy');
      expect(service.environment.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\/[\w-]+\?replicaSet=rs0$/);
      expect(service.environment.NODE_ENV).toBe('production');
      expect(service.stop_grace_period).toBeDefined();
    }
    expect(api.environment.API_ONLY).toBe('true');
    expect(api.command).toEqual(['node', 'dist/src/main.js']);
    expect(worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(api.ports).toContain('4000:4000');
    expect(api.healthcheck.test.join(' ')).toMatch(/\/ready/);
    expect(api.environment.BOOTSTRAP_ADMIN_KEY).toMatch(/^\$\{BOOTSTRAP_ADMIN_KEY:\?/);
  });

  it('serves /metrics on an internal port that is not published', () => {
    const { api } = compose.services;
    expect(api.environment.METRICS_PORT).toBe('9464');
    expect(api.expose).toContain('9464');
    expect(api.ports.join(' ')).not.toMatch(/9464/);
  });

  it('gives values the config schema accepts, once compose has substituted them', () => {
    // `${VAR:?message}` must be provided by the operator: a valid sample stands in for it;
    // `${VAR:-default}` becomes its default, as compose does when VAR is unset.
    const substitute = (value: string) =>
      value
        .replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'k'.repeat(40))
        .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, (_m, fallback: string) => fallback);
    for (const name of ['api', 'worker']) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name].environment as Record<string, string>).map(([k, v]) => [
          k,
          substitute(String(v)),
        ]),
      );
      const parsed = envSchema.safeParse(env);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    }
  });

  it('passes only variables the config schema knows', () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of ['api', 'worker']) {
      for (const variable of Object.keys(compose.services[name].environment))
        expect(known).toContain(variable);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage, builds with dev dependencies and ships production ones', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
    expect(stages.map((s) => s[1])).toEqual(['build', 'deps', 'runtime']);
    expect(stages.every(([image]) => /^node:20/.test(image!))).toBe(true);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main.js"\]$/m);
  });

  it('has a build script producing the paths compose runs', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(JSON.parse(read('tsconfig.json')).compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
  });
});

it('.env.example documents every configuration variable', () => {
  const example = read('.env.example');
  for (const variable of Object.keys(envSchema.shape))
    expect(example).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
});
