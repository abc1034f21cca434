import { OperationForm } from '../components/OperationForm.js';
import { formatNumber } from '../format.js';
import { defineToolSection } from './define.js';

interface Model {
  /** The highest limit this level may set. */
  limit: number;
  current: number;
  /** Today's counts from the platform's relay. */
  sentToday: number;
  refusedToday: number;
  bouncedToday: number;
  complaintsToday: number;
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
        blocked. Today {formatNumber(model.sentToday)} sent, limit {formatNumber(model.current)}; your level may set up to{' '}
        <strong>{formatNumber(model.limit)}</strong> a day.
      </p>
      <p className="explain">
        Today through the platform’s relay: {formatNumber(model.refusedToday)} refused over the limit (the customer’s
        Odoo retries them later), {formatNumber(model.bouncedToday)} bounced, {formatNumber(model.complaintsToday)}{' '}
        spam complaints.
      </p>
      <div className="internal" role="note" aria-labelledby="email-checklist-title">
        <h3 id="email-checklist-title">Before raising it — internal guidance, not to be shared with customers</h3>
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
        fields={{ limit: { label: 'E-mails a day', min: 0, max: model.limit, hint: `At most ${formatNumber(model.limit)}` } }}
      />
    </>
  ),
});
