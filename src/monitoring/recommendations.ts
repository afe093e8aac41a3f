/**
 * Recommendations from the data: each rule looks at the window's series and the queue
 * state and, when it applies, says what to do and names the numbers it relied on.
 * Pure functions, so each rule is tested on hand-made stats.
 */
import type { Component } from './components';
import type { QueueState } from './instruments';
import type { SeriesStats } from './sample-window';
import type { Thresholds } from './thresholds';

export interface Recommendation {
  id: string;
  component: Component | 'queue';
  subject: string;
  title: string;
  action: string;
  /** The measurements behind it, in words an operator can check on /metrics. */
  evidence: string;
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
}

export interface RecommendationInput {
  series: SeriesStats[];
  queue: QueueState[];
  thresholds: Thresholds;
  windowMs: number;
}

const ms = (v: number) => `${Math.round(v * 10) / 10} ms`;
const stat = (s: SeriesStats) => `p95 ${ms(s.p95Ms)}, p99 ${ms(s.p99Ms)} over ${s.count} samples`;
const priorityFor = (value: number, limit: number): Recommendation['priority'] =>
  value >= limit * 4 ? 'HIGH' : value >= limit * 2 ? 'MEDIUM' : 'LOW';

export function recommend(input: RecommendationInput): Recommendation[] {
  const { series, thresholds } = input;
  const by = (c: Component) => series.filter((s) => s.component === c);
  const limit = (c: Component) => thresholds.p95Ms[c] ?? Infinity;
  const out: Recommendation[] = [];

  // Jobs: a wait that dominates run time means too few workers; a slow run is the job itself.
  const runs = new Map(by('job_run').map((s) => [s.subject, s]));
  for (const wait of by('job_wait')) {
    const run = runs.get(wait.subject);
    const backlog = input.queue.find((q) => q.job === wait.subject);
    if (wait.p95Ms > limit('job_run') && wait.p95Ms > (run?.p95Ms ?? 0)) {
      out.push({
        id: `job-wait:${wait.subject}`,
        component: 'job_wait',
        subject: wait.subject,
        title: `Jobs "${wait.subject}" wait longer than they run`,
        action: `Add worker processes (npm run worker) or raise agenda concurrency for job "${wait.subject}".`,
        evidence: `wait ${stat(wait)} vs run p95 ${ms(run?.p95Ms ?? 0)}${backlog ? `; backlog ${backlog.backlog}, oldest pending ${ms(backlog.oldestPendingAgeMs)}` : ''}`,
        priority: priorityFor(wait.p95Ms, limit('job_run')),
      });
    }
  }
  for (const run of runs.values()) {
    if (run.p95Ms <= limit('job_run')) continue;
    out.push({
      id: `job-run:${run.subject}`,
      component: 'job_run',
      subject: run.subject,
      title: `Job "${run.subject}" runs slowly`,
      action: `Profile the handler of "${run.subject}": batch its writes, index what it reads, or split it into smaller jobs.`,
      evidence: `run ${stat(run)}; threshold ${ms(limit('job_run'))}${run.errors ? `; ${run.errors} failed` : ''}`,
      priority: priorityFor(run.p95Ms, limit('job_run')),
    });
  }
  for (const listener of by('listener')) {
    if (listener.p95Ms <= limit('listener')) continue;
    out.push({
      id: `listener:${listener.subject}`,
      component: 'listener',
      subject: listener.subject,
      title: `Listener ${listener.subject} is slow`,
      action: `Make listener ${listener.subject} queued (off the request path) if it is inline, or speed it up; its time adds to every dispatch of the event.`,
      evidence: `listener ${stat(listener)}; threshold ${ms(limit('listener'))}`,
      priority: priorityFor(listener.p95Ms, limit('listener')),
    });
  }
  const mcpByServer = new Map<string, SeriesStats[]>();
  for (const call of by('mcp_call')) {
    const server = call.subject.split('.')[0] ?? call.subject;
    mcpByServer.set(server, [...(mcpByServer.get(server) ?? []), call]);
  }
  for (const [server, calls] of mcpByServer) {
    const worst = calls.reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
    if (worst.p95Ms <= limit('mcp_call')) continue;
    out.push({
      id: `mcp:${server}`,
      component: 'mcp_call',
      subject: server,
      title: `MCP server "${server}" answers slowly`,
      action: `Raise max_concurrent for MCP server "${server}" in .mcp.json, or run it over HTTP so calls are not serialised on one stdio process.`,
      evidence: `${worst.subject} ${stat(worst)}; threshold ${ms(limit('mcp_call'))}`,
      priority: priorityFor(worst.p95Ms, limit('mcp_call')),
    });
  }
  for (const provider of by('provider_latency')) {
    const ttft = by('provider_ttft').find((t) => t.subject === provider.subject);
    if (provider.p95Ms <= limit('provider_latency') && (ttft?.p95Ms ?? 0) <= limit('provider_latency') / 4)
      continue;
    out.push({
      id: `provider:${provider.subject}`,
      component: 'provider_latency',
      subject: provider.subject,
      title: `Provider ${provider.subject} is slow`,
      action: `Enable prompt caching for ${provider.subject} (long, repeated system prompts and tools), or lower maxOutputTokens; stream responses so users see the first token sooner.`,
      evidence: `latency ${stat(provider)}${ttft ? `; time to first token p95 ${ms(ttft.p95Ms)}` : ''}${provider.errors ? `; ${provider.errors} errors` : ''}`,
      priority: priorityFor(provider.p95Ms, limit('provider_latency')),
    });
  }
  for (const cmd of by('db_command')) {
    const [command, collection] = cmd.subject.split(' ');
    if (
      !collection ||
      !['find', 'aggregate', 'count', 'distinct', 'update', 'delete', 'findAndModify'].includes(command ?? '')
    )
      continue;
    if (cmd.p95Ms <= 100) continue;
    out.push({
      id: `db:${cmd.subject}`,
      component: 'db_command',
      subject: cmd.subject,
      title: `"${command}" on ${collection} is slow`,
      action: `Add an index matching the filter and sort of ${command} on ${collection} (check with explain(): a COLLSCAN means it scans).`,
      evidence: `${cmd.subject} ${stat(cmd)}`,
      priority: priorityFor(cmd.p95Ms, 100),
    });
  }
  for (const c of ['budget_check', 'plugin_hook'] as const) {
    for (const hook of by(c)) {
      if (hook.p95Ms <= limit(c)) continue;
      out.push({
        id: `${c}:${hook.subject}`,
        component: c,
        subject: hook.subject,
        title: `Middleware ${hook.subject} adds latency to every request`,
        action:
          c === 'budget_check'
            ? 'Check the budget counters are served by their indexes and that few budgets apply per request; the check runs before every budgeted call.'
            : `Make ${hook.subject} cheaper or cache what it computes per request.`,
        evidence: `${hook.subject} ${stat(hook)}; threshold ${ms(limit(c))}`,
        priority: priorityFor(hook.p95Ms, limit(c)),
      });
    }
  }
  // One process busy with jobs while serving the API: job time competes with requests.
  const jobBusyMs = by('job_run').reduce((sum, s) => sum + s.totalMs, 0);
  const ops = by('graphql_operation');
  if (ops.length > 0 && jobBusyMs > input.windowMs * 0.5) {
    const worstOp = ops.reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
    out.push({
      id: 'split-processes',
      component: 'queue',
      subject: 'worker',
      title: 'Split the API and worker processes',
      action: 'Run the API with API_ONLY=true and jobs in separate `npm run worker` processes.',
      evidence: `jobs ran ${ms(jobBusyMs)} in a ${ms(input.windowMs)} window in this process while it served GraphQL (slowest operation ${worstOp.subject} ${stat(worstOp)})`,
      priority: 'MEDIUM',
    });
  }
  const rank = { HIGH: 0, MEDIUM: 1, LOW: 2 };
  return out.sort((a, b) => rank[a.priority] - rank[b.priority] || a.id.localeCompare(b.id));
}
