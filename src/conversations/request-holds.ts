/**
 * What a running request asks of its budget holds. The budget plugin holds the first model call's
 * worst case before the resolver runs; while the request runs, the request path adjusts that hold
 * through this seam (implemented by the budget feature, so conversations never import budgets):
 * - `trim`: keep only what was consumed and hand the rest back at once (a finished step, a stream
 *   cut short). The cost job later swaps what is still held for the recorded cost.
 */
export interface RequestHolds {
  trim(requestId: string, keepNano: bigint): Promise<void>;
}
