/**
 * The components monitoring measures, and what each one's subject is. One list so the
 * instruments, thresholds, persistence and GraphQL all agree on names.
 */
export const components = [
  'graphql_operation', // subject: operation name (or "anonymous")
  'plugin_hook', // subject: "<plugin>.<hook>" (middleware execution time)
  'budget_check', // subject: "<plugin>.<hook>" of the budget enforcement plugin
  'resolver', // subject: "Type.field", only resolvers slower than the slow-resolver threshold
  'event_dispatch', // subject: "<event>.<listener>": from the event's occurrence to the listener's start
  'listener', // subject: "<event>.<listener>": the listener's own run time
  'job_wait', // subject: job name: from due to started
  'job_run', // subject: job name
  'mcp_startup', // subject: server
  'mcp_call', // subject: "<server>.<tool>"
  'provider_latency', // subject: "<provider>/<model>"
  'provider_ttft', // subject: "<provider>/<model>", streams only
  'db_command', // subject: "<command> <collection>"
] as const;

export type Component = (typeof components)[number];
