/**
 * The relay day of an instant (YYYY-MM-DD): days start at `startHour` UTC, so with 6 the
 * counts of "today" run from 06:00 UTC to 05:59 UTC the next morning.
 */
export function relayDay(at: Date, startHour: number): string {
  return new Date(at.getTime() - startHour * 3_600_000).toISOString().slice(0, 10);
}

/** When the next relay day starts, as written in the refusal ("06:00 UTC"). */
export function dayStartText(startHour: number): string {
  return `${String(startHour).padStart(2, '0')}:00 UTC`;
}
