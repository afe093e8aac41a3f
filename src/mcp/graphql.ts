/**
 * GraphQL for MCP: `mcpServers` (health and call latency of every configured server) and
 * `mcpTools(server)` for any signed-in caller; `refreshMcpTools` and `callMcpTool` (diagnostics)
 * for organisation admins only, since they start servers and run tools shared by the whole
 * deployment. Resolvers only call McpService.
 */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import type { McpCallOutcome, McpServerView, McpToolView } from './mcp-service';

function caller(ctx: Context) {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}

const McpServerStateEnum = builder.enumType('McpServerState', {
  values: ['STOPPED', 'STARTING', 'READY', 'FAILED'] as const,
});

const McpErrorRef = builder.objectRef<NonNullable<McpServerView['lastError']>>('McpServerError').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const McpServerRef = builder.objectRef<McpServerView>('McpServer').implement({
  description: 'An MCP server configured in .mcp.json, with its health in this process.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name to pass in sendMessage mcpServers.' }),
    transport: t.exposeString('transport', { description: 'stdio, http or sse.' }),
    enabled: t.exposeBoolean('enabled'),
    status: t.field({
      type: McpServerStateEnum,
      resolve: (s) => s.status.toUpperCase() as 'STOPPED' | 'STARTING' | 'READY' | 'FAILED',
    }),
    toolCount: t.int({
      nullable: true,
      description: 'Live when running, else from the discovery cache; null if never discovered.',
      resolve: (s) => s.toolCount,
    }),
    lastError: t.field({ type: McpErrorRef, nullable: true, resolve: (s) => s.lastError }),
    p50LatencyMs: t.float({ nullable: true, resolve: (s) => s.p50LatencyMs }),
    p95LatencyMs: t.float({ nullable: true, resolve: (s) => s.p95LatencyMs }),
    calls: t.exposeInt('calls', { description: 'Tool calls since this process started the server.' }),
    restarts: t.exposeInt('restarts'),
  }),
});

const McpToolRef = builder.objectRef<McpToolView>('McpTool').implement({
  fields: (t) => ({
    name: t.string({ resolve: (tool) => tool.name }),
    server: t.string({ description: 'The server that offers the tool.', resolve: (tool) => tool.server }),
    title: t.string({ nullable: true, resolve: (tool) => tool.title ?? null }),
    description: t.string({ nullable: true, resolve: (tool) => tool.description ?? null }),
    inputSchema: t.field({ type: 'JSON', resolve: (tool) => tool.inputSchema }),
    outputSchema: t.field({ type: 'JSON', nullable: true, resolve: (tool) => tool.outputSchema ?? null }),
    annotations: t.field({ type: 'JSON', nullable: true, resolve: (tool) => tool.annotations ?? null }),
  }),
});

const McpCallResultRef = builder.objectRef<McpCallOutcome>('McpCallResult').implement({
  fields: (t) => ({
    server: t.exposeString('server'),
    tool: t.exposeString('tool'),
    isError: t.exposeBoolean('isError', { description: 'True when the tool reported a failure.' }),
    text: t.exposeString('text', { description: 'The text parts of the answer.' }),
    content: t.field({ type: 'JSON', resolve: (r) => r.content }),
    structuredContent: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.structuredContent }),
    durationMs: t.exposeFloat('durationMs'),
  }),
});

builder.queryField('mcpServers', (t) =>
  t.field({
    type: [McpServerRef],
    description: 'The MCP servers configured on this deployment and their health.',
    resolve: (_r, _a, ctx) => ctx.services.mcp.servers(caller(ctx)),
  }),
);

builder.queryField('mcpTools', (t) =>
  t.field({
    type: [McpToolRef],
    description:
      'A server’s tools, or a chain’s after its allow/deny lists, from the discovery cache (discovered first when stale).',
    args: { server: t.arg.string({ required: true, description: 'A server or chain name.' }) },
    resolve: (_r, args, ctx) => ctx.services.mcp.tools(caller(ctx), args.server),
  }),
);

builder.mutationField('refreshMcpTools', (t) =>
  t.field({
    type: [McpToolRef],
    description:
      'Lists the tools of a server (or a chain’s servers) now and rewrites the cache. Organisation admins only.',
    authScopes: { orgAdmin: true },
    args: { server: t.arg.string({ required: true, description: 'A server or chain name.' }) },
    resolve: (_r, args, ctx) => ctx.services.mcp.refreshTools(caller(ctx), args.server),
  }),
);

builder.mutationField('callMcpTool', (t) =>
  t.field({
    type: McpCallResultRef,
    description: 'Calls one tool directly, for diagnostics. Organisation admins only.',
    authScopes: { orgAdmin: true },
    args: {
      server: t.arg.string({ required: true }),
      tool: t.arg.string({ required: true }),
      arguments: t.arg({ type: 'JSON', required: false }),
    },
    resolve: (_r, args, ctx) =>
      ctx.services.mcp.callTool(caller(ctx), {
        server: args.server,
        tool: args.tool,
        arguments: args.arguments ?? {},
      }),
  }),
);
