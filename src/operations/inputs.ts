import { z } from 'zod';

/** PostgreSQL's `integer`: a tenant's ids (res_users.id, iap_account.id) and our counters are int4. */
export const INT4_MAX = 2_147_483_647;

/**
 * A whole number from JSON or from a form/CLI string ("12"). Unlike z.coerce.number(), null, "",
 * [], false and "1e3" are refused instead of read as 0, 1 or 1000: a `limit: null` must not
 * silently set a limit of 0. The JSON Schema (forms, OpenAPI) stays `integer` with its bounds.
 */
export function wholeNumber(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*[+-]?\d{1,16}\s*$/.test(v) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );
}

/** An id of a row stored as int4 (a tenant's users, IAP accounts): 1..2147483647. */
export const int4Id = () => wholeNumber(1, INT4_MAX);

/** An id of a metabase row stored as bigint (jobs, backups, dumps). */
export const bigintId = () => wholeNumber(1, Number.MAX_SAFE_INTEGER);

/** A count or limit stored as int4: 0..max. */
export const int4Count = (max = INT4_MAX) => wholeNumber(0, max);

/**
 * A moment given as a date-time, or as a day alone ("2026-12-09"), which means the END of that
 * day (23:59:59 UTC): "until the 9th" keeps the 9th, where a plain date parse would stop at its
 * first second.
 */
export function untilInput() {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d{4}-\d{2}-\d{2}\s*$/.test(v) ? new Date(`${v.trim()}T23:59:59Z`) : v),
    z.coerce.date(),
  );
}
