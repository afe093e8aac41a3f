import { describeExceeded, describeForecast, describePerformance, describeThreshold } from './describe';
import type { WebhookEnvelope } from './envelope';
import { renderBody } from './render-body';

const envelope = (data: Record<string, unknown> = {}): WebhookEnvelope => ({
  id: 'evt-1',
  type: 'BUDGET_THRESHOLD_REACHED',
  occurredAt: '2026-03-01T12:00:00.000Z',
  organizationId: 'org-1',
  data,
});
const info = { name: 'R&D <core>', scope: 'PROJECT', scopeId: 'p1', period: 'MONTHLY' };
const threshold80 = () =>
  describeThreshold(
    {
      budgetId: 'b1',
      threshold: 80,
      periodStart: '2026-03-01T00:00:00.000Z',
      spentUsd: '8.00',
      limitUsd: '10.00',
    },
    info,
  );

describe('webhook bodies', () => {
  it('JSON is the envelope itself', () => {
    const { data, description } = threshold80();
    expect(JSON.parse(renderBody('JSON', envelope(data), description))).toEqual({
      ...envelope(),
      data: {
        budgetId: 'b1',
        threshold: 80,
        periodStart: '2026-03-01T00:00:00.000Z',
        spentUsd: '8.00',
        limitUsd: '10.00',
        budgetName: 'R&D <core>',
        scope: 'PROJECT',
        scopeId: 'p1',
        period: 'MONTHLY',
      },
    });
  });

  it('SLACK is text plus blocks, with mrkdwn escaped and Slack limits respected', () => {
    const { data, description } = threshold80();
    const slack = JSON.parse(renderBody('SLACK', envelope(data), description));
    expect(slack.text).toBe(
      'Budget at 80%: Budget "R&D <core>" reached 80% of its limit: $8.00 of $10.00 spent.',
    );
    expect(slack.blocks[1].text.text).toBe(
      'Budget "R&amp;D &lt;core&gt;" reached 80% of its limit: $8.00 of $10.00 spent.',
    );
    expect(slack.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Spent*\n$8.00',
      '*Limit*\n$10.00',
      '*Period start*\n2026-03-01T00:00:00.000Z',
      '*Scope*\nPROJECT p1',
      '*Period*\nMONTHLY',
    ]);

    const long = describePerformance({
      metric: 'resolver',
      value: 70,
      threshold: 50,
      subject: 'x'.repeat(5000),
    });
    const clipped = JSON.parse(
      renderBody('SLACK', envelope(), { ...long.description, title: 't'.repeat(400) }),
    );
    expect(clipped.blocks[0].text.text).toHaveLength(150);
    expect(clipped.blocks[1].text.text.length).toBeLessThanOrEqual(3000);
    expect(clipped.text.length).toBeLessThanOrEqual(3000);
    for (const f of clipped.blocks[2].fields) expect(f.text.length).toBeLessThanOrEqual(2000);
  });

  it('describes every kind in words, with or without the budget still existing', () => {
    expect(
      describeExceeded({ budgetId: 'b2', periodStart: 'p', spentUsd: '5', limitUsd: '5' }, null).description
        .summary,
    ).toBe('Budget b2 blocked a request: $5 of $5 already spent.');
    const forecast = describeForecast(
      {
        alertId: 'a1',
        budgetId: 'b3',
        spentUsd: '4',
        limitUsd: '10',
        projectedUsd: '12.5',
        periodStart: '2026-03-01T00:00:00.000Z',
        periodEnd: '2026-04-01T00:00:00.000Z',
        message: 'on track to overspend',
      },
      null,
    );
    expect(forecast.description).toEqual({
      title: 'Budget forecast over limit',
      summary: 'on track to overspend',
      facts: [
        ['Spent', '$4'],
        ['Projected', '$12.5'],
        ['Limit', '$10'],
        ['Period end', '2026-04-01T00:00:00.000Z'],
      ],
    });
    expect(
      describePerformance({
        metric: 'queue_backlog_growing',
        value: 240,
        threshold: 0,
        subject: 'webhooks.deliver',
      }).description.summary,
    ).toBe('queue_backlog_growing for webhooks.deliver is 240, over its 0 threshold.');
    expect(describePerformance({ metric: 'job_run', value: 900, threshold: 500 }).description).toMatchObject({
      title: 'Performance threshold exceeded',
      summary: 'job_run is 900 ms, over its 500 ms threshold.',
    });
  });
});
