import { useEffect, useState } from 'react';
import { errorMessage, runOperation } from '../api.js';
import { OperationForm } from '../components/OperationForm.js';
import { formatDateTime, relative } from '../format.js';
import { useToolsPage } from './context.js';
import { defineToolSection } from './define.js';
import type { CustomDomainModel } from '../types.js';

type Model = CustomDomainModel;
type Domain = Model['domains'][number];

const DNS_LABEL: Record<Domain['dnsStatus'], string> = {
  pending: 'pending: no record yet',
  ok: 'ok',
  wrong_target: 'wrong target',
  conflicting_records: 'conflicting AAAA/A',
  caa_blocked: 'CAA blocks our CA',
  servfail: 'SERVFAIL',
  nxdomain: 'NXDOMAIN',
  cdn_proxy: 'proxied through a CDN',
};

const CERT_LABEL: Record<Domain['certStatus'], string> = {
  pending: 'pending',
  issuing: 'issuing',
  active: 'active',
  renewing: 'renewing',
  failed: 'failed',
  expired: 'expired',
};

function badge(ok: boolean, waiting: boolean): string {
  return `badge ${ok ? 'outcome-success' : waiting ? 'trust-orange' : 'outcome-failure'}`;
}

interface Diagnosis {
  checks: { name: string; ok: boolean; seen: string; expected: string }[];
  verdict: string;
}

/** Runs diagnose-domain and shows its report: for information only, it changes nothing. */
function Diagnostics({ database, domain }: { database: string; domain: string }) {
  const [report, setReport] = useState<Diagnosis>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await runOperation(database, 'diagnose-domain', { domain });
      // An operation's result is its own (the contract types the route, not each operation's run).
      if ('result' in answer) setReport(answer.result as Diagnosis);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="domain-diagnostics">
      <button
        type="button"
        className="button small"
        onClick={() => void run()}
        disabled={busy}
        aria-describedby={`diag-${domain}`}
      >
        {busy ? 'Diagnosing…' : 'Diagnostics'}
      </button>{' '}
      <span className="hint" id={`diag-${domain}`}>
        for information only: changes nothing
      </span>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <div aria-live="polite">
          {/* Orange only when a check found a problem: a clean report reads as good news. */}
          <p className={report.checks.every((c) => c.ok) ? 'success' : 'notice'}>
            <strong>Verdict:</strong> {report.verdict}
          </p>
          <div className="table-wrap">
            <table className="compact">
              <caption className="sr-only">Diagnostics of {domain}</caption>
              <thead>
                <tr>
                  <th scope="col">Check</th>
                  <th scope="col">Result</th>
                  <th scope="col">Seen</th>
                  <th scope="col">Expected</th>
                </tr>
              </thead>
              <tbody>
                {report.checks.map((c) => (
                  <tr key={c.name}>
                    <td>{c.name}</td>
                    <td>
                      <span className={badge(c.ok, false)}>{c.ok ? 'ok' : 'problem'}</span>
                    </td>
                    <td className="mono small">{c.seen}</td>
                    <td className="small">{c.expected}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

export const customDomainSection = defineToolSection<Model>({
  key: 'custom_domain',
  title: 'Custom Domains',
  wide: true,
  Component: ({ model, page }) => {
    const { refresh } = useToolsPage();
    // While a domain waits for its DNS or its certificate, the section follows it by itself.
    const moving = model.domains.some((d) => ['pending', 'issuing', 'renewing'].includes(d.certStatus));
    useEffect(() => {
      if (!moving) return;
      const timer = setInterval(refresh, 5_000);
      return () => clearInterval(timer);
    }, [moving, refresh]);
    const troubled = model.domains.some(
      (d) =>
        d.certStatus === 'failed' || d.certStatus === 'expired' || !['ok', 'pending'].includes(d.dnsStatus),
    );
    return (
      <>
        <p className="explain">
          The database also answers at the customer’s own domains. For each one, the customer adds a CNAME
          record to <span className="mono">{model.expectedTarget}</span>; we check it, then get a certificate
          for the domain and deploy it on the front end. Two statuses: the DNS (what the name resolves to) and
          the certificate.
        </p>
        {!model.certificatesConfigured && (
          <p className="notice">
            Certificates are not configured on this platform: domains are checked, but none gets a certificate
            yet.
          </p>
        )}
        {troubled && (
          <p className="notice" role="status">
            Investigate before trying again, it takes some time for the certificate to be generated and then
            deployed. Use Diagnostics to see what the DNS and the front end answer.
          </p>
        )}
        <div className="table-wrap">
          <table className="compact">
            <caption className="sr-only">Custom domains of the database</caption>
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">DNS</th>
                <th scope="col">Certificate</th>
                <th scope="col">Last check</th>
              </tr>
            </thead>
            <tbody>
              {model.domains.map((d) => (
                <tr key={d.domain}>
                  <td className="mono">{d.domain}</td>
                  <td>
                    <span className={badge(d.dnsStatus === 'ok', d.dnsStatus === 'pending')}>
                      {DNS_LABEL[d.dnsStatus]}
                    </span>
                  </td>
                  <td>
                    <span
                      className={badge(
                        d.certStatus === 'active',
                        ['pending', 'issuing', 'renewing'].includes(d.certStatus),
                      )}
                    >
                      {CERT_LABEL[d.certStatus]}
                    </span>
                    {d.expiresAt && <span className="muted small"> until {formatDateTime(d.expiresAt)}</span>}
                  </td>
                  <td className="small">
                    {d.checkedAt ? `${formatDateTime(d.checkedAt)} · ${relative(d.checkedAt)}` : 'not yet'}
                  </td>
                </tr>
              ))}
              {model.domains.length === 0 && (
                <tr>
                  <td colSpan={4} className="empty">
                    No custom domain.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {model.domains.map((d) => (
          <section key={d.domain} className="domain-detail" aria-label={`Domain ${d.domain}`}>
            <h3 className="mono">{d.domain}</h3>
            <dl className="facts">
              <dt>Record to add</dt>
              <dd className="mono small">
                {d.record.name}. CNAME {d.record.value}.
              </dd>
              <dt>Resolves now</dt>
              <dd className="mono small">{d.dnsSeen ?? 'not checked yet'}</dd>
              {d.reason && (
                <>
                  <dt>Why</dt>
                  <dd>{d.reason}</dd>
                </>
              )}
              {d.nextCheckAt && d.certStatus !== 'active' && (
                <>
                  <dt>Next check</dt>
                  <dd>{formatDateTime(d.nextCheckAt)}</dd>
                </>
              )}
            </dl>
            <div className="domain-actions">
              {/* An active certificate on a resolving name has nothing to retry. */}
              {!(d.certStatus === 'active' && d.dnsStatus === 'ok') && (
                <OperationForm
                  operation="retry-certificate"
                  fixed={{ domain: d.domain }}
                  compact
                  submitLabel="Check and retry now"
                  legend={`Check ${d.domain} again`}
                />
              )}
              <OperationForm
                operation="remove-domain"
                fixed={{ domain: d.domain }}
                compact
                submitLabel="Remove"
                legend={`Remove ${d.domain}`}
              />
            </div>
            <Diagnostics database={page.database.name} domain={d.domain} />
          </section>
        ))}
        <OperationForm
          operation="add-domain"
          fields={{ domain: { label: 'Domain', hint: 'www.example.com — no wildcard' } }}
        />
      </>
    );
  },
});
