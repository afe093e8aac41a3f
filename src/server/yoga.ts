/**
 * The Yoga instance: schema, context, error masking, request ids, query limits,
 * GraphiQL outside production, `/health` (liveness) and `/ready` (database and job
 * queue). HTTP-level limits (body size, draining) live in http-server.ts.
 */
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../shared/logger';
import type { AppContext } from './context';
import { createContextFactory, type ContextDeps } from './context-factory';
import { createMaskError, useErrorRequestIds } from './errors';
import { requestIdOf, useRequestId } from './request-id';
import { useQueryLimits } from './use-query-limits';
import { monitoredPlugins, type MetricsEndpointOptions } from '../monitoring/yoga-plugins';
import { useExportDownloads } from './use-export-downloads';
import { useBudgetEnforcement } from './use-budget-enforcement';

export interface YogaDeps extends ContextDeps {
  schema: GraphQLSchema;
  logger: Logger;
  production: boolean;
  maxDepth: number;
  maxComplexity: number;
  /** Readiness: resolves true when the database and job queue answer. */
  ready(): Promise<boolean>;
  /** `/metrics` on the API port (default) or not (served on METRICS_PORT), and its token. */
  metrics?: MetricsEndpointOptions;
}

export type AppYoga = YogaServerInstance<Record<string, unknown>, AppContext>;

export function createAppYoga(deps: YogaDeps): AppYoga {
  const contextFactory = createContextFactory(deps);
  return createYoga<Record<string, unknown>, AppContext>({
    schema: deps.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: deps.production ? false : { title: 'AI spend platform', subscriptionsProtocol: 'WS' },
    logging: false,
    context: (initial) => contextFactory(initial as never),
    maskedErrors: {
      maskError: createMaskError({ production: deps.production, logger: deps.logger }),
      errorMessage: 'Unexpected error.',
    },
    // Named so monitoring can time each plugin's hooks (middleware execution time).
    plugins: monitoredPlugins(deps.services.monitoring, deps.metrics ?? { onApiPort: true }, {
      requestId: useRequestId(),
      errorRequestIds: useErrorRequestIds(),
      queryLimits: useQueryLimits({ maxDepth: deps.maxDepth, maxComplexity: deps.maxComplexity }),
      readiness: useReadinessCheck({ endpoint: '/ready', check: () => deps.ready() }),
      exportDownloads: useExportDownloads(deps.services.exportDownloads),
      // Reserves the worst case on every applicable budget before a budgeted field runs.
      budgetEnforcement: useBudgetEnforcement(),
      requestLog: {
        onRequest({ request }) {
          deps.logger.debug(
            { requestId: requestIdOf(request), method: request.method, url: request.url },
            'request',
          );
        },
      },
    }),
  });
}
