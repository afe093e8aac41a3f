/**
 * The analytics queries, all served from rollups (never from raw records, except the few example
 * records behind an anomaly): `usageReport`, `providerComparison`, `trends`, `anomalies` and
 * `forecast`. Every method takes the organisation from the caller's context; the filter narrows
 * within it.
 */
import { AppError } from '../../shared/errors';
import type { CostRecordStore } from '../../costs/cost-stores';
import type { CostRecord } from '../../costs/cost-record';
import { forecastSeries, type ForecastResult } from '../forecast/forecast';
import { detectAnomalies, type Anomaly } from '../stats/anomalies';
import { summariseTrend, type TrendSummary } from '../stats/trend';
import { DAY_MS, HOUR_MS, type Dimension, type Granularity } from '../rollups/dimensions';
import type { RollupDelta } from '../rollups/facts';
import { addMetrics, emptyMetrics, subtractMetrics, type RollupMetrics } from '../rollups/metrics';
import { coverRange } from '../rollups/rollup-store';
import type { RollupStore } from '../rollups/rollup-store';
import { selection, type ReportFilter } from './report-filter';
import { assertTimeZone, isUtc, localDay } from './local-time';
import { summarise, type MetricsSummary } from './summary';

export type TopDimension = Exclude<Dimension, 'TOTAL'>;
export type Metric = 'COST' | 'REQUESTS' | 'TOKENS' | 'ERRORS';

export interface SeriesPoint {
  /** Bucket start (UTC instant); for local days, the label holds the local date. */
  bucketStart: Date;
  label: string;
  summary: MetricsSummary;
}

export interface UsageReport {
  granularity: Granularity;
  timezone: string;
  series: SeriesPoint[];
  totals: MetricsSummary;
  top: { dimension: TopDimension; key: string; summary: MetricsSummary }[];
}

export interface ModelComparison {
  provider: string;
  model: string;
  summary: MetricsSummary;
  costPer1kRequestsNano: bigint | null;
  costPerMillionTokensNano: bigint | null;
}

export class ReportService {
  constructor(
    private readonly rollups: RollupStore,
    private readonly records?: CostRecordStore,
  ) {}

  private async load(
    filter: ReportFilter,
    granularity: Granularity,
    dimension?: TopDimension,
  ): Promise<RollupDelta[]> {
    const sel = selection(filter);
    return this.rollups.find({
      organizationId: filter.organizationId,
      scope: sel.scope,
      granularity,
      dimension: dimension ?? sel.dimension,
      keys: dimension ? undefined : sel.keys,
      range: { from: filter.from, to: filter.to },
    });
  }

  /**
   * The filter's rollups over its whole range with the fewest documents: months where the range
   * covers them, days, and hours at unaligned edges (`months: false` for per-day series).
   */
  private loadCovering(
    filter: ReportFilter,
    options: { dimension?: TopDimension; keys?: string[]; months?: boolean } = {},
  ): Promise<RollupDelta[]> {
    const sel = selection(filter);
    return this.rollups.findCovering(
      {
        organizationId: filter.organizationId,
        scope: sel.scope,
        dimension: options.dimension ?? sel.dimension,
        keys: options.dimension ? options.keys : sel.keys,
        range: { from: filter.from, to: filter.to },
      },
      { months: options.months },
    );
  }

  /**
   * Top-N by cost (then requests): rank every key reading only cost and requests, then read the
   * full rollups of the winners alone.
   */
  private async top(
    filter: ReportFilter,
    dimension: TopDimension,
    limit: number,
  ): Promise<UsageReport['top']> {
    const sel = selection(filter);
    const ranking = await this.rollups.rank({
      organizationId: filter.organizationId,
      scope: sel.scope,
      dimension,
      range: { from: filter.from, to: filter.to },
    });
    const winners = [...ranking.entries()]
      .sort((a, b) =>
        a[1].costNano === b[1].costNano
          ? b[1].requests - a[1].requests || a[0].localeCompare(b[0])
          : a[1].costNano > b[1].costNano
            ? -1
            : 1,
      )
      .slice(0, limit)
      .map(([key]) => key);
    if (winners.length === 0) return [];
    const byKey = new Map<string, RollupMetrics>();
    for (const r of await this.loadCovering(filter, { dimension, keys: winners })) {
      byKey.set(r.key, addMetrics(byKey.get(r.key) ?? emptyMetrics(), r.metrics));
    }
    return winners.map((key) => ({ dimension, key, summary: summarise(byKey.get(key) ?? emptyMetrics()) }));
  }

  /**
   * Local days of a time zone, each hour counted in the local day its start falls in, read with
   * few documents: a UTC day's rollup goes to the local day most of its hours fall in, less the
   * hours that fall in a neighbouring local day, which are read hourly and counted there (exact:
   * every measure is a sum or a histogram). Unaligned edges are read hourly.
   */
  private async localDayPieces(filter: ReportFilter, timezone: string): Promise<Piece[]> {
    const sel = selection(filter);
    const query = {
      organizationId: filter.organizationId,
      scope: sel.scope,
      dimension: sel.dimension,
      keys: sel.keys,
    };
    const pieces: Piece[] = [];
    const hourly = (r: RollupDelta): Piece => ({
      start: r.bucketStart,
      label: localDay(r.bucketStart, timezone),
      metrics: r.metrics,
    });
    const days: RollupDelta[] = [];
    for (const s of coverRange({ from: filter.from, to: filter.to }, { months: false })) {
      const rows = await this.rollups.find({ ...query, ...s });
      if (s.granularity === 'HOUR') pieces.push(...rows.map(hourly));
      else days.push(...rows);
    }
    const majority = new Map<number, { label: string; start: Date }>();
    const minority: Date[] = [];
    for (const d of days) {
      const hours = Array.from({ length: 24 }, (_, h) => new Date(d.bucketStart.getTime() + h * HOUR_MS));
      const labels = hours.map((h) => localDay(h, timezone));
      const counts = new Map<string, number>();
      for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      const label = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      majority.set(d.bucketStart.getTime(), { label, start: hours[labels.indexOf(label)]! });
      hours.forEach((h, i) => labels[i] !== label && minority.push(h));
    }
    const aside = await this.rollups.findAt({ ...query, granularity: 'HOUR' }, minority);
    const removed = new Map<number, RollupMetrics>();
    for (const h of aside) {
      pieces.push(hourly(h));
      const day = Math.floor(h.bucketStart.getTime() / DAY_MS) * DAY_MS;
      removed.set(day, addMetrics(removed.get(day) ?? emptyMetrics(), h.metrics));
    }
    for (const d of days) {
      const { label, start } = majority.get(d.bucketStart.getTime())!;
      const metrics = addMetrics(emptyMetrics(), d.metrics);
      const out = removed.get(d.bucketStart.getTime());
      if (out) subtractMetrics(metrics, out);
      pieces.push({ start, label, metrics });
    }
    return pieces;
  }

  /** Daily UTC rollups cover whole days only; a range not on day bounds is read hourly. */
  private granularityFor(filter: ReportFilter, wanted: Granularity, timezone: string): Granularity {
    const aligned = filter.from.getTime() % DAY_MS === 0 && filter.to.getTime() % DAY_MS === 0;
    return wanted === 'DAY' && isUtc(timezone) && aligned ? 'DAY' : 'HOUR';
  }

  async usageReport(
    filter: ReportFilter,
    options: {
      granularity?: Granularity;
      timezone?: string;
      top?: { dimension: TopDimension; limit?: number };
    } = {},
  ): Promise<UsageReport> {
    const granularity = options.granularity ?? 'DAY';
    const timezone = assertTimeZone(options.timezone ?? 'UTC');
    if (filter.from.getTime() % HOUR_MS !== 0 || filter.to.getTime() % HOUR_MS !== 0) {
      throw new AppError(
        'BAD_USER_INPUT',
        'from and to must fall on whole hours (rollups are hourly at the finest).',
        {
          details: { field: 'filter.from' },
        },
      );
    }
    const read = this.granularityFor(filter, granularity, timezone);
    let pieces: Piece[];
    if (granularity === 'DAY' && !isUtc(timezone)) pieces = await this.localDayPieces(filter, timezone);
    else {
      // UTC days with unaligned edges: whole days from daily rollups, the edges from hourly ones.
      const rows =
        granularity === 'DAY' && read === 'HOUR'
          ? await this.loadCovering(filter, { months: false })
          : await this.load(filter, read);
      pieces = rows.map((r) => ({
        start: r.bucketStart,
        label:
          granularity === 'HOUR' ? r.bucketStart.toISOString() : r.bucketStart.toISOString().slice(0, 10),
        metrics: r.metrics,
      }));
    }
    const buckets = new Map<string, { start: Date; metrics: RollupMetrics }>();
    const total = emptyMetrics();
    for (const p of pieces) {
      const b = buckets.get(p.label) ?? { start: p.start, metrics: emptyMetrics() };
      if (p.start < b.start) b.start = p.start;
      addMetrics(b.metrics, p.metrics);
      buckets.set(p.label, b);
      addMetrics(total, p.metrics);
    }
    const series = [...buckets.entries()]
      .sort((a, b) => a[1].start.getTime() - b[1].start.getTime())
      .map(([label, b]) => ({ bucketStart: b.start, label, summary: summarise(b.metrics) }));
    const top = options.top
      ? await this.top(filter, options.top.dimension, Math.min(100, Math.max(1, options.top.limit ?? 10)))
      : [];
    return { granularity, timezone, series, totals: summarise(total), top };
  }

  async providerComparison(filter: ReportFilter): Promise<ModelComparison[]> {
    const byModel = new Map<string, RollupMetrics>();
    for (const r of await this.loadCovering(filter, { dimension: 'MODEL' })) {
      byModel.set(r.key, addMetrics(byModel.get(r.key) ?? emptyMetrics(), r.metrics));
    }
    return [...byModel.entries()]
      .map(([key, m]) => {
        const slash = key.indexOf('/');
        const s = summarise(m);
        return {
          provider: key.slice(0, slash),
          model: key.slice(slash + 1),
          summary: s,
          costPer1kRequestsNano: m.requests ? (m.costNano * 1000n) / BigInt(m.requests) : null,
          costPerMillionTokensNano: s.totalTokens ? (m.costNano * 1_000_000n) / BigInt(s.totalTokens) : null,
        };
      })
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  }

  /** One value per UTC day (or hour) of the range, zeros included, for trends and forecasts. */
  async metricSeries(
    filter: ReportFilter,
    metric: Metric,
    granularity: Granularity = 'DAY',
  ): Promise<{ at: Date; value: number }[]> {
    const size = granularity === 'DAY' ? DAY_MS : HOUR_MS;
    const start = Math.floor(filter.from.getTime() / size) * size;
    const values = new Map<number, number>();
    for (const r of await this.load({ ...filter, from: new Date(start) }, granularity)) {
      values.set(
        r.bucketStart.getTime(),
        (values.get(r.bucketStart.getTime()) ?? 0) + metricValue(r.metrics, metric),
      );
    }
    const out: { at: Date; value: number }[] = [];
    for (let t = start; t < filter.to.getTime(); t += size)
      out.push({ at: new Date(t), value: values.get(t) ?? 0 });
    return out;
  }

  async trends(filter: ReportFilter, metric: Metric): Promise<TrendSummary> {
    return summariseTrend((await this.metricSeries(filter, metric)).map((p) => p.value));
  }

  async anomalies(
    filter: ReportFilter,
    metric: Metric,
    granularity: Granularity = 'DAY',
  ): Promise<(Anomaly & { records: CostRecord[] })[]> {
    const series = await this.metricSeries(filter, metric, granularity);
    const found = detectAnomalies(
      series.map((p) => ({
        at: p.at,
        value: p.value,
        slot: granularity === 'DAY' ? p.at.getUTCDay() : p.at.getUTCHours(),
      })),
    );
    const size = granularity === 'DAY' ? DAY_MS : HOUR_MS;
    return Promise.all(
      found.map(async (a) => ({
        ...a,
        records: this.records
          ? await this.records.find(
              {
                organizationId: filter.organizationId,
                projectId: filter.projectId,
                userId: filter.userId,
                apiKeyId: filter.apiKeyId,
                provider: filter.provider,
                model: filter.model,
                from: a.at,
                to: new Date(a.at.getTime() + size),
              },
              { first: 10 },
            )
          : [],
      })),
    );
  }

  /** Forecast of a daily metric `horizon` days past the end of the filter's range. */
  async forecast(
    filter: ReportFilter,
    metric: Metric,
    horizon: number,
  ): Promise<ForecastResult & { startsAt: Date }> {
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > 366) {
      throw new AppError('BAD_USER_INPUT', 'horizon must be a whole number of days from 1 to 366.', {
        details: { field: 'horizon' },
      });
    }
    const series = await this.metricSeries(filter, metric);
    // Leading days before the first activity are not history, only absence of it.
    const first = series.findIndex((p) => p.value !== 0);
    const history = first < 0 ? [] : series.slice(first).map((p) => p.value);
    const end = series.length ? series[series.length - 1]!.at.getTime() + DAY_MS : filter.to.getTime();
    return { ...forecastSeries(history, horizon), startsAt: new Date(end) };
  }
}

/** Part of one series bucket: a rollup (or a day less some hours) and the bucket it belongs to. */
interface Piece {
  start: Date;
  label: string;
  metrics: RollupMetrics;
}

export function metricValue(m: RollupMetrics, metric: Metric): number {
  switch (metric) {
    case 'COST':
      // Forecasting works in floating point; USD with nano precision keeps 15+ significant digits.
      return Number(m.costNano) / 1e9;
    case 'REQUESTS':
      return m.requests;
    case 'TOKENS':
      return summarise(m).totalTokens;
    case 'ERRORS':
      return m.errors;
  }
}
