/**
 * The schema: importing a feature's graphql.ts registers its types and fields on
 * the shared builder. A feature adds exactly one import line here.
 */
import type { GraphQLSchema } from 'graphql';
import { builder } from './builder';
import './errors';
import '../auth/graphql';
import '../analytics/graphql';
import '../providers/graphql';
import '../pricing/graphql';
import '../costs/graphql';
import '../conversations/graphql';
import '../monitoring/graphql';
import '../mcp/graphql';
import '../budgets/graphql';
import '../webhooks/graphql';

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: true });
  return schema;
}
