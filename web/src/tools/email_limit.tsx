import { EmailDaysChart } from '../components/EmailDaysChart.js';
import { OperationForm } from '../components/OperationForm.js';
import { formatNumber } from '../format.js';
import { defineToolSection } from './define.js';
import type { EmailLimitModel } from '../types.js';

type Model = EmailLimitModel;

const BADGE_TEXT = { green: 'Green: trusted', orange: 'Orange: watch', red: 'Red: do not raise' };

function nextChangeText(current: number, next: Model['nextAutomaticChange']): string {
  const when = next.at ? `at ${next.at.slice(0, 16).replace('T', ' ')} UTC` : 'at the next nightly run';
  if (next.limit === null) return `The nightly automatic change leaves it: ${next.reason}.`;
  // The reason is quoted after "Why:", not in parentheses: it holds parentheses of its own.
  if (next.limit === current)
    return `Next automatic change ${when}: none, the limit stays ${formatNumber(current)}. Why: ${next.reason}.`;
  return `Next automatic change ${when}: ${next.limit > current ? 'raise' : 'lower'} to ${formatNumber(next.limit)} a day. Why: ${next.reason}.`;
}

function points(p: number): string {
  return p > 0 ? `+${p}` : p < 0 ? `−${-p}` : '0';
}

const CHECKLIST = [
  'The e-mail templates look legitimate and legal (no phishing, no deceptive offers).',
  'The content fits the customer’s activity as shown by their database and website.',
  'Every marketing e-mail carries a working unsubscribe link.',
  'The mailing lists look lawfully acquired and clean (no bought or scraped lists, no role addresses en masse).',
  'Bounce rate: above 5 % is suspicious, above 6-7 % is unacceptable — do not raise the limit.',
  'An account that seems to exist only to send e-mails (no other activity) is suspicious.',
  'Raise progressively: a step now, more later if the sending behaves.',
];

export const emailLimitSection = defineToolSection<Model>({
  key: 'email_limit',
  title: 'E-mail Limit',
  Component: ({ model }) => (
    <>
      <p className="explain">
        The daily limit protects the platform’s sending reputation: one spammer can get every customer’s mail
        blocked. Today {formatNumber(model.sentToday)} sent, limit {formatNumber(model.current)}; your level
        may set up to <strong>{formatNumber(model.limit)}</strong> a day.
      </p>
      <p className="explain">
        Today through the platform’s relay: {formatNumber(model.refusedToday)} refused over the limit (the
        customer’s Odoo retries them later), {formatNumber(model.bouncedToday)} bounced,{' '}
        {formatNumber(model.complaintsToday)} spam complaints.
      </p>
      <h3 id="email-badge-title">
        Trust badge{' '}
        <span className={`badge trust-${model.badge.color}`}>{BADGE_TEXT[model.badge.color]}</span>{' '}
        <span className="muted">score {model.badge.score}</span>
      </h3>
      <p className="explain next-change">{nextChangeText(model.current, model.nextAutomaticChange)}</p>
      <ul className="trust-reasons" aria-labelledby="email-badge-title">
        {model.badge.reasons.map((r) => (
          <li key={r.rule}>
            <strong>{r.rule}</strong> ({points(r.points)}): {r.text}
          </li>
        ))}
      </ul>
      <h3 id="email-days-title">Last 30 days through the relay</h3>
      <EmailDaysChart days={model.days} />
      <details className="email-days-table">
        <summary>Show the last 30 days as a table</summary>
        <div className="table-wrap">
          <table className="compact email-days">
            <caption>
              Per relay day: sent, refused over the limit, bounced, spam complaints and the limit applied
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Sent</th>
                <th scope="col">Refused</th>
                <th scope="col">Bounced</th>
                <th scope="col">Complaints</th>
                <th scope="col">Limit</th>
              </tr>
            </thead>
            <tbody>
              {model.days.map((d) => (
                <tr key={d.day}>
                  <th scope="row">{d.day}</th>
                  <td>{formatNumber(d.sent)}</td>
                  <td>{formatNumber(d.refused)}</td>
                  <td>{formatNumber(d.bounced)}</td>
                  <td>{formatNumber(d.complaints)}</td>
                  <td>{d.limit === null ? '—' : formatNumber(d.limit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      <div className="internal" role="note" aria-labelledby="email-checklist-title">
        <h3 id="email-checklist-title">
          Before raising it — internal guidance, not to be shared with customers
        </h3>
        <ol className="checklist">
          {CHECKLIST.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ol>
        <p>
          Alternatives to offer instead: the customer’s <strong>own outgoing mail server</strong>, or a{' '}
          <strong>full opt-in revalidation</strong> of their list.
        </p>
      </div>
      <OperationForm
        operation="set-email-limit"
        fields={{
          limit: {
            label: 'E-mails a day',
            min: 0,
            max: model.limit,
            hint: `At most ${formatNumber(model.limit)}`,
          },
          reason: { label: 'Reason (required to pin)' },
          pinnedUntil: {
            label: 'Pinned until (optional)',
            hint: 'The nightly automatic change leaves a pinned limit alone',
          },
        }}
      />
    </>
  ),
});
