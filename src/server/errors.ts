/**
 * Error masking for every GraphQL response. An AppError keeps its message and
 * becomes `extensions.code` + `extensions.http.status` (+ its details). GraphQL's
 * own errors (syntax, validation) pass through; a variable value its type refuses is BAD_USER_INPUT. Anything else is unexpected: it is
 * logged with the request id and, in production, replaced by INTERNAL_SERVER_ERROR
 * carrying only that request id.
 */
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../shared/logger';
import type { AppContext } from './context';
import { isAppError, type AppError } from '../shared/errors';

export function appErrorToGraphQL(error: AppError, base?: GraphQLError): GraphQLError {
  return createGraphQLError(error.message, {
    nodes: base?.nodes,
    source: base?.source,
    positions: base?.positions,
    path: base?.path,
    originalError: error,
    extensions: { ...error.details, code: error.code, http: { status: error.status } },
  });
}

export interface MaskOptions {
  production: boolean;
  logger: Logger;
}

export function createMaskError(options: MaskOptions) {
  return (error: unknown, message: string): Error => {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    const original = graphqlError?.originalError ?? error;
    if (isAppError(original)) return appErrorToGraphQL(original, graphqlError);
    // GraphQL's own errors: bad syntax, failed validation, bad variables.
    if (graphqlError && !graphqlError.originalError) return graphqlError;
    // A variable whose value a type refused (an unknown enum value, a malformed scalar): graphql-js
    // wraps the type's error, which would otherwise look unexpected. It is the caller's mistake.
    if (graphqlError && !graphqlError.path && graphqlError.message.startsWith('Variable "$')) {
      return createGraphQLError(graphqlError.message, {
        nodes: graphqlError.nodes,
        source: graphqlError.source,
        positions: graphqlError.positions,
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    if (original instanceof GraphQLError && original.extensions?.code) return original;
    const requestId = original && typeof original === 'object' ? errorRequestIds.get(original) : undefined;
    options.logger.error({ err: original, requestId, path: graphqlError?.path }, 'unexpected error');
    const shown = options.production
      ? `${message} Quote request id ${requestId ?? 'unknown'} when reporting it.`
      : String((original as Error)?.message ?? original);
    return createGraphQLError(shown, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        http: { status: 500 },
        ...(requestId ? { requestId } : {}),
      },
    });
  };
}

/** Request ids of failing operations, keyed by the original error (set before masking). */
const errorRequestIds = new WeakMap<object, string>();

/**
 * Remembers which request each resolver error came from, so masking can log it
 * and quote the request id in production. Runs before masking.
 */
export function useErrorRequestIds(): Plugin<AppContext> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as Partial<AppContext>;
      return {
        onExecuteDone({ result }) {
          if (!ctx.requestId || !('errors' in result) || !result.errors?.length) return;
          for (const error of result.errors) {
            const original = error.originalError;
            if (original && typeof original === 'object') errorRequestIds.set(original, ctx.requestId);
          }
        },
      };
    },
  };
}
