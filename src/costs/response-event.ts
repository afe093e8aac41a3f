/**
 * The ResponseGenerated event as the carrier of a usage event. The request path's one durable
 * write is the event's outbox row, which holds the whole usage event (every model call's usage),
 * so nothing else needs writing before the response returns; the cost-tracking listener turns
 * the event back into the usage event and stores it. The event id is derived from the usage
 * event id, so a retried dispatch is absorbed by the outbox.
 */
import { createEvent, type DomainEvent } from '../events';
import type { UsageEvent } from './usage-event';

export function responseGeneratedFor(event: UsageEvent, occurredAt: Date): DomainEvent<'ResponseGenerated'> {
  const totals: Record<string, number> = {};
  for (const call of event.calls) {
    for (const [kind, n] of Object.entries(call.usage)) totals[kind] = (totals[kind] ?? 0) + n;
  }
  return createEvent(
    'ResponseGenerated',
    {
      organizationId: event.organizationId,
      projectId: event.projectId,
      userId: event.userId,
      apiKeyId: event.apiKeyId,
      requestId: event.requestId,
      usageEventId: event.id,
      provider: event.provider,
      model: event.model,
      usage: totals,
      requestedAt: event.requestedAt.toISOString(),
      outcome: event.outcome,
      latencyMs: event.latencyMs,
      ttftMs: event.ttftMs,
      maxOutputTokens: event.maxOutputTokens,
      promptPrefixHash: event.promptPrefixHash,
      toolCalls: event.toolCalls,
      toolErrors: event.toolErrors,
      conversationId: event.conversationId,
      messageId: event.messageId,
      calls: event.calls,
    },
    { id: `rg_${event.id}`, occurredAt },
  );
}

/** The usage event an event carries, or null for an event written before it carried one. */
export function usageEventFromResponse(event: DomainEvent<'ResponseGenerated'>): UsageEvent | null {
  const p = event.payload;
  if (!p.calls) return null;
  return {
    id: p.usageEventId,
    organizationId: p.organizationId,
    projectId: p.projectId ?? null,
    userId: p.userId ?? null,
    apiKeyId: p.apiKeyId ?? null,
    requestId: p.requestId,
    conversationId: p.conversationId ?? null,
    messageId: p.messageId ?? null,
    provider: p.provider,
    model: p.model,
    calls: p.calls,
    outcome: p.outcome ?? 'succeeded',
    requestedAt: new Date(p.requestedAt),
    latencyMs: p.latencyMs ?? 0,
    ...(p.ttftMs !== undefined ? { ttftMs: p.ttftMs } : {}),
    ...(p.maxOutputTokens !== undefined ? { maxOutputTokens: p.maxOutputTokens } : {}),
    ...(p.promptPrefixHash !== undefined ? { promptPrefixHash: p.promptPrefixHash } : {}),
    ...(p.toolCalls !== undefined ? { toolCalls: p.toolCalls } : {}),
    ...(p.toolErrors !== undefined ? { toolErrors: p.toolErrors } : {}),
  };
}
