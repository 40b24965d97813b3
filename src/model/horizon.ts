/**
 * The A–S horizon τ (seconds) at a given time. Perpetuals never expire, so τ is a modelling choice:
 * - `end-of-day-utc`: time left to the next 00:00 UTC, as the original system did. τ shrinks through the day,
 *   so the inventory skew and the γσ²τ part of the spread fade towards midnight, then jump back up.
 * - `rolling`: a constant τ (e.g. 3600 s): the same risk weighting at every moment of the day.
 * GLFT has no horizon (infinite); the strategy reports τ = NaN for it.
 */
export type HorizonConfig = { kind: 'end-of-day-utc' } | { kind: 'rolling'; tauS: number };

const MS_PER_DAY = 86_400_000;

/** τ in seconds at `nowMs` (Unix ms). End of day: in (0, 86400]; exactly 86400 at midnight. */
export function horizonSeconds(horizon: HorizonConfig, nowMs: number): number {
  if (horizon.kind === 'rolling') return horizon.tauS;
  const nextMidnightMs = (Math.floor(nowMs / MS_PER_DAY) + 1) * MS_PER_DAY;
  return (nextMidnightMs - nowMs) / 1000;
}

/** Parses the CLI/config spelling: "eod" / "end-of-day-utc", or a number of seconds for a rolling horizon. */
export function parseHorizon(text: string): HorizonConfig | null {
  const t = text.trim().toLowerCase();
  if (t === 'eod' || t === 'end-of-day-utc') return { kind: 'end-of-day-utc' };
  const seconds = Number(t);
  if (t !== '' && Number.isFinite(seconds) && seconds > 0) return { kind: 'rolling', tauS: seconds };
  return null;
}
