/**
 * The catalog of live topics. Every topic is published per organisation, so a
 * subscriber can only ever be handed its own tenant's messages.
 *
 * A feature adds its topics by augmenting this interface next to its code:
 *
 *   declare module '../pubsub/channels' {
 *     interface PubSubChannels { costUpdated: CostUpdate }
 *   }
 */
export interface PubSubChannels {
  /** A project was created or its membership changed in the organisation. */
  projectChanged: {
    kind: 'PROJECT_CREATED' | 'MEMBER_ADDED';
    projectId: string;
    userId?: string | null;
    occurredAt: Date;
  };
  /** An API key of the organisation was revoked; open sockets using it are closed. */
  apiKeyRevoked: { apiKeyId: string; occurredAt: Date };
}
