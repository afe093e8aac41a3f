/**
 * Rebuilds one organisation's rollups over whole UTC days from the immutable records, safely while
 * live events keep arriving:
 *   1. hold the organisation (rebuild-control): batches stop claiming its inbox rows, and a batch
 *      that claimed some just before gives them back unless it had already started counting;
 *   2. wait until no batch holds a live claim on its rows (those batches finish counting first);
 *   3. mark the hold 'replacing', read every record of the range, fold them in memory, and write an
 *      applied receipt for each (so their rows, pending or yet to arrive, are never counted again);
 *   4. replace the range's rollups with the fold, and release the hold.
 * Rows of records the read did not see (they arrived after their page was read) stay pending and
 * are counted by the next batch, into the rebuilt rollups. So a rebuild concurrent with live events
 * ends where purely incremental processing would. If the rebuild dies after step 3 began, its hold
 * stays 'replacing' and the next drain runs it again once its lease ran out.
 */
import { AppError } from '../../shared/errors';
import { sleep } from '../../shared/sleep';
import { RollupAccumulator } from './accumulator';
import type { AnalyticsSources, TimeRange } from './analytics-sources';
import { factFromToolCall, factsFromCostRecord } from './record-facts';
import type { Hold, RebuildControl } from './rebuild-control';
import type { InboxItem, RollupInbox } from './rollup-inbox';
import type { RollupStore } from './rollup-store';

export interface OrganizationRebuild {
  costRecords: number;
  toolCalls: number;
  rollups: number;
  range: TimeRange;
}

export interface RebuilderOptions {
  /** How long to wait for running batches before giving up with CONFLICT (real time). */
  waitForBatchesMs?: number;
}

const RECEIPT_CHUNK = 5000;

export class RollupRebuilder {
  private readonly waitMs: number;

  constructor(
    private readonly sources: AnalyticsSources,
    private readonly store: RollupStore,
    private readonly inbox: RollupInbox,
    private readonly control: RebuildControl,
    options: RebuilderOptions = {},
  ) {
    this.waitMs = options.waitForBatchesMs ?? 150_000;
  }

  async rebuild(
    organizationId: string,
    range: TimeRange,
    onProgress?: (records: number) => void,
  ): Promise<OrganizationRebuild> {
    const hold = await this.control.pause(organizationId, range);
    let replacing = false;
    try {
      await this.waitForBatches(hold);
      await this.control.renew(hold, 'replacing');
      replacing = true;
      const acc = new RollupAccumulator();
      let costRecords = 0;
      let toolCalls = 0;
      let receipts: InboxItem[] = [];
      const flushReceipts = async () => {
        await this.inbox.recordApplied(receipts);
        receipts = [];
        await this.control.renew(hold);
      };
      for await (const page of this.sources.costRecords(organizationId, hold.range)) {
        const details = await this.sources.usageDetails(
          page.filter((r) => r.kind === 'charge').map((r) => r.usageEventId),
        );
        for (const record of page) {
          for (const fact of factsFromCostRecord(record, details.get(record.usageEventId) ?? null))
            acc.add(fact);
          receipts.push({ kind: 'record', sourceId: record.id, organizationId });
        }
        costRecords += page.length;
        onProgress?.(costRecords);
        if (receipts.length >= RECEIPT_CHUNK) await flushReceipts();
      }
      for await (const call of this.sources.toolCalls(organizationId, hold.range)) {
        acc.add(factFromToolCall(call));
        receipts.push({ kind: 'tool', sourceId: call.id, organizationId });
        toolCalls += 1;
        if (receipts.length >= RECEIPT_CHUNK) await flushReceipts();
      }
      await flushReceipts();
      const rollups = await this.store.replaceRange(organizationId, hold.range, acc.values());
      await this.control.resume(hold);
      return { costRecords, toolCalls, rollups, range: hold.range };
    } catch (error) {
      // Before anything was replaced the old rollups still stand: let live updates go on. After,
      // keep the hold: the next drain redoes the rebuild once its lease ran out.
      if (!replacing) await this.control.resume(hold);
      throw error;
    }
  }

  /** Waits until no batch holds a live claim on the organisation's rows, keeping the hold alive. */
  private async waitForBatches(hold: Hold): Promise<void> {
    const organizationId = hold.organizationId;
    const deadline = Date.now() + this.waitMs;
    let renewed = Date.now();
    while ((await this.inbox.liveClaims(organizationId)) > 0) {
      if (Date.now() - renewed > 5_000) {
        await this.control.renew(hold);
        renewed = Date.now();
      }
      if (Date.now() > deadline) {
        throw new AppError(
          'CONFLICT',
          `Rollup batches of organisation ${organizationId} are still running; try the rebuild again.`,
        );
      }
      await sleep(25);
    }
  }
}
