/**
 * GraphQL for conversations: `sendMessage` (mutation) and `streamMessage` (subscription), both
 * budgeted (./budgeted-message.ts says what the budget check holds; each runs under its hold's
 * request id), plus `conversation(id)` and
 * `conversations` (cursor-paginated). Resolvers only call ConversationService.
 */
import { RequestCostRef, TokenUsageRef } from '../costs/graphql';
import { decodeCursor, encodeCursor } from '../costs/page-cursor';
import { builder } from '../schema/builder';
import { budgetDecisionOf } from '../server/budget-decisions';
import type { Context } from '../server/context';
import { describeMessageCall, messageInput } from './budgeted-message';
import type { Conversation, Message, MessageToolCall } from './conversation';
import type { SendMessagePayload, StreamMessageEvent } from './conversation-service';
import { BudgetRefusalRef, ModelCallCostRef, RequestFinishReasonEnum } from './request-outcome-graphql';
import { DEFAULT_MAX_TOOL_STEPS, MAX_TOOL_STEPS } from './send-message-input';

function caller(ctx: Context) {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}

const MessageRoleEnum = builder.enumType('MessageRole', { values: ['USER', 'ASSISTANT'] as const });

const MessageToolCallRef = builder.objectRef<MessageToolCall>('MessageToolCall').implement({
  description: 'An MCP tool call the model made while producing an assistant message.',
  fields: (t) => ({
    toolCallId: t.exposeID('toolCallId'),
    name: t.exposeString('name', { description: 'The name the model used (server__tool on collisions).' }),
    server: t.exposeString('server'),
    tool: t.exposeString('tool'),
    arguments: t.field({ type: 'JSON', resolve: (c) => c.arguments }),
    argumentBytes: t.exposeInt('argumentBytes'),
    durationMs: t.exposeInt('durationMs'),
    isError: t.exposeBoolean('isError'),
    errorCode: t.string({ nullable: true, resolve: (c) => c.errorCode }),
    resultText: t.exposeString('resultText', { description: 'The answer as text, cut at 8,000 characters.' }),
  }),
});

const MessageRef = builder.objectRef<Message>('Message').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    conversationId: t.exposeID('conversationId'),
    role: t.field({ type: MessageRoleEnum, resolve: (m) => (m.role === 'user' ? 'USER' : 'ASSISTANT') }),
    content: t.exposeString('content'),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
    requestId: t.id({ nullable: true, resolve: (m) => m.requestId }),
    provider: t.string({ nullable: true, resolve: (m) => m.provider }),
    model: t.string({ nullable: true, resolve: (m) => m.model }),
    usage: t.field({ type: TokenUsageRef, nullable: true, resolve: (m) => m.usage }),
    metadata: t.field({ type: 'JSON', resolve: (m) => m.metadata }),
    toolCalls: t.field({ type: [MessageToolCallRef], resolve: (m) => m.toolCalls }),
  }),
});

const ConversationRef = builder.objectRef<Conversation>('Conversation').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    projectId: t.exposeID('projectId'),
    userId: t.exposeID('userId'),
    title: t.exposeString('title'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
    messages: t.field({
      type: [MessageRef],
      resolve: async (c, _a, ctx) =>
        (await ctx.services.conversations.getConversation(caller(ctx), c.id)).messages,
    }),
  }),
});

const ConversationEdgeRef = builder.objectRef<Conversation>('ConversationEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (c) => encodeCursor(c.updatedAt, c.id) }),
    node: t.field({ type: ConversationRef, resolve: (c) => c }),
  }),
});

const ConversationConnectionRef = builder
  .objectRef<{ conversations: Conversation[]; hasNextPage: boolean }>('ConversationConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ConversationEdgeRef], resolve: (c) => c.conversations }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.string({
        nullable: true,
        resolve: (c) => {
          const last = c.conversations.at(-1);
          return last ? encodeCursor(last.updatedAt, last.id) : null;
        },
      }),
    }),
  });

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    conversationId: t.id({ description: 'Continue this conversation; omit to start a new one.' }),
    projectId: t.id({ description: 'Required for a new conversation.' }),
    provider: t.string({ required: true }),
    model: t.string({ required: true }),
    content: t.string({ required: true }),
    system: t.string(),
    maxOutputTokens: t.int(),
    temperature: t.float(),
    metadata: t.field({ type: 'JSON', description: 'Free-form tags: string, number or boolean values.' }),
    mcpServers: t.stringList({ description: 'MCP servers or chains whose tools the model may use.' }),
    requireTools: t.boolean({
      description: 'Fail when a named MCP server cannot be reached (default: answer without its tools).',
    }),
    maxToolSteps: t.int({
      description: `Most model calls in the tool loop, 1–${MAX_TOOL_STEPS} (default ${DEFAULT_MAX_TOOL_STEPS}).`,
    }),
  }),
});

const SendMessagePayloadRef = builder.objectRef<SendMessagePayload>('SendMessagePayload').implement({
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    message: t.field({ type: MessageRef, resolve: (p) => p.message }),
    conversation: t.field({ type: ConversationRef, resolve: (p) => p.conversation }),
    usage: t.field({ type: TokenUsageRef, resolve: (p) => p.usage }),
    cost: t.field({ type: RequestCostRef, resolve: (p) => p.cost }),
    finishReason: t.field({ type: RequestFinishReasonEnum, resolve: (p) => p.finishReason }),
    steps: t.field({
      type: [ModelCallCostRef],
      description: 'Every model call the request made, in order; their costs add up to cost.amount.',
      resolve: (p) => p.modelCalls.map((call, i) => ({ call, priced: p.cost.calls[i] })),
    }),
    budgetStop: t.field({ type: BudgetRefusalRef, nullable: true, resolve: (p) => p.budgetStop }),
  }),
});

const StreamEventKindEnum = builder.enumType('StreamMessageEventKind', {
  values: ['DELTA', 'DONE'] as const,
});

const StreamMessageEventRef = builder.objectRef<StreamMessageEvent>('StreamMessageEvent').implement({
  description: 'Text deltas, then one DONE event carrying the usage and cost.',
  fields: (t) => ({
    kind: t.field({ type: StreamEventKindEnum, resolve: (e) => (e.type === 'delta' ? 'DELTA' : 'DONE') }),
    delta: t.string({ nullable: true, resolve: (e) => (e.type === 'delta' ? e.text : null) }),
    result: t.field({
      type: SendMessagePayloadRef,
      nullable: true,
      resolve: (e) => (e.type === 'done' ? e.payload : null),
    }),
  }),
});

type InputArgs = { input: { projectId?: string | number | null } };
const projectScope = (_r: unknown, { input }: InputArgs) =>
  input.projectId ? { projectWriter: String(input.projectId) } : { writer: true };

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: SendMessagePayloadRef,
    extensions: { budgeted: describeMessageCall },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    authScopes: projectScope,
    resolve: (_r, { input }, ctx, info) =>
      ctx.services.conversations.sendMessage(caller(ctx), messageInput(input), {
        // Each aliased copy records and settles under its own hold's id.
        requestId: budgetDecisionOf(ctx, info).requestId,
        abortSignal: ctx.request?.signal,
        // The budget check read a continued conversation through this scope already.
        scope: ctx,
      }),
  }),
);

builder.subscriptionField('streamMessage', (t) =>
  t.field({
    type: StreamMessageEventRef,
    extensions: { budgeted: describeMessageCall },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    authScopes: { writer: true },
    subscribe: (_r, { input }, ctx, info) =>
      ctx.services.conversations.streamMessage(caller(ctx), messageInput(input), {
        requestId: budgetDecisionOf(ctx, info).requestId,
        // Aborts when an SSE client goes away (graphql-ws stops the stream through its iterator).
        abortSignal: ctx.request?.signal,
        scope: ctx,
      }),
    resolve: (event) => event,
  }),
);

builder.queryFields((t) => ({
  conversation: t.field({
    type: ConversationRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) =>
      (await ctx.services.conversations.getConversation(caller(ctx), String(id))).conversation,
  }),
  conversations: t.field({
    type: ConversationConnectionRef,
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: (_r, args, ctx) => {
      const after = args.after ? decodeCursor(args.after) : undefined;
      return ctx.services.conversations.listConversations(caller(ctx), {
        first: args.first ?? undefined,
        after: after && { updatedAt: after.at, id: after.id },
      });
    },
  }),
}));
