/**
 * What the recommendation rules need that rollups do not keep, read from the immutable usage
 * events of the window (by the daily job, never on a request): requests grouped by their prompt
 * prefix fingerprint with the tokens they read from cache (prompt caching), requests grouped by
 * the `maxOutputTokens` they set with the completion tokens they produced (oversized limits), and
 * per model how many requests used tools, with example request ids (cheaper model).
 */
import type { Db } from 'mongodb';
import type { TimeRange } from '../rollups/analytics-sources';
import { modelKey } from '../rollups/dimensions';
import type { LimitUsage } from './oversized-limits';
import type { PrefixGroup } from './prompt-caching';

/** The prefix fingerprint covers the prompt's first ~4,096 characters, about 1,024 tokens. */
export const PREFIX_TOKENS = 1024;
const EXAMPLES = 5;

interface UsageEventView {
  _id: string;
  requestId: string;
  projectId: string | null;
  apiKeyId: string | null;
  provider: string;
  model: string;
  calls: { usage: { cacheRead?: number; output?: number; reasoning?: number } }[];
  maxOutputTokens?: number | null;
  promptPrefixHash?: string | null;
  toolCalls?: number;
}

export interface ModelToolUse {
  requests: number;
  requestsWithTools: number;
  examples: string[];
}

export interface UsageInsights {
  prefixGroups: Omit<PrefixGroup, 'rates'>[];
  limits: Omit<LimitUsage, 'rates'>[];
  /** Keyed "provider/model". */
  toolUse: Map<string, ModelToolUse>;
}

/** The smallest value with at least `q` of the counted values at or below it. */
export function quantileOfCounts(counts: Map<number, number>, q: number): number {
  const total = [...counts.values()].reduce((s, c) => s + c, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  const values = [...counts.keys()].sort((a, b) => a - b);
  for (const v of values) {
    seen += counts.get(v)!;
    if (seen >= rank) return v;
  }
  return values[values.length - 1]!;
}

export async function readUsageInsights(
  db: Db,
  organizationId: string,
  range: TimeRange,
): Promise<UsageInsights> {
  const prefixes = new Map<string, Omit<PrefixGroup, 'rates'>>();
  const limits = new Map<string, { usage: Omit<LimitUsage, 'rates'>; counts: Map<number, number> }>();
  const toolUse = new Map<string, ModelToolUse>();
  const cursor = db.collection<UsageEventView>('usage_events').find(
    { organizationId, requestedAt: { $gte: range.from, $lt: range.to } },
    {
      projection: {
        _id: 1,
        requestId: 1,
        projectId: 1,
        apiKeyId: 1,
        provider: 1,
        model: 1,
        calls: 1,
        maxOutputTokens: 1,
        promptPrefixHash: 1,
        toolCalls: 1,
      },
    },
  );
  for await (const e of cursor) {
    const key = modelKey(e.provider, e.model);
    const tools = toolUse.get(key) ?? { requests: 0, requestsWithTools: 0, examples: [] };
    tools.requests += 1;
    if ((e.toolCalls ?? 0) > 0) tools.requestsWithTools += 1;
    else if (tools.examples.length < EXAMPLES) tools.examples.push(e.requestId);
    toolUse.set(key, tools);

    if (e.promptPrefixHash) {
      const id = `${key}|${e.promptPrefixHash}`;
      const g = prefixes.get(id) ?? {
        provider: e.provider,
        model: e.model,
        prefixHash: e.promptPrefixHash,
        prefixTokens: PREFIX_TOKENS,
        requests: 0,
        cacheReadTokens: 0,
        examples: [],
      };
      g.requests += 1;
      // Only the fingerprinted prefix counts as a hit: reads beyond it are another prefix's.
      const read = e.calls.reduce((s, c) => s + (c.usage.cacheRead ?? 0), 0);
      g.cacheReadTokens += Math.min(read, PREFIX_TOKENS);
      if (g.examples.length < EXAMPLES) g.examples.push(e.requestId);
      prefixes.set(id, g);
    }

    if (e.maxOutputTokens) {
      // The limit applies to each model call; the largest call is what it must leave room for.
      const produced = Math.max(0, ...e.calls.map((c) => (c.usage.output ?? 0) + (c.usage.reasoning ?? 0)));
      const subject = e.apiKeyId
        ? `apiKey:${e.apiKeyId}`
        : e.projectId
          ? `project:${e.projectId}`
          : 'organization';
      const id = `${subject}|${key}|${e.maxOutputTokens}`;
      const l = limits.get(id) ?? {
        usage: {
          subject,
          provider: e.provider,
          model: e.model,
          maxOutputTokens: e.maxOutputTokens,
          requests: 0,
          observedP99OutputTokens: 0,
          examples: [],
        },
        counts: new Map<number, number>(),
      };
      l.usage.requests += 1;
      l.counts.set(produced, (l.counts.get(produced) ?? 0) + 1);
      if (l.usage.examples.length < EXAMPLES) l.usage.examples.push(e.requestId);
      limits.set(id, l);
    }
  }
  return {
    prefixGroups: [...prefixes.values()],
    limits: [...limits.values()].map(({ usage, counts }) => ({
      ...usage,
      observedP99OutputTokens: quantileOfCounts(counts, 0.99),
    })),
    toolUse,
  };
}
