import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformError } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The caller must present one of the platform's API keys (`Authorization: Bearer <key>`) on
 * every /database/v1 endpoint: without it anyone reaching the port could open requests and
 * upload dumps of gigabytes. Compared as digests, in constant time, against every key.
 */
export function checkCaller(authorization: string | undefined, keys: ReadonlySet<string>): void {
  const m = /^Bearer\s+(\S{1,500})$/i.exec(authorization?.trim() ?? '');
  const presented = m ? digest(m[1]) : undefined;
  let known = false;
  for (const key of keys) if (presented && timingSafeEqual(presented, digest(key))) known = true;
  if (!known) {
    throw new PlatformError(
      'AccessDenied',
      presented ? 'This API key is not one of the upgrade platform’s.' : 'Present the upgrade platform’s API key (Authorization: Bearer <key>).',
    );
  }
}
