/**
 * What sendMessage / streamMessage ask the budget check to hold (their `budgeted` extension):
 * one model call's worst case, built from the same parsed input the request itself uses, so the
 * check and the call cannot disagree about provider, model, prompt or limits. Input the request
 * would refuse is refused here, with the same BAD_USER_INPUT error, before anything is held.
 * Each further step of an MCP tool loop holds its own worst case before it runs, in the loop.
 */
import type { BudgetedCall, DescribeBudgetedCall } from '../server/budget-decisions';
import type { AppContext } from '../server/context';
import { parseSendMessageInput } from './send-message-input';

/** GraphQL's SendMessageInput as the service takes it: unset fields left out, ids as strings. */
export function messageInput(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, k === 'conversationId' || k === 'projectId' ? String(v) : v]),
  );
}

export const describeMessageCall: DescribeBudgetedCall = (args, context: AppContext): BudgetedCall => {
  const input = parseSendMessageInput(messageInput((args.input ?? {}) as Record<string, unknown>));
  const conversationId = input.conversationId ?? null;
  return {
    provider: input.provider,
    model: input.model,
    system: input.system ?? null,
    messages: [input.content],
    maxOutputTokens: input.maxOutputTokens ?? null,
    projectId: input.projectId ?? null,
    conversationId,
    // A continued conversation is read once: the request takes over what the check reads.
    conversations: conversationId ? context.services.conversations.readerFor(context) : undefined,
  };
};
