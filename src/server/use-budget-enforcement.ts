/**
 * useBudgetEnforcement: the budget check in front of every execution of a budgeted field (a root
 * Mutation or Subscription field marked `extensions: { budgeted: describe }`), however the
 * operation reaches it: fragments, aliases, @skip/@include, variables (see budgeted-fields.ts).
 * Before execution it asks each execution's `describe` what to estimate and reserves that worst
 * case on every applicable budget; all executions are held or none are, and a refusal stops the
 * operation with BUDGET_EXCEEDED (402) / BUDGET_CHECK_UNAVAILABLE (503) / the describe's error.
 * Each execution's decision (its own request id, its hold or none) is recorded for the resolver
 * (budget-decisions.ts), which refuses to run without one. Holds whose field failed or never ran
 * are released here (idempotent, so a resolver may release them too); the cost job settles the
 * rest.
 */
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { BudgetEnforcementService } from '../budgets/enforcement.service';
import { AppError, isAppError } from '../shared/errors';
import {
  recordBudgetDecisions,
  recordedBudgetDecisions,
  type BudgetDecision,
  type DescribeBudgetedCall,
} from './budget-decisions';
import { budgetedExecutions, hasBudgetedFields, type BudgetedExecution } from './budgeted-fields';
import type { AppContext } from './context';
import { appErrorToGraphQL } from './errors';

export interface BudgetEnforcementOptions {
  /** Where the enforcement service comes from; defaults to `context.services.budgets.enforcement`. */
  enforcement?: (context: AppContext) => BudgetEnforcementService;
  /** Turns enforcement off (benchmark baseline only): budgeted fields then refuse to run. */
  enabled?: boolean;
}

const defaultEnforcement = (context: AppContext) =>
  (context.services as unknown as { budgets: { enforcement: BudgetEnforcementService } }).budgets.enforcement;

/** Root types with budgeted fields, so operations on other roots skip the walk. */
const budgetedRoots = new WeakMap<GraphQLObjectType, boolean>();

function rootWithBudgetedFields(args: ExecutionArgs) {
  const operation = getOperationAST(args.document, args.operationName);
  const rootType = operation && args.schema.getRootType(operation.operation);
  if (!operation || !rootType) return null;
  let budgeted = budgetedRoots.get(rootType);
  if (budgeted === undefined) budgetedRoots.set(rootType, (budgeted = hasBudgetedFields(rootType)));
  return budgeted ? { operation, rootType } : null;
}

/** The executions of budgeted fields this operation will run, or the errors that stop it. */
function executionsOf(args: ExecutionArgs): { executions: BudgetedExecution[] } | { errors: GraphQLError[] } {
  const root = rootWithBudgetedFields(args);
  if (!root) return { executions: [] };
  const { operation, rootType } = root;
  // The executor coerces variables itself, later; skip/include and arguments need them now.
  const coerced = getVariableValues(
    args.schema,
    operation.variableDefinitions ?? [],
    (args.variableValues ?? {}) as Record<string, unknown>,
  );
  if (coerced.errors) return { errors: coerced.errors.map(badInput) };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  try {
    const executions = budgetedExecutions(
      args.schema,
      fragments,
      coerced.coerced,
      rootType,
      operation.selectionSet,
    );
    return { executions };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [badInput(error)] };
    throw error;
  }
}

/** A document or variables the check cannot analyse: the caller's mistake, said as such. */
function badInput(error: GraphQLError): GraphQLError {
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

function notDescribed(key: string): AppError {
  return new AppError(
    'BUDGET_CHECK_UNAVAILABLE',
    `"${key}" is marked budgeted but says nothing about what to estimate, so it was not run.`,
  );
}

export function useBudgetEnforcement(options: BudgetEnforcementOptions = {}): Plugin<AppContext> {
  const { enforcement = defaultEnforcement, enabled = true } = options;

  async function releaseAll(context: AppContext, held: Iterable<BudgetDecision>) {
    for (const { reservation } of held) {
      if (!reservation) continue;
      await enforcement(context)
        .release(reservation.requestId)
        .catch((err: unknown) =>
          context.logger.warn(
            { err, requestId: reservation.requestId },
            'could not release budget reservation',
          ),
        );
    }
  }

  /** One decision per execution, in order; the first refusal releases what was held and stops. */
  async function decide(context: AppContext, executions: BudgetedExecution[]) {
    const service = enforcement(context);
    const caller = context.auth!;
    const made = new Map<string, BudgetDecision>();
    try {
      for (const [index, { key, field, args }] of executions.entries()) {
        const describe = field.extensions.budgeted as DescribeBudgetedCall;
        if (typeof describe !== 'function') throw notDescribed(key);
        // The first execution keeps the request's id; aliased copies get their own to settle under.
        const requestId = index === 0 ? context.requestId : `${context.requestId}#${key}`;
        const call = await describe(args, context);
        if (!call) {
          made.set(key, { requestId, reservation: null });
          continue;
        }
        const { projectId, ...request } = call;
        const reservation = await service.enforce({
          ...request,
          requestId,
          caller,
          subject: {
            organizationId: caller.organizationId,
            userId: caller.userId,
            apiKeyId: caller.apiKeyId,
            projectId,
          },
        });
        made.set(key, { requestId, reservation });
      }
    } catch (error) {
      await releaseAll(context, made.values());
      return { error };
    }
    return { made };
  }

  /**
   * Checks the operation's budgeted executions and records the decisions, or stops the operation
   * with the refusal. Returns whether anything was decided.
   */
  async function check(args: ExecutionArgs, stop: (result: { errors: GraphQLError[] }) => void) {
    const context = args.contextValue as AppContext;
    const found = executionsOf(args);
    if ('errors' in found) {
      stop({ errors: found.errors });
      return false;
    }
    // Without a caller the fields' scopes refuse them before they could run.
    if (found.executions.length === 0 || !context.auth) return false;
    const outcome = await decide(context, found.executions);
    if (outcome.error !== undefined) {
      const { error } = outcome;
      stop({ errors: [(isAppError(error) ? appErrorToGraphQL(error) : error) as GraphQLError] });
      return false;
    }
    recordBudgetDecisions(context, outcome.made!);
    return true;
  }

  /** Releases the holds whose field failed (an error on its path) or never started. */
  function releaseUnused(context: AppContext, result: unknown) {
    const errors = (result as { errors?: readonly { path?: readonly (string | number)[] }[] }).errors ?? [];
    const unused = [...recordedBudgetDecisions(context)]
      .filter(([key, d]) => d.reservation && (!d.claimed || errors.some((e) => e.path?.[0] === key)))
      .map(([, d]) => d);
    if (unused.length > 0) void releaseAll(context, unused);
  }

  if (!enabled) return {};
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as AppContext;
      if (!(await check(args, setResultAndStopExecution))) return;
      return { onExecuteDone: ({ result }) => releaseUnused(context, result) };
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as AppContext;
      if (!(await check(args, setResultAndStopExecution))) return;
      return {
        // A subscription refused before its source stream started (e.g. by its scopes) holds nothing.
        onSubscribeResult: ({ result }) => {
          if (!(Symbol.asyncIterator in (result as object))) releaseUnused(context, result);
        },
      };
    },
  };
}
