/**
 * Middleware execution time: wraps each Yoga plugin's per-request hooks so the time
 * spent in every hook is recorded as `plugin_hook` "<plugin>.<hook>" (the budget
 * enforcement plugin's as `budget_check`). Only the hook call itself is timed (until
 * its promise settles); init-time hooks are left alone.
 */
import type { Plugin } from 'graphql-yoga';
import type { Component } from './components';
import type { Instruments } from './instruments';

const initHooks = new Set(['onPluginInit', 'onYogaInit', 'onSchemaChange', 'onEnveloped', 'instrumentation']);

type AnyHook = (this: unknown, ...args: unknown[]) => unknown;

export interface PluginTimingOptions {
  instruments: Instruments;
  /** Plugin names recorded as `budget_check` rather than `plugin_hook`. */
  budgetPlugins?: readonly string[];
}

export function timePlugins<P extends object>(
  named: Record<string, P>,
  { instruments, budgetPlugins = ['budgetEnforcement'] }: PluginTimingOptions,
): P[] {
  return Object.entries(named).map(([name, plugin]) => {
    const component: Component = budgetPlugins.includes(name) ? 'budget_check' : 'plugin_hook';
    const timed: Record<string, unknown> = {};
    for (const [hook, value] of Object.entries(plugin)) {
      timed[hook] =
        typeof value === 'function' && hook.startsWith('on') && !initHooks.has(hook)
          ? timeHook(instruments, component, `${name}.${hook}`, value as AnyHook, plugin)
          : value;
    }
    return timed as P;
  });
}

function timeHook(
  instruments: Instruments,
  component: Component,
  subject: string,
  hook: AnyHook,
  self: object,
) {
  return (...args: unknown[]) => {
    const started = instruments.timer();
    let result: unknown;
    try {
      result = hook.apply(self, args);
    } catch (error) {
      instruments.record(component, subject, instruments.timer() - started, codeOf(error));
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          instruments.record(component, subject, instruments.timer() - started);
          return value;
        },
        (error: unknown) => {
          instruments.record(component, subject, instruments.timer() - started, codeOf(error));
          throw error;
        },
      );
    }
    instruments.record(component, subject, instruments.timer() - started);
    return result;
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown; extensions?: { code?: unknown } } | null)?.extensions?.code;
  if (typeof code === 'string') return code;
  const own = (error as { code?: unknown } | null)?.code;
  return typeof own === 'string' ? own : 'INTERNAL_SERVER_ERROR';
}

export type { Plugin };
