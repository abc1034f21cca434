import { createHmac, timingSafeEqual } from 'node:crypto';
import type { App } from '../app.js';

function signature(app: App, dumpId: number, expires: number): string {
  return createHmac('sha256', app.secret).update(`dump-download\0${dumpId}\0${expires}`).digest('base64url');
}

/** The public base of links sent by mail: DBTOOLS_PUBLIC_URL, else where this server listens. */
export function publicBaseUrl(app: App): string {
  if (app.config.publicUrl) return app.config.publicUrl.replace(/\/+$/, '');
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  return `http://${host}:${app.config.port}`;
}

/** `/api/dumps/<id>/download?expires=<unix s>&signature=<HMAC>`: works without a session until it expires. */
export function dumpDownloadPath(app: App, dumpId: number, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `/api/dumps/${dumpId}/download?expires=${expires}&signature=${signature(app, dumpId, expires)}`;
}

export function dumpDownloadUrl(app: App, dumpId: number, expiresAt: Date): string {
  return publicBaseUrl(app) + dumpDownloadPath(app, dumpId, expiresAt);
}

/** A changed id, expiry or signature is `tampered` (403); a genuine link past its time is `expired` (410). */
export function checkDumpLink(
  app: App,
  dumpId: number,
  expires: string,
  sig: string,
): 'ok' | 'tampered' | 'expired' {
  if (!/^\d{1,12}$/.test(expires)) return 'tampered';
  const expected = Buffer.from(signature(app, dumpId, Number(expires)));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'tampered';
  if (Number(expires) * 1000 <= app.now().getTime()) return 'expired';
  return 'ok';
}
