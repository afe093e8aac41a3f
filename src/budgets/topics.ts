/** The live topic budget alerts are published on (per organisation; subscribers filter by what they may read). */
import type { BudgetAlert } from './alert.service';

declare module '../pubsub/channels' {
  interface PubSubChannels {
    budgetAlert: BudgetAlert;
  }
}
