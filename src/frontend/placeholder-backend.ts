import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DATABASE_HEADER } from './server-block.js';

export interface PlaceholderBackend {
  /** host:port, for the front end's upstream. */
  address: string;
  close(): Promise<void>;
}

/**
 * The stand-in for a hosting server's Odoo workers: answers every request with the name of
 * the database nginx routed it to (the header its site sets, as a dbfilter by header would
 * read it), and sets `session_id` the way odoo/http.py does (HttpOnly only), so the security
 * features' cookie flags can be seen through the front end.
 */
export async function startPlaceholderBackend(host: string): Promise<PlaceholderBackend> {
  const server = http.createServer((req, res) => {
    const database = req.headers[DATABASE_HEADER.toLowerCase()];
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (typeof database !== 'string') {
      res.statusCode = 404;
      res.end('No database is served at this address.\n');
      return;
    }
    res.setHeader('Set-Cookie', 'session_id=placeholder; Max-Age=604800; HttpOnly; Path=/');
    res.end(`${database}\n`);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
