/**
 * Date arithmetic shared by operations, jobs, policy and tenant queries. All in UTC: the
 * platform's days, trial limits and Odoo's stored datetimes are UTC.
 */

export const DAY_MS = 86_400_000;

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

export function addMonths(d: Date, months: number): Date {
  const r = new Date(d);
  r.setUTCMonth(r.getUTCMonth() + months);
  return r;
}

/** End of the UTC day `days` after `from`: limits are whole days. */
export function endOfDayAfter(from: Date, days: number): Date {
  const d = addDays(from, days);
  d.setUTCHours(23, 59, 59, 0);
  return d;
}

/** The day (YYYY-MM-DD) `days` before (negative) or after `day`. */
export function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
