/**
 * The MCP framework: `.mcp.json` config, the live server registry, tool discovery and its cache,
 * chains and pre-steps, and the connection probe used by the CLI.
 */
export * from './config';
export * from './registry';
export * from './discovery';
export { runPreSteps, fillTemplate, type PreStepResult, type PreStepsOutcome } from './chains/pre-steps';
export { testServer, probePassed, type ProbeStep, type ProbeStepName, type TestServerOptions } from './probe';
export { toMcpError, isRetryable, McpCallError, type McpFailureContext, type McpPhase } from './errors';
export { serverFingerprint } from './fingerprint';
export { openSession, type McpSession, type TransportFactory } from './client/open-session';
