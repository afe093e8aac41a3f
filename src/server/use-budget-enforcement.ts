/**
 * useBudgetEnforcement: the budget check in front of every field marked budgeted
 * (`extensions: { budgeted: true }` on a root Mutation or Subscription field, e.g.
 * sendMessage and streamMessage). Before execution it reserves the request's worst-case
 * cost on every applicable budget, all or nothing, or stops the operation with
 * BUDGET_EXCEEDED (402) / BUDGET_CHECK_UNAVAILABLE (503). The hold is handed to the resolver
 * through `budgetReservationOf(context, info)`; the cost job settles it later. If the field
 * fails, the hold is released here (idempotent, so a resolver may release it too).
 */
import {
  getArgumentValues,
  getOperationRootType,
  Kind,
  type DefinitionNode,
  type ExecutionArgs,
  type GraphQLField,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BudgetEnforcementService, EnforcementRequest } from '../budgets/enforcement.service';
import type { HeldReservation } from '../budgets/reservation.service';
import { isAppError } from '../shared/errors';
import type { AppContext } from './context';
import { appErrorToGraphQL } from './errors';

/** What to estimate for one budgeted field, from its arguments; null skips enforcement. */
export type DescribeBudgetedCall = (
  args: Record<string, unknown>,
  context: AppContext,
) => Promise<
  (Omit<EnforcementRequest, 'requestId' | 'subject' | 'caller'> & { projectId?: string | null }) | null
>;

export interface BudgetEnforcementOptions {
  /** Where the enforcement service comes from; defaults to `context.services.budgets.enforcement`. */
  enforcement?: (context: AppContext) => BudgetEnforcementService;
  /** Maps a field's arguments to the request to estimate; defaults to the `input` of sendMessage/streamMessage. */
  describe?: DescribeBudgetedCall;
  /** Turns enforcement off (benchmark baseline only). */
  enabled?: boolean;
}

const held = new WeakMap<object, Map<string, HeldReservation>>();

/** The reservation made for this field of this operation, if any budget applied. */
export function budgetReservationOf(
  context: object,
  info: Pick<GraphQLResolveInfo, 'path'>,
): HeldReservation | null {
  return held.get(context)?.get(String(info.path.key)) ?? null;
}

interface Input {
  provider?: unknown;
  model?: unknown;
  content?: unknown;
  system?: unknown;
  maxOutputTokens?: unknown;
  projectId?: unknown;
  conversationId?: unknown;
  mcpServers?: unknown;
  maxToolSteps?: unknown;
}

/** The MCP tool loop's step bound when a request sets none (the MCP service's default). */
export const DEFAULT_TOOL_STEPS = 8;

export const describeMessageInput: DescribeBudgetedCall = async (args, context) => {
  const input = (args.input ?? {}) as Input;
  if (typeof input.provider !== 'string' || typeof input.model !== 'string') return null;
  const conversationId = typeof input.conversationId === 'string' ? input.conversationId : null;
  return {
    provider: input.provider,
    model: input.model,
    system: typeof input.system === 'string' ? input.system : null,
    messages: typeof input.content === 'string' ? [input.content] : [],
    maxOutputTokens: typeof input.maxOutputTokens === 'number' ? input.maxOutputTokens : null,
    projectId: typeof input.projectId === 'string' ? input.projectId : null,
    conversationId,
    // A continued conversation is read once: the request takes over what the check reads.
    conversations: conversationId ? context.services?.conversations?.readerFor(context) : undefined,
    // With MCP tools the model is called once per tool step, each call up to the worst case.
    modelCalls:
      Array.isArray(input.mcpServers) && input.mcpServers.length > 0
        ? typeof input.maxToolSteps === 'number'
          ? input.maxToolSteps
          : DEFAULT_TOOL_STEPS
        : 1,
  };
};

function budgetedFields(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  const root = getOperationRootType(schema, operation);
  const fields: {
    key: string;
    field: GraphQLField<unknown, unknown>;
    node: (typeof operation.selectionSet.selections)[number];
  }[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = root.getFields()[selection.name.value];
    if (field?.extensions?.budgeted)
      fields.push({ key: selection.alias?.value ?? selection.name.value, field, node: selection });
  }
  return fields;
}

export function useBudgetEnforcement(options: BudgetEnforcementOptions = {}): Plugin<AppContext> {
  const {
    enforcement = (context: AppContext) =>
      (context.services as unknown as { budgets: { enforcement: BudgetEnforcementService } }).budgets
        .enforcement,
    describe = describeMessageInput,
    enabled = true,
  } = options;

  async function reserveAll(args: {
    schema: GraphQLSchema;
    operation: OperationDefinitionNode;
    variables: Record<string, unknown> | null | undefined;
    context: AppContext;
  }): Promise<{ error?: unknown; reservations?: Map<string, HeldReservation> }> {
    const { context } = args;
    const fields = budgetedFields(args.schema, args.operation);
    if (fields.length === 0 || !context.auth) return {};
    const service = enforcement(context);
    const reservations = new Map<string, HeldReservation>();
    try {
      for (const [index, { key, field, node }] of fields.entries()) {
        if (node.kind !== Kind.FIELD) continue;
        const values = getArgumentValues(field, node, args.variables ?? {});
        const call = await describe(values, context);
        if (!call) continue;
        const { projectId, ...request } = call;
        const reservation = await service.enforce({
          ...request,
          requestId: index === 0 ? context.requestId : `${context.requestId}#${key}`,
          caller: context.auth,
          subject: {
            organizationId: context.auth.organizationId,
            userId: context.auth.userId,
            apiKeyId: context.auth.apiKeyId,
            projectId,
          },
        });
        if (reservation) reservations.set(key, reservation);
      }
    } catch (error) {
      for (const r of reservations.values()) await service.release(r.requestId).catch(() => undefined);
      return { error };
    }
    return { reservations };
  }

  function toError(error: unknown) {
    return isAppError(error) ? appErrorToGraphQL(error) : error;
  }

  async function releaseFailed(context: AppContext, result: unknown) {
    const reservations = held.get(context);
    if (!reservations?.size) return;
    const errors = (result as { errors?: { path?: readonly (string | number)[] }[] }).errors ?? [];
    for (const [key, reservation] of reservations) {
      if (errors.some((e) => e.path?.[0] === key)) {
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
  }

  /**
   * Reserves for the operation's budgeted fields and remembers the holds; a refusal stops the
   * operation with its error. Returns whether anything is held.
   */
  async function reserveOperation(
    args: ExecutionArgs,
    stop: (result: { errors: never[] }) => void,
    skipQueries: boolean,
  ): Promise<boolean> {
    const context = args.contextValue as AppContext;
    const operation = args.document.definitions.find(
      (d: DefinitionNode): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
    );
    if (!operation || (skipQueries && operation.operation === 'query')) return false;
    const outcome = await reserveAll({
      schema: args.schema,
      operation,
      variables: args.variableValues,
      context,
    });
    if (outcome.error) {
      stop({ errors: [toError(outcome.error) as never] });
      return false;
    }
    if (!outcome.reservations?.size) return false;
    held.set(context, outcome.reservations);
    return true;
  }

  if (!enabled) return {};
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as AppContext;
      if (!(await reserveOperation(args, setResultAndStopExecution, true))) return;
      return {
        onExecuteDone: ({ result }) => {
          if (!('errors' in (result as object))) return;
          void releaseFailed(context, result);
        },
      };
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      await reserveOperation(args, setResultAndStopExecution, false);
    },
  };
}
