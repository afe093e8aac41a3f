/**
 * The body posted for each format. JSON is the envelope itself. SLACK is what Slack's
 * incoming webhooks accept: `text` (the notification and fallback) plus Block Kit
 * `blocks`, truncated to Slack's limits (header 150 characters, section text 3,000,
 * 10 fields of 2,000) so a long subject cannot get the whole message refused.
 */
import type { EventDescription, WebhookEnvelope } from './envelope';
import type { WebhookFormat } from './event-kinds';

export function renderBody(
  format: WebhookFormat,
  envelope: WebhookEnvelope,
  description: EventDescription,
): string {
  return JSON.stringify(format === 'SLACK' ? slackMessage(envelope, description) : envelope);
}

export function slackMessage(envelope: WebhookEnvelope, description: EventDescription) {
  const fields = description.facts.slice(0, 10).map(([label, value]) => ({
    type: 'mrkdwn',
    text: clip(`*${escape(label)}*\n${escape(value)}`, 2000),
  }));
  return {
    text: clip(`${description.title}: ${description.summary}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(description.title, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(escape(description.summary), 3000) } },
      ...(fields.length ? [{ type: 'section', fields }] : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: clip(`${envelope.type} · ${envelope.occurredAt} · ${escape(envelope.id)}`, 3000),
          },
        ],
      },
    ],
  };
}

/** Slack's mrkdwn needs &, < and > escaped, or they are read as markup. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
