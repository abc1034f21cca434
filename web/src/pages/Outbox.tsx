import { useEffect, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { formatDateTime } from '../format.js';
import { useGet } from '../load.js';
import { TenantText } from '../components/TenantText.js';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/g;

/** A web address found in a mail's text, or undefined when it is not a plain http(s) URL. */
function webAddress(candidate: string): string | undefined {
  try {
    const u = new URL(candidate);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A mail's text body as text, its web addresses as links: React escapes every piece, and an
 * address becomes an <a> only when it parses as http(s).
 */
export function TextWithLinks({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let raw = match[0];
    // Punctuation that ends a sentence is not part of the address.
    const trailing = /[).,;:!?\]]+$/.exec(raw)?.[0] ?? '';
    raw = raw.slice(0, raw.length - trailing.length);
    const href = webAddress(raw);
    const start = match.index;
    if (!href) continue;
    parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={href} target="_blank" rel="noopener noreferrer">
        {raw}
      </a>,
    );
    last = start + raw.length;
  }
  parts.push(text.slice(last));
  return <pre className="mail-text">{parts}</pre>;
}

function Message({ id }: { id: string }) {
  const message = useGet('GET /api/outbox/:id', { params: { id } });
  const m = message.data?.id === id ? message.data : undefined;
  if (message.error && !m) {
    return (
      <p className="error" role="alert">
        <TenantText value={message.error} sentence />
      </p>
    );
  }
  if (!m) return <p aria-busy="true">Loading…</p>;
  return (
    <article className="card mail" aria-labelledby="mail-subject">
      <h2 id="mail-subject">
        <TenantText value={m.subject} empty="(no subject)" sentence />
      </h2>
      <dl className="facts">
        <dt>Date</dt>
        <dd>{formatDateTime(m.date)}</dd>
        <dt>From</dt>
        <dd>
          <TenantText value={m.from} />
        </dd>
        <dt>To</dt>
        <dd>
          <TenantText value={m.to.join(', ')} sentence />
        </dd>
      </dl>
      <TextWithLinks text={m.text} />
      {m.html && (
        <details className="mail-html">
          <summary>HTML version (source)</summary>
          <pre>{m.html}</pre>
        </details>
      )}
    </article>
  );
}

/** The mails the local SMTP catcher kept (embedded default): "your dump is ready" and the like. */
export function OutboxPage() {
  const { id } = useParams();
  const outbox = useGet('GET /api/outbox');
  const reload = outbox.reload;

  useEffect(() => {
    document.title = 'Outbox · dbtools';
  }, []);

  const data = outbox.data;
  return (
    <>
      <div className="page-head">
        <h1>Outbox</h1>
        <p className="muted">
          {data?.mode === 'smtp'
            ? 'Mail leaves through the configured SMTP server; only mails caught locally before that show here.'
            : 'Every mail the platform sends is caught here instead of leaving: the local catcher of the embedded setup.'}
        </p>
      </div>
      {outbox.error && (
        <p className="error" role="alert">
          <TenantText value={outbox.error} sentence />
        </p>
      )}
      <div className="outbox">
        <section className="card" aria-labelledby="outbox-list-title">
          <div className="card-head">
            <h2 id="outbox-list-title">Messages</h2>
            <button type="button" className="button small" onClick={reload}>
              Refresh
            </button>
          </div>
          {!data ? (
            !outbox.error && <p aria-busy="true">Loading…</p>
          ) : (
            <div className="table-wrap">
              <table className="compact">
                <caption className="sr-only">Caught mails, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                  </tr>
                </thead>
                <tbody>
                  {data.messages.map((m) => (
                    <tr key={m.id} className={m.id === id ? 'selected' : undefined}>
                      <td className="nowrap">{formatDateTime(m.date)}</td>
                      <td>
                        <TenantText value={m.to.join(', ')} sentence />
                      </td>
                      <td>
                        <Link to={`/outbox/${encodeURIComponent(m.id)}`} aria-current={m.id === id ? 'page' : undefined}>
                          <TenantText value={m.subject} empty="(no subject)" sentence />
                        </Link>
                      </td>
                    </tr>
                  ))}
                  {data.messages.length === 0 && (
                    <tr>
                      <td colSpan={3} className="empty">
                        No mail yet.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {id ? <Message id={id} /> : data && data.messages.length > 0 && <p className="hint">Choose a message to read it.</p>}
      </div>
    </>
  );
}
