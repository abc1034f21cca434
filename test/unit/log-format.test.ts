import { describe, expect, it } from 'vitest';
import { parseHead } from '../../src/logs/format.js';

describe('an Odoo log line head', () => {
  it('is read from a plain line', () => {
    expect(parseHead('2026-12-07 16:01:02,345 4242 INFO shop odoo.modules.loading: loading 1 modules... ')).toEqual({
      time: '2026-12-07 16:01:02,345',
      level: 'INFO',
      db: 'shop',
      logger: 'odoo.modules.loading',
    });
  });

  it("is read from a line Odoo coloured for a terminal (ColoredFormatter, ODOO_PY_COLORS), every level", () => {
    const colours = { DEBUG: 34, INFO: 32, WARNING: 33, ERROR: 31, CRITICAL: 31 } as const;
    for (const [level, fg] of Object.entries(colours)) {
      const bg = level === 'CRITICAL' ? 41 : 49;
      const line = `2026-12-07 16:01:02,345 4242 \x1b[1;${fg}m\x1b[1;${bg}m${level}\x1b[0m ? werkzeug: 127.0.0.1 - - "GET / HTTP/1.1" 200 - 3 0.002 0.010`;
      expect(parseHead(line)).toEqual({ time: '2026-12-07 16:01:02,345', level, db: '?', logger: 'werkzeug' });
    }
  });
});
