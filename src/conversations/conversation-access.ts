/**
 * Who may see and continue a conversation. Conversations hold prompt text, so members see only
 * their own (in projects they belong to); organisation admins and viewers read the organisation's
 * conversations; only the author or an admin continues one.
 */
import { canUseProject, isOrgAdmin, type Caller } from '../auth/roles';
import type { Conversation } from './conversation';
import type { ConversationFilter } from './conversation-store';

export function canReadConversation(caller: Caller, conversation: Conversation): boolean {
  if (conversation.organizationId !== caller.organizationId) return false;
  if (isOrgAdmin(caller) || caller.role === 'viewer') return true;
  return conversation.userId === caller.userId && conversation.projectId in caller.projectRoles;
}

export function canContinueConversation(caller: Caller, conversation: Conversation): boolean {
  return (
    conversation.organizationId === caller.organizationId &&
    canUseProject(caller, conversation.projectId) &&
    (conversation.userId === caller.userId || isOrgAdmin(caller))
  );
}

export function visibleConversations(caller: Caller): ConversationFilter {
  if (isOrgAdmin(caller) || caller.role === 'viewer') return { organizationId: caller.organizationId };
  return {
    organizationId: caller.organizationId,
    userId: caller.userId,
    projectIds: Object.keys(caller.projectRoles),
  };
}
