import { describe, expect, it } from 'vitest';
import { addDays, addMonths, endOfDayAfter } from '../../src/dates.js';

describe('dates', () => {
  it('addDays moves by whole UTC days, backwards with a negative count', () => {
    const d = new Date('2026-03-28T10:00:00Z');
    expect(addDays(d, 2).toISOString()).toBe('2026-03-30T10:00:00.000Z');
    expect(addDays(d, -15).toISOString()).toBe('2026-03-13T10:00:00.000Z');
  });

  it('addMonths keeps the UTC day and time and does not change its argument', () => {
    const d = new Date('2026-01-15T08:30:00Z');
    expect(addMonths(d, 1).toISOString()).toBe('2026-02-15T08:30:00.000Z');
    expect(addMonths(d, -2).toISOString()).toBe('2025-11-15T08:30:00.000Z');
    expect(d.toISOString()).toBe('2026-01-15T08:30:00.000Z');
  });

  it('endOfDayAfter is the last second of the UTC day, whatever the hour of the start', () => {
    expect(endOfDayAfter(new Date('2026-05-01T00:00:01Z'), 30).toISOString()).toBe(
      '2026-05-31T23:59:59.000Z',
    );
    expect(endOfDayAfter(new Date('2026-05-01T23:59:00Z'), 0).toISOString()).toBe('2026-05-01T23:59:59.000Z');
  });
});
