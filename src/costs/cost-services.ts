/**
 * Builds the AI-request and cost services for one process, on MongoDB: providers from the
 * environment, pricing with organisation prices, cost tracking with its announcer, cost queries
 * and conversations. `src/app/services.ts` spreads the result into the service registry.
 */
import type { Db } from 'mongodb';

import { ConversationService, type ConversationServiceDeps } from '../conversations/conversation-service';
import { MongoConversationStore } from '../conversations/mongo-conversation-store';
import type { EventBus } from '../events/bus';
import { MongoPriceOverrideStore } from '../pricing/mongo-price-override-store';
import { PricingService } from '../pricing/pricing-service';
import { ChatRunner } from '../providers/chat-runner';
import { loadProvidersConfig } from '../providers/provider-config';
import { ProviderRegistry } from '../providers/provider-registry';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import { createCostAnnouncer } from './cost-events';
import { CostQueryService } from './cost-query-service';
import { CostTrackingService } from './cost-tracking-service';
import { MongoCostRecordStore, MongoUsageEventStore } from './mongo-cost-stores';
import { defineRepriceJob, type RepriceAgenda } from './reprice-job';

export interface CostServicesDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
  pubsub: AppPubSub;
  env?: Record<string, string | undefined>;
  /** MCP tools for requests that name servers (the MCP service's `prepareTools`). */
  prepareTools?: ConversationServiceDeps['prepareTools'];
  holds?: ConversationServiceDeps['holds'];
  /** Wraps the chat runner (performance monitoring times provider calls through it). */
  instrumentRunner?: (runner: ChatRunner) => ChatRunner;
  /** The job queue: repricing after `setModelPrice` runs as its job (inline without one). */
  agenda?: RepriceAgenda;
}

export interface CostServices {
  providers: ProviderRegistry;
  pricing: PricingService;
  costs: CostTrackingService;
  costQueries: CostQueryService;
  conversations: ConversationService;
}

export function createCostServices(deps: CostServicesDeps): CostServices {
  const providers = new ProviderRegistry(loadProvidersConfig(deps.env ?? process.env));
  const pricing = new PricingService(new MongoPriceOverrideStore(deps.db), undefined, () => deps.clock.now());
  const costRecords = new MongoCostRecordStore(deps.db);
  const conversationStore = new MongoConversationStore(deps.db);
  // Index creation is idempotent and runs in the background; queries work (slower) before it ends.
  void costRecords.ensureIndexes().catch(() => undefined);
  void conversationStore.ensureIndexes().catch(() => undefined);
  const costs: CostTrackingService = new CostTrackingService({
    usageEvents: new MongoUsageEventStore(deps.db),
    costRecords,
    pricing,
    clock: deps.clock,
    announce: createCostAnnouncer({ events: deps.events, pubsub: deps.pubsub }),
    repriceQueue: deps.agenda && defineRepriceJob(deps.agenda, (scope) => costs.reprice(scope)),
  });
  return {
    providers,
    pricing,
    costs,
    costQueries: new CostQueryService(costRecords),
    conversations: new ConversationService({
      store: conversationStore,
      runner: deps.instrumentRunner?.(new ChatRunner(providers)) ?? new ChatRunner(providers),
      costs,
      pricing,
      events: deps.events,
      clock: deps.clock,
      prepareTools: deps.prepareTools,
      holds: deps.holds,
    }),
  };
}
