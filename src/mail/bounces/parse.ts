import { simpleParser, type Attachment } from 'mailparser';

export type ReportOutcome =
  | { kind: 'hard_bounce' | 'soft_bounce'; recipient: string; status: string }
  | { kind: 'complaint'; recipient: string; feedbackType: string };

/**
 * The fields of a report part (RFC 3464 delivery-status, RFC 5965 feedback-report): groups of
 * header fields separated by blank lines. Each group is read by mailparser's header parser
 * (folding, case) as if it were a message's header.
 */
async function fieldGroups(part: Attachment): Promise<Map<string, string>[]> {
  const text = part.content.toString('utf8').replace(/\r\n/g, '\n');
  const groups = text.split(/\n\s*\n/).filter((g) => g.trim() !== '');
  const out: Map<string, string>[] = [];
  for (const group of groups) {
    const parsed = await simpleParser(`${group.trim()}\r\n\r\n`);
    const fields = new Map<string, string>();
    for (const line of parsed.headerLines) {
      const value = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
      fields.set(line.key, value);
    }
    out.push(fields);
  }
  return out;
}

/** "rfc822; someone@example.com" → someone@example.com */
function address(typed: string | undefined): string {
  if (!typed) return '';
  const semi = typed.indexOf(';');
  return (semi >= 0 ? typed.slice(semi + 1) : typed).trim().replace(/^<|>$/g, '').toLowerCase();
}

/**
 * What a report says happened: one outcome per failed recipient of a delivery status
 * notification (status 5.x.x is a hard bounce, 4.x.x a soft one; delayed, delivered, relayed
 * and expanded are not failures), one complaint per feedback report (except "not-spam").
 * Anything else (an auto-reply to the bounce address) says nothing.
 */
export async function parseReport(raw: Buffer | string): Promise<ReportOutcome[]> {
  // keepDeliveryStatus: mailparser otherwise folds the delivery-status part into the text.
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  const outcomes: ReportOutcome[] = [];
  for (const part of mail.attachments) {
    const type = part.contentType.toLowerCase();
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      // The first group is per message (Reporting-MTA...); the others are per recipient.
      for (const fields of (await fieldGroups(part)).slice(1)) {
        const action = (fields.get('action') ?? '').toLowerCase();
        const status = (fields.get('status') ?? '').trim();
        if (action !== 'failed') continue;
        const recipient = address(fields.get('final-recipient') ?? fields.get('original-recipient'));
        outcomes.push({ kind: status.startsWith('4') ? 'soft_bounce' : 'hard_bounce', recipient, status });
      }
    } else if (type === 'message/feedback-report') {
      const fields = new Map((await fieldGroups(part)).flatMap((g) => [...g]));
      const feedbackType = (fields.get('feedback-type') ?? '').toLowerCase();
      if (feedbackType === 'not-spam') continue;
      outcomes.push({
        kind: 'complaint',
        recipient: address(fields.get('original-rcpt-to') ?? fields.get('removal-recipient')),
        feedbackType,
      });
    }
  }
  return outcomes;
}
