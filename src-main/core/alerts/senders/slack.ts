// Slack incoming webhook: a JSON message with `text` (the notification line) and blocks giving the
// run, task, attempt, reason and a link back into Shoal.
import { headline, type AlertMessage, type OutgoingRequest } from './alert-message';

/** Slack reads `&`, `<` and `>` in message text as markup: `<!channel>` in a task's name or error
 *  would notify the whole channel, and `<stdin>` would vanish. Escaped as Slack asks. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackRequest(webhookUrl: string, m: AlertMessage): OutgoingRequest {
  const text = slackEscape(headline(m));
  const field = (label: string, value: string | number | null) => ({ type: 'mrkdwn', text: `*${label}*\n${value === null || value === '' ? '—' : slackEscape(String(value))}` });
  const body = {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${m.action === 'resolve' ? ':white_check_mark:' : ':rotating_light:'} *${text}*` } },
      { type: 'section', fields: [field('Run', m.runName ?? m.runId), field('Task', m.taskName ?? m.taskId), field('Attempt', m.attempt), field('Reason', m.reason)] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${m.link}|Open in Shoal> · alert ${m.id}` }] },
    ],
  };
  return { url: webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
