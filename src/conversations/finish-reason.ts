/**
 * Why a request, and each of its model calls, finished: the AI SDK's reasons mapped to the API's
 * enums. A request's reason also says when the tool loop ran out of steps or a tool step's budget
 * hold was refused (the SDK reports both as the last call's `tool-calls`).
 */
import type { StepStop } from './tool-step-holds';

export const REQUEST_FINISH_REASONS = [
  'STOP',
  'LENGTH',
  'CONTENT_FILTER',
  'TOOL_STEPS_EXHAUSTED',
  'BUDGET_EXCEEDED',
  'BUDGET_CHECK_UNAVAILABLE',
  'OTHER',
] as const;
export type RequestFinishReason = (typeof REQUEST_FINISH_REASONS)[number];

export const CALL_FINISH_REASONS = [
  'STOP',
  'LENGTH',
  'CONTENT_FILTER',
  'TOOL_CALLS',
  'ERROR',
  'OTHER',
] as const;
export type CallFinishReason = (typeof CALL_FINISH_REASONS)[number];

export function callFinishReason(sdkReason: string): CallFinishReason {
  switch (sdkReason) {
    case 'stop':
      return 'STOP';
    case 'length':
      return 'LENGTH';
    case 'content-filter':
      return 'CONTENT_FILTER';
    case 'tool-calls':
      return 'TOOL_CALLS';
    case 'error':
      return 'ERROR';
    default:
      return 'OTHER';
  }
}

/** The request's reason from its last call's, and the tool-step hold that stopped it, if one did. */
export function requestFinishReason(sdkReason: string, stop: StepStop | null): RequestFinishReason {
  if (stop) return stop.code;
  const call = callFinishReason(sdkReason);
  // The loop ends on a call that asked for tools only when no further call was allowed.
  if (call === 'TOOL_CALLS') return 'TOOL_STEPS_EXHAUSTED';
  return call === 'ERROR' ? 'OTHER' : call;
}
