import { createSchema, createYoga } from 'graphql-yoga';
import { Instruments } from '../monitoring/instruments';
import { FakeClock } from '../shared/clock';
import { useOperationTiming } from './use-operation-timing';

function setup() {
  const clock = new FakeClock();
  const instruments = new Instruments({ clock, timer: () => clock.now().getTime() });
  const schema = createSchema({
    typeDefs: 'type Query { fast: Int, slow: Int, slowSync: Int, fails: Int, plain: Int }',
    resolvers: {
      Query: {
        fast: () => 1,
        slow: async () => {
          clock.advance(120);
          return 2;
        },
        slowSync: () => {
          clock.advance(70);
          return 3;
        },
        fails: () => {
          throw Object.assign(new Error('nope'), { extensions: { code: 'FORBIDDEN' } });
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [useOperationTiming({ instruments, slowResolverMs: 50 })],
  });
  const run = (query: string, operationName?: string) =>
    yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName }),
    });
  return { instruments, run };
}

describe('useOperationTiming', () => {
  it('records operations by name and only resolvers at or over the slow threshold', async () => {
    const { instruments, run } = setup();
    await run('query Page { fast slow plain }');
    await run('query Sync { slowSync }');
    await run('{ fast }');
    await run('query A { fast } query B { fails }', 'B');
    const stats = Object.fromEntries(
      instruments.stats(60_000).map((s) => [`${s.component} ${s.subject}`, s]),
    );
    expect(Object.keys(stats).sort()).toEqual([
      'graphql_operation B',
      'graphql_operation Page',
      'graphql_operation Sync',
      'graphql_operation anonymous',
      'resolver Query.slow',
      'resolver Query.slowSync',
    ]);
    expect(stats['graphql_operation Page']?.p95Ms).toBe(120);
    expect(stats['resolver Query.slowSync']?.p95Ms).toBe(70);
    expect(stats['resolver Query.slow']?.p95Ms).toBe(120);
    expect(stats['graphql_operation B']?.errorsByCode).toEqual({ FORBIDDEN: 1 });
  });
});
