/**
 * The tool loop's budget gate: before each model call after the first, the request's hold is
 * extended by that call's worst case (`RequestHolds.holdStep`). A refused hold ends the loop there
 * and is kept, so the request can say why it stopped and with which budget's figures.
 */
import type { NextStep } from '../providers/chat-runner';
import type { RequestHolds, StepHold, StepHoldRequest } from './request-holds';

export type StepStop = Extract<StepHold, { held: false }>;

export function holdEachToolStep(
  holds: RequestHolds,
  request: Omit<StepHoldRequest, 'calls' | 'messages'>,
  onStop: (stop: StepStop) => void,
): (next: NextStep) => Promise<boolean> {
  return async (next) => {
    const hold = await holds
      .holdStep({ ...request, calls: next.calls.map((c) => c.usage), messages: next.messages })
      .catch(
        // The seam should not throw; if it does, the call is not made (fail closed).
        (error: unknown): StepHold => ({
          held: false,
          code: 'BUDGET_CHECK_UNAVAILABLE',
          message: error instanceof Error ? error.message : String(error),
          refusal: null,
        }),
      );
    if (!hold.held) onStop(hold);
    return hold.held;
  };
}
