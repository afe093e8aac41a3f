/**
 * Turns each kind of event into its webhook `data` and a human description. Money stays a
 * decimal string (never a float); budget names are added when the budget still exists.
 */
import type { EventDescription } from './envelope';

export interface BudgetInfo {
  name: string | null;
  scope: string;
  scopeId: string;
  period: string;
}

const budgetLabel = (budgetId: string, info: BudgetInfo | null) =>
  info?.name ? `Budget "${info.name}"` : `Budget ${budgetId}`;

const budgetFacts = (info: BudgetInfo | null): [string, string][] =>
  info
    ? [
        ['Scope', `${info.scope} ${info.scopeId}`],
        ['Period', info.period],
      ]
    : [];

const budgetData = (info: BudgetInfo | null) =>
  info ? { budgetName: info.name, scope: info.scope, scopeId: info.scopeId, period: info.period } : {};

export function describeThreshold(
  payload: { budgetId: string; threshold: number; periodStart: string; spentUsd: string; limitUsd: string },
  info: BudgetInfo | null,
): { data: Record<string, unknown>; description: EventDescription } {
  return {
    data: { ...payload, ...budgetData(info) },
    description: {
      title: `Budget at ${payload.threshold}%`,
      summary: `${budgetLabel(payload.budgetId, info)} reached ${payload.threshold}% of its limit: $${payload.spentUsd} of $${payload.limitUsd} spent.`,
      facts: [
        ['Spent', `$${payload.spentUsd}`],
        ['Limit', `$${payload.limitUsd}`],
        ['Period start', payload.periodStart],
        ...budgetFacts(info),
      ],
    },
  };
}

export function describeExceeded(
  payload: {
    budgetId: string;
    periodStart: string;
    spentUsd: string;
    limitUsd: string;
    requestedUsd?: string;
  },
  info: BudgetInfo | null,
): { data: Record<string, unknown>; description: EventDescription } {
  const requested = payload.requestedUsd ? ` needing up to $${payload.requestedUsd}` : '';
  return {
    data: { ...payload, ...budgetData(info) },
    description: {
      title: 'Budget exceeded: request blocked',
      summary: `${budgetLabel(payload.budgetId, info)} blocked a request${requested}: $${payload.spentUsd} of $${payload.limitUsd} already spent.`,
      facts: [
        ['Spent', `$${payload.spentUsd}`],
        ['Limit', `$${payload.limitUsd}`],
        ...(payload.requestedUsd ? [['Requested', `$${payload.requestedUsd}`] as [string, string]] : []),
        ...budgetFacts(info),
      ],
    },
  };
}

export function describeForecast(
  payload: {
    alertId: string;
    budgetId: string;
    periodStart: string;
    periodEnd: string;
    spentUsd: string;
    limitUsd: string;
    projectedUsd: string;
    message: string;
  },
  info: BudgetInfo | null,
): { data: Record<string, unknown>; description: EventDescription } {
  return {
    data: { ...payload, ...budgetData(info) },
    description: {
      title: 'Budget forecast over limit',
      summary: payload.message,
      facts: [
        ['Spent', `$${payload.spentUsd}`],
        ['Projected', `$${payload.projectedUsd}`],
        ['Limit', `$${payload.limitUsd}`],
        ['Period end', payload.periodEnd],
        ...budgetFacts(info),
      ],
    },
  };
}

export function describePerformance(payload: {
  metric: string;
  value: number;
  threshold: number;
  subject?: string;
  severity?: string;
  windowMs?: number;
}): { data: Record<string, unknown>; description: EventDescription } {
  // Backlog alerts measure a queue length; every other metric is a duration in milliseconds.
  const unit = /backlog/.test(payload.metric) ? '' : ' ms';
  const subject = payload.subject ? ` for ${payload.subject}` : '';
  const window = payload.windowMs ? ` over ${Math.round(payload.windowMs / 60_000)} min` : '';
  return {
    data: { ...payload },
    description: {
      title: `Performance threshold exceeded${payload.severity ? ` (${payload.severity})` : ''}`,
      summary: `${payload.metric}${subject} is ${payload.value}${unit}${window}, over its ${payload.threshold}${unit} threshold.`,
      facts: [
        ['Metric', payload.metric],
        ['Value', `${payload.value}${unit}`],
        ['Threshold', `${payload.threshold}${unit}`],
        ...(payload.subject ? [['Subject', payload.subject] as [string, string]] : []),
        ...(payload.severity ? [['Severity', payload.severity] as [string, string]] : []),
      ],
    },
  };
}

export function describeTest(webhookId: string): {
  data: Record<string, unknown>;
  description: EventDescription;
} {
  return {
    data: { webhookId, message: 'Test delivery from the AI spend platform.' },
    description: {
      title: 'Webhook test',
      summary: 'This is a test delivery: your webhook endpoint is reachable.',
      facts: [['Webhook', webhookId]],
    },
  };
}
