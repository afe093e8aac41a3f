/**
 * `ai analytics rebuild`: recomputes the usage rollups from the immutable cost records and tool
 * calls (all organisations, or one), over whole UTC days. Safe while the server runs: each
 * organisation's live updates wait while it is rebuilt and are counted right after, so the result
 * equals what incremental counting gives. A rebuild already running for an organisation makes
 * this one fail with a conflict.
 */
import { Flags } from '@oclif/core';
import { z } from 'zod';
import { openAnalytics } from '../../../src/analytics/analytics-runtime';
import { ValidationError } from '../../../src/shared/errors';
import { McpCommand } from '../../lib/base-command';

const flagsSchema = z.object({
  organization: z.string().min(1).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export default class AnalyticsRebuild extends McpCommand {
  static override description = 'Rebuild the usage analytics rollups from the immutable cost records.';

  static override examples = [
    '<%= config.bin %> analytics rebuild',
    '<%= config.bin %> analytics rebuild --organization org_123 --from 2026-01-01 --to 2026-02-01 --json',
  ];

  static override flags = {
    organization: Flags.string({
      description: 'Only this organisation (default: every organisation with records).',
    }),
    from: Flags.string({ description: 'First day to rebuild (ISO date, UTC; default: the beginning).' }),
    to: Flags.string({
      description: 'Day after the last one to rebuild (ISO date, UTC; default: tomorrow).',
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(AnalyticsRebuild);
    const parsed = flagsSchema.safeParse(flags);
    if (!parsed.success || [parsed.data.from, parsed.data.to].some((d) => d && Number.isNaN(d.getTime()))) {
      throw new ValidationError([{ field: 'from/to', message: 'must be ISO dates such as 2026-01-31' }]);
    }
    const analytics = await openAnalytics();
    try {
      this.progress.start('Rebuilding analytics rollups');
      let last = 0;
      const result = await analytics.rollups.rebuild({
        organizationId: parsed.data.organization,
        range: { from: parsed.data.from, to: parsed.data.to },
        onProgress: (n) => {
          if (!this.jsonEnabled() && n - last >= 50_000) {
            last = n;
            this.progress.info(`  ${n} records`);
          }
        },
      });
      this.progress.done(
        `Rebuilt ${result.rollups} rollups from ${result.costRecords} cost records and ${result.toolCalls} tool calls`,
      );
      const doc = {
        ok: true,
        organizations: result.organizations,
        costRecords: result.costRecords,
        toolCalls: result.toolCalls,
        rollups: result.rollups,
        from: result.range.from.toISOString(),
        to: result.range.to.toISOString(),
      };
      if (!this.jsonEnabled()) this.log(`${doc.organizations} organisation(s), ${doc.from} to ${doc.to}`);
      return doc;
    } finally {
      await analytics.close();
    }
  }
}
