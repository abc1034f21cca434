import { Prng } from '../demo/prng.js';
import type { LogRecord } from './format.js';

/**
 * What an Odoo server hosting the demo databases writes: werkzeug request lines (with Odoo's
 * query_count / query_time / remaining_time, `- - -` for static files), crons, warnings, errors
 * with their traceback, and server-wide lines under `?`. Drawn from a seeded generator.
 */
const ROUTES = [
  ['POST', '/web/dataset/call_kw/res.partner/web_search_read'],
  ['POST', '/web/dataset/call_kw/sale.order/web_read'],
  ['POST', '/web/dataset/call_kw/account.move/action_post'],
  ['POST', '/web/action/load'],
  ['POST', '/mail/data'],
  ['POST', '/web/dataset/call_kw/stock.picking/button_validate'],
  ['GET', '/web'],
  ['GET', '/odoo/action-sale.action_orders'],
  ['POST', '/web/session/get_session_info'],
  ['GET', '/web/image/res.partner/3/avatar_128'],
] as const;
const STATIC = [
  '/web/assets/1/web.assets_web.min.js',
  '/web/assets/1/web.assets_web.min.css',
  '/web/static/img/favicon.ico',
  '/web/static/lib/fontawesome/fonts/fontawesome-webfont.woff2',
];
const CRONS = [
  ['Mail: Email Queue Manager', 3],
  ['Base: Auto-vacuum internal data', 1],
  ['Notification: Send scheduled message notifications', 12],
  ['Publisher: Update Notification', 7],
  ['Calendar: Event Reminder', 15],
] as const;
const WARNINGS = [
  ['odoo.models', 'The model account.move has no _description'],
  ['odoo.addons.base.models.ir_mail_server', 'Connection to SMTP server failed: timed out, retrying in 60 s'],
  ['odoo.http', 'Session expired for uid 6'],
  ['odoo.addons.mail.models.mail_mail', 'Mail delivery failed via SMTP server \'invalid\'. SMTPServerDisconnected: Connection unexpectedly closed'],
] as const;
const SERVER_WIDE = [
  ['odoo.service.server', 'Worker WorkerHTTP (%p) alive'],
  ['odoo.sql_db', 'ConnectionPool(read/write;used=0/count=4/max=64): Closed 2 connections'],
  ['odoo.service.server', 'Worker WorkerCron (%p) max age (120s) reached.'],
] as const;

function traceback(prng: Prng): { message: string; logger: string; lines: string[] } {
  if (prng.chance(0.5)) {
    return {
      logger: 'odoo.http',
      message: 'Exception during request handling.',
      lines: [
        'Traceback (most recent call last):',
        '  File "/home/odoo/src/odoo/odoo/http.py", line 2375, in __call__',
        '    response = request._serve_db()',
        '  File "/home/odoo/src/odoo/odoo/http.py", line 1949, in _serve_db',
        '    return service_model.retrying(self._serve_ir_http, self.env)',
        '  File "/home/odoo/src/odoo/odoo/addons/base/models/ir_http.py", line 222, in _dispatch',
        '    result = endpoint(**request.params)',
        '  File "/home/odoo/src/odoo/addons/sale/models/sale_order.py", line 1021, in action_confirm',
        '    self._action_confirm()',
        `odoo.exceptions.ValidationError: The quotation S0${prng.int(1000, 9999)} has no order line.`,
      ],
    };
  }
  return {
    logger: 'odoo.addons.base.models.ir_cron',
    message: `Call from cron Mail: Email Queue Manager for server action #${prng.int(1, 40)} failed in Job #3`,
    lines: [
      'Traceback (most recent call last):',
      '  File "/home/odoo/src/odoo/odoo/addons/base/models/ir_cron.py", line 431, in _callback',
      '    self.env[\'ir.actions.server\'].browse(server_action_id).run()',
      '  File "/home/odoo/src/odoo/addons/mail/models/mail_mail.py", line 563, in _send',
      '    smtp_session = self.env[\'ir.mail_server\'].connect(mail_server_id=server_id)',
      'ConnectionRefusedError: [Errno 111] Connection refused',
    ],
  };
}

function werkzeugDate(d: Date): string {
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)}`;
}

export function demoRecord(prng: Prng, time: Date, databases: readonly string[], pids: readonly number[]): LogRecord {
  const pid = prng.pick(pids);
  const db = databases.length ? prng.pick(databases) : '?';
  const ip = `10.0.${prng.int(0, 3)}.${prng.int(2, 250)}`;
  const roll = prng.next();
  if (roll < 0.6) {
    const [method, route] = prng.pick(ROUTES);
    const status = prng.chance(0.97) ? 200 : prng.pick([303, 404, 500]);
    const queryTime = prng.next() * 0.08;
    return {
      time, pid, level: 'INFO', db, logger: 'werkzeug',
      message: `${ip} - - [${werkzeugDate(time)}] "${method} ${route} HTTP/1.1" ${status} -`,
      perf: [prng.int(1, 60), queryTime, prng.next() * 0.3],
    };
  }
  if (roll < 0.72) {
    return {
      time, pid, level: 'INFO', db, logger: 'werkzeug',
      message: `${ip} - - [${werkzeugDate(time)}] "GET ${prng.pick(STATIC)} HTTP/1.1" 200 -`,
      perf: null,
    };
  }
  if (roll < 0.84) {
    const [name, id] = prng.pick(CRONS);
    const started = prng.chance(0.5);
    return {
      time, pid, level: 'INFO', db, logger: 'odoo.addons.base.models.ir_cron',
      message: started ? `Job '${name}' (${id}) starting` : `Job '${name}' (${id}) done in ${(prng.next() * 2).toFixed(3)}s`,
    };
  }
  if (roll < 0.9) {
    const [logger, message] = prng.pick(SERVER_WIDE);
    return { time, pid, level: 'INFO', db: '?', logger, message: message.replace('%p', String(pid)) };
  }
  if (roll < 0.97) {
    const [logger, message] = prng.pick(WARNINGS);
    return { time, pid, level: 'WARNING', db, logger, message };
  }
  const tb = traceback(prng);
  return { time, pid, level: 'ERROR', db, logger: tb.logger, message: tb.message, traceback: tb.lines };
}
