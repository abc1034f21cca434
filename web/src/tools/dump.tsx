import { OperationForm } from '../components/OperationForm.js';
import { formatBytes, formatDateTime, relative } from '../format.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { DumpModel } from '../types.js';

type Model = DumpModel;

const STATES: Record<NonNullable<Model['state']>, string> = {
  preparing: 'being prepared',
  ready: 'ready to download',
  failed: 'failed',
  expired: 'expired (the link no longer works)',
};

/** A link only for a web address of this platform's own making. */
function safeHref(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url, window.location.origin);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export const dumpSection = defineToolSection<Model>({
  key: 'dump',
  title: 'Database Download',
  wide: true,
  jobKinds: ['prepare-dump'],
  Component: ({ model, page }) => {
    const href = safeHref(model.url);
    return (
      <>
        <p className="explain">
          A dump is a zip in Odoo’s own database manager format (the SQL dump, a manifest and the filestore): the
          customer restores it with Odoo’s “Restore Database” or on their own server. Preparing it takes a while on a big
          database; when it is ready, an e-mail with a download link goes to the address you give (by default, to you).
          The link works without logging in, for 24 hours by default: send it only to the customer’s verified contact.
        </p>
        <dl className="facts">
          <dt>Latest dump</dt>
          <dd className="dump-state">{model.state ? STATES[model.state] : 'none prepared yet'}</dd>
          {model.state && (
            <>
              <dt>{model.state === 'preparing' ? 'Asked' : 'Date'}</dt>
              <dd>{formatDateTime(model.date)}</dd>
            </>
          )}
          {model.size !== null && model.size !== undefined && (
            <>
              <dt>Size</dt>
              <dd>{formatBytes(model.size)}</dd>
            </>
          )}
          {model.expiresAt && (model.state === 'ready' || model.state === 'expired') && (
            <>
              <dt>Link {model.state === 'expired' ? 'expired' : 'expires'}</dt>
              <dd>
                {formatDateTime(model.expiresAt)} <span className="muted">· {relative(model.expiresAt)}</span>
              </dd>
            </>
          )}
          {model.email && (
            <>
              <dt>E-mailed to</dt>
              <dd>
                <TenantText value={model.email} />
              </dd>
            </>
          )}
        </dl>
        {model.state === 'failed' && model.error && (
          <p className="error" role="alert">
            The dump failed: <TenantText value={model.error} sentence />
          </p>
        )}
        {model.state === 'ready' && href && (
          <p>
            <a className="button" href={href} download rel="noopener noreferrer">
              Download the dump of {page.database.name}
            </a>
          </p>
        )}
        <OperationForm
          operation="prepare-dump"
          legend={`Prepare a dump of ${page.database.name}`}
          submitLabel="Prepare a dump"
          fields={{
            email: {
              label: 'Send the link to (optional)',
              hint: 'Leave empty to receive it yourself',
            },
          }}
        />
      </>
    );
  },
});
