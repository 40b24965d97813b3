/**
 * UTC trading days for calibration. Perpetuals trade 24/7; hlmm (like the original system) re-estimates once per
 * UTC day and trades the next day with what it learned.
 */

export const MS_PER_DAY = 86_400_000;

/** Start (00:00:00.000 UTC) of the day containing `ms`, in Unix ms. */
export function utcDayStartMs(ms: number): number {
  return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
}

/** "YYYY-MM-DD" of the UTC day containing `ms`. */
export function utcDateKey(ms: number): string {
  return new Date(utcDayStartMs(ms)).toISOString().slice(0, 10);
}

/**
 * Market assumption (recording coverage): the last day of a recording is complete only when its last event is
 * within `toleranceMs` of the next midnight; otherwise the recorder was still running (or stopped early) and the
 * day is left out. Earlier days are always kept: a day is over once later data exists.
 */
export const LAST_DAY_COMPLETE_TOLERANCE_MS = 60_000;

export function isLastDayComplete(
  lastEventMs: number,
  toleranceMs = LAST_DAY_COMPLETE_TOLERANCE_MS,
): boolean {
  return utcDayStartMs(lastEventMs) + MS_PER_DAY - lastEventMs <= toleranceMs;
}
