/**
 * What an earlier conversation adds to a request's worst case: the model is sent every earlier
 * turn with the new message, so those turns are input tokens too, and the conversation's project
 * is the project the cost is charged to. Read through the conversation store interface; only a
 * conversation the caller may continue counts (the request fails otherwise, and another user's
 * or tenant's conversation must not shape a figure shown to this caller).
 */
import type { Caller } from '../../auth/roles';
import { canContinueConversation, canReadConversation } from '../../conversations/conversation-access';
import type { ConversationReader } from '../../conversations/conversation-store';

export type { ConversationReader };

export interface ConversationContext {
  projectId: string;
  /** Earlier turns, oldest first. */
  messages: string[];
}

export async function conversationContext(
  reader: ConversationReader,
  caller: Caller,
  conversationId: string,
): Promise<ConversationContext | null> {
  // Both reads in one round trip; the messages are dropped if the conversation is not the caller's.
  const [conversation, messages] = await Promise.all([
    reader.get(conversationId),
    reader.messages(conversationId),
  ]);
  if (!conversation) return null;
  if (!canReadConversation(caller, conversation) || !canContinueConversation(caller, conversation))
    return null;
  return { projectId: conversation.projectId, messages: messages.map((m) => m.content) };
}
