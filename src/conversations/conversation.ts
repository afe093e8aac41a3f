/** Conversations and their messages, as stored and as the GraphQL layer returns them. */
import type { NormalisedUsage } from '../providers/usage/normalised-usage';

export interface Conversation {
  id: string;
  organizationId: string;
  projectId: string;
  /** The user who started it. */
  userId: string;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: string;
  conversationId: string;
  organizationId: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: Date;
  /** Assistant messages: the request that produced them. */
  requestId: string | null;
  provider: string | null;
  model: string | null;
  usage: NormalisedUsage | null;
  metadata: Record<string, string | number | boolean>;
}
