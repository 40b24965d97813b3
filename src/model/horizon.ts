/**
 * The A–S horizon τ (seconds) at a given time. Perpetuals never expire, so τ is a modelling choice:
 * - `end-of-day-utc`: time left to the next 00:00 UTC, as the original system did. τ shrinks through the day,
 *   so the inventory skew and the γσ²τ part of the spread fade towards midnight, then jump back up.
 * - `rolling`: a constant τ (e.g. 3600 s): the same risk weighting at every moment of the day.
 * GLFT has no horizon (infinite); the strategy reports τ = NaN for it.
 */
export type HorizonConfig = { kind: 'end-of-day-utc' } | { kind: 'rolling'; tauS: number };

const MS_PER_DAY = 86_400_000;

// The next midnight of the last day asked, and the times it is reused for. τ is asked on every quote and the day
// changes once a day, so the division and the floor run once a day. The reuse stops 1 ms short of both ends of
// the day: there floor(nowMs / day) is that day whatever the division's last-bit rounding (it moves the quotient
// by under 0.1 ms's worth below 1e15 ms, year 33000), so τ is the same double as computed afresh.
let dayFromMs = Number.NaN;
let dayToMs = Number.NaN;
let dayNextMidnightMs = Number.NaN;
const CACHED_DAYS_MAX_MS = 1e15;

/** τ in seconds at `nowMs` (Unix ms). End of day: in (0, 86400]; exactly 86400 at midnight. */
export function horizonSeconds(horizon: HorizonConfig, nowMs: number): number {
  if (horizon.kind === 'rolling') return horizon.tauS;
  if (nowMs >= dayFromMs && nowMs < dayToMs) return (dayNextMidnightMs - nowMs) / 1000;
  const nextMidnightMs = (Math.floor(nowMs / MS_PER_DAY) + 1) * MS_PER_DAY;
  if (Math.abs(nowMs) < CACHED_DAYS_MAX_MS) {
    dayNextMidnightMs = nextMidnightMs;
    dayFromMs = nextMidnightMs - MS_PER_DAY + 1;
    dayToMs = nextMidnightMs - 1;
  }
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
