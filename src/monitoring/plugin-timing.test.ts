import { FakeClock } from '../shared/clock';
import { Instruments } from './instruments';
import { timePlugins } from './plugin-timing';

function setup() {
  const clock = new FakeClock();
  const instruments = new Instruments({ clock, timer: () => clock.now().getTime() });
  return { clock, instruments };
}

describe('timePlugins', () => {
  it('times sync and async hooks per plugin and hook, budget enforcement as budget_check', async () => {
    const { clock, instruments } = setup();
    const init = jest.fn();
    const [a, budget] = timePlugins(
      {
        auth: {
          onPluginInit: init,
          onRequest() {
            clock.advance(3);
            return 'sync';
          },
        },
        budgetEnforcement: {
          async onExecute() {
            clock.advance(25);
            return 'async';
          },
        },
      },
      { instruments },
    ) as unknown as Record<string, (...args: unknown[]) => unknown>[];
    expect(a?.onPluginInit).toBe(init); // init hooks are not wrapped
    expect(a?.onRequest?.()).toBe('sync');
    await expect(budget?.onExecute?.()).resolves.toBe('async');
    const stats = instruments.stats(60_000);
    expect(stats.find((s) => s.subject === 'auth.onRequest')).toMatchObject({
      component: 'plugin_hook',
      p95Ms: 3,
    });
    expect(stats.find((s) => s.subject === 'budgetEnforcement.onExecute')).toMatchObject({
      component: 'budget_check',
      p95Ms: 25,
    });
  });

  it('records failures with their code and rethrows them', async () => {
    const { instruments } = setup();
    const [p] = timePlugins(
      {
        limits: {
          onValidate() {
            throw Object.assign(new Error('deep'), { extensions: { code: 'QUERY_TOO_DEEP' } });
          },
          async onParse() {
            throw Object.assign(new Error('x'), { code: 'RATE_LIMITED' });
          },
          onResponse() {
            throw new Error('plain');
          },
        },
      },
      { instruments },
    ) as unknown as Record<string, (...args: unknown[]) => unknown>[];
    expect(() => p?.onValidate?.()).toThrow('deep');
    await expect(p?.onParse?.()).rejects.toThrow('x');
    expect(() => p?.onResponse?.()).toThrow('plain');
    const codes = Object.fromEntries(instruments.stats(60_000).map((s) => [s.subject, s.errorsByCode]));
    expect(codes).toEqual({
      'limits.onValidate': { QUERY_TOO_DEEP: 1 },
      'limits.onParse': { RATE_LIMITED: 1 },
      'limits.onResponse': { INTERNAL_SERVER_ERROR: 1 },
    });
  });
});
