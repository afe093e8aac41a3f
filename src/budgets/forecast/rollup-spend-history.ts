/**
 * Daily spend history of a budget's scope from the analytics rollups (`ReportService.metricSeries`,
 * one value per UTC day, zeros included): the input of the budget forecast. Reading rollups keeps
 * the forecast to a few small documents however many requests the scope made.
 */
import type { ReportFilter } from '../../analytics/reports/report-filter';
import type { ReportService } from '../../analytics/reports/report-service';
import type { BudgetRecord } from '../budget-record';
import type { DailySpendHistory } from './spend-forecast';

export type SpendSeriesReader = Pick<ReportService, 'metricSeries'>;

export class RollupSpendHistory implements DailySpendHistory {
  constructor(private readonly reports: SpendSeriesReader) {}

  async dailySpend(budget: BudgetRecord, from: Date, to: Date): Promise<number[]> {
    const filter: ReportFilter = { organizationId: budget.organizationId, from, to };
    if (budget.scope === 'PROJECT') filter.projectId = budget.scopeId;
    else if (budget.scope === 'USER') filter.userId = budget.scopeId;
    else if (budget.scope === 'API_KEY') filter.apiKeyId = budget.scopeId;
    const series = await this.reports.metricSeries(filter, 'COST', 'DAY');
    return series.map((point) => point.value);
  }
}
