/**
 * useOperationTiming: records every GraphQL operation's execution (or subscription
 * set-up) as `graphql_operation` by operation name, with the first error's code, and
 * resolvers slower than `slowResolverMs` as `resolver` "Type.field". Resolvers are
 * wrapped once per schema; a fast resolver costs two timer reads and nothing else.
 */
import {
  defaultFieldResolver,
  getOperationAST,
  isObjectType,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Instruments } from '../monitoring/instruments';

export interface OperationTimingOptions {
  instruments: Instruments;
  /** Resolvers at or above this many milliseconds are recorded. */
  slowResolverMs?: number;
}

const wrapped = new WeakSet<GraphQLSchema>();

export function useOperationTiming({ instruments, slowResolverMs = 50 }: OperationTimingOptions): Plugin {
  const started = new WeakMap<object, number>();
  const finish = (
    args: { contextValue: unknown; document: DocumentNode; operationName?: string | null },
    result: unknown,
  ) => {
    const t0 = started.get(args.contextValue as object);
    if (t0 === undefined) return;
    started.delete(args.contextValue as object);
    const errors = (result as { errors?: readonly { extensions?: { code?: unknown } }[] } | undefined)
      ?.errors;
    const code = errors?.length ? String(errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : undefined;
    const name = args.operationName || getOperationAST(args.document)?.name?.value || 'anonymous';
    instruments.record('graphql_operation', name, instruments.timer() - t0, code);
  };
  return {
    onSchemaChange({ schema }) {
      if (wrapped.has(schema)) return;
      wrapped.add(schema);
      for (const type of Object.values(schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__')) continue;
        for (const field of Object.values(type.getFields())) {
          if (!field.resolve || field.resolve === defaultFieldResolver) continue;
          field.resolve = timeResolver(
            instruments,
            `${type.name}.${field.name}`,
            field.resolve,
            slowResolverMs,
          );
        }
      }
    },
    onExecute({ args }) {
      started.set(args.contextValue as object, instruments.timer());
      return { onExecuteDone: ({ result }) => finish(args, result) };
    },
    onSubscribe({ args }) {
      started.set(args.contextValue as object, instruments.timer());
      return { onSubscribeResult: ({ result }) => finish(args, result) };
    },
  };
}

function timeResolver(
  instruments: Instruments,
  subject: string,
  resolve: GraphQLFieldResolver<unknown, unknown>,
  slowMs: number,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const t0 = instruments.timer();
    const result = resolve(source, args, context, info);
    if (result instanceof Promise) {
      return result.finally(() => {
        const ms = instruments.timer() - t0;
        if (ms >= slowMs) instruments.record('resolver', subject, ms);
      });
    }
    const ms = instruments.timer() - t0;
    if (ms >= slowMs) instruments.record('resolver', subject, ms);
    return result;
  };
}
