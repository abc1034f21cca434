/** The request page (`GET /request/<id>?key=`): for a human, everything from the request escaped. */
export interface RequestPageInput {
  id: number;
  state: string;
  aim: string;
  version: string;
  target: string;
  create_date: string;
  process_date: string | null;
  done_date: string | null;
  reason: string | null;
  archived: boolean;
  archivedFrom: string | null;
  logTail: string;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

export function requestPage(r: RequestPageInput): string {
  const row = (label: string, value: string | null) =>
    `<tr><th scope="row">${escapeHtml(label)}</th><td>${value === null ? '—' : escapeHtml(value)}</td></tr>`;
  const archivedNote = r.archived
    ? `<p class="archived"><strong>This request is archived</strong>: the platform deleted its files${
        r.archivedFrom ? ` (it was ${escapeHtml(r.archivedFrom)})` : ''
      }. Its dump can no longer be downloaded.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upgrade request ${r.id}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
th{text-align:left;padding-right:1rem}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:1rem;unicode-bidi:plaintext}
.archived{background:#fff3cd;padding:.5rem 1rem}</style></head>
<body><h1>Upgrade request ${r.id}</h1>
${archivedNote}
<table>
${row('State', r.state)}
${row('Aim', r.aim)}
${row('From version', r.version)}
${row('Target version', r.target)}
${row('Requested', r.create_date)}
${row('Processing asked', r.process_date)}
${row('Finished', r.done_date)}
${row('Reason', r.reason)}
</table>
<h2>Upgrade log (end)</h2>
<pre>${escapeHtml(r.logTail) || '(empty)'}</pre>
</body></html>
`;
}
