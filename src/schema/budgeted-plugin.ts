/**
 * The Pothos plugin that makes a budgeted field fail closed: the resolver (or, on Subscription,
 * `subscribe`) of every field marked `extensions: { budgeted: describe }` claims the decision the
 * budget check recorded for its path before it runs, and refuses with BUDGET_CHECK_UNAVAILABLE
 * without one (see src/server/budget-decisions.ts). It wraps inside the auth scopes, so a caller
 * who may not use the field hears that first. Being a plugin, it covers a budgeted field added
 * later without anyone remembering to.
 *
 * Only root Mutation and Subscription fields may be budgeted: a nested field could run any number
 * of times per operation, which one hold per response key cannot cover. The build refuses others.
 */
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { claimBudgetDecision, isBudgeted } from '../server/budget-decisions';

const pluginName = 'budgeted';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      budgeted: BudgetedFieldsPlugin<Types>;
    }
  }
}

type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types['Context'], object>;

/** Runs `next` only when the budget check admitted this path (claims its decision). */
export function guardBudgeted<Source, Context extends object, Args>(
  next: GraphQLFieldResolver<Source, Context, Args>,
): GraphQLFieldResolver<Source, Context, Args> {
  return (parent, args, context, info) => {
    claimBudgetDecision(context, info);
    return next(parent, args, context, info);
  };
}

export class BudgetedFieldsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>) {
    if (!isBudgeted(fieldConfig.extensions)) return fieldConfig;
    const where = `${fieldConfig.parentType}.${fieldConfig.name}`;
    if (fieldConfig.kind !== 'Mutation' && fieldConfig.kind !== 'Subscription') {
      throw new Error(`${where} is budgeted, but only root Mutation and Subscription fields may be.`);
    }
    if (typeof fieldConfig.extensions?.budgeted !== 'function') {
      throw new Error(`${where}: extensions.budgeted must be a describe(args, context) function.`);
    }
    return fieldConfig;
  }

  override wrapResolve(resolver: Resolver<Types>, fieldConfig: PothosOutputFieldConfig<Types>) {
    // A subscription's resolve maps each event of a stream its guarded subscribe started.
    if (!isBudgeted(fieldConfig.extensions) || fieldConfig.kind === 'Subscription') return resolver;
    return guardBudgeted(resolver);
  }

  override wrapSubscribe(
    subscribe: Resolver<Types> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): Resolver<Types> | undefined {
    if (!isBudgeted(fieldConfig.extensions) || fieldConfig.kind !== 'Subscription') return subscribe;
    if (!subscribe) throw new Error(`${fieldConfig.parentType}.${fieldConfig.name} has no subscribe.`);
    return guardBudgeted(subscribe);
  }
}

SchemaBuilder.registerPlugin(pluginName, BudgetedFieldsPlugin);

export default pluginName;
