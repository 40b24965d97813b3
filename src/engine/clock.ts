/**
 * The bot's clock: "now" (Unix ms) and timers, in bot time. The engine, the strategy and the fill model read time
 * only from here and own no timers of their own, so one engine runs in three worlds by swapping the clock:
 *
 * - `SimulatedClock` (backtests, and paper trading fed recorded events in process): time is what the driver says
 *   (`advanceTo` an event's exchange time); timers fire in time order while it advances. No wall time at all, so a
 *   day replays in a second and every run is reproducible.
 * - `WallClock` (live): the machine's clock and Node's timers (src/trade/bot-clock.ts).
 * - `ReplayFollowClock` (`hlmm trade --replay`): follows the replayed exchange time (src/trade/bot-clock.ts).
 */
export type TimerId = number;

export interface Clock {
  /** Bot time, Unix ms; NaN while unknown (a replay before its first message). */
  nowMs(): number;
  /** Calls `fn` once, `delayMs` of bot time from now. */
  setTimeout(fn: () => void, delayMs: number): TimerId;
  /** Calls `fn` every `periodMs` of bot time. */
  setInterval(fn: () => void, periodMs: number): TimerId;
  clearTimer(id: TimerId): void;
}

interface SimTimer {
  id: TimerId;
  dueMs: number;
  /** Order of creation: timers due at the same ms fire in the order they were set. */
  seq: number;
  periodMs: number;
  fn: () => void;
}

/**
 * Simulated time. `advanceTo(t)` fires every timer due STRICTLY BEFORE t (each with the clock set to its due
 * time), then sets the clock to t: a market event at t is applied before a timer due at the same ms (a timer is
 * the bot noticing silence; at t there was no silence). `runTimersThrough(t)` includes timers due at t (end of a
 * run). Time never goes back. Timers live in a sorted array: an engine holds two or three.
 */
export class SimulatedClock implements Clock {
  private now: number;
  private readonly timers: SimTimer[] = [];
  private nextId = 1;
  private seq = 0;
  /** Due time of the earliest timer (+∞ when none): the hot path compares against this only. */
  private nextDueMs = Number.POSITIVE_INFINITY;

  constructor(startMs = Number.NaN) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  /** Moves the clock to `t` (never back), firing the timers due before it. */
  advanceTo(t: number): void {
    if (t >= this.nextDueMs) this.fire(t, false);
    if (t > this.now || Number.isNaN(this.now)) this.now = t;
  }

  /** Fires every timer due at or before `t` and moves the clock there. */
  runTimersThrough(t: number): void {
    if (t >= this.nextDueMs) this.fire(t, true);
    if (t > this.now || Number.isNaN(this.now)) this.now = t;
  }

  setTimeout(fn: () => void, delayMs: number): TimerId {
    return this.add(fn, delayMs, 0);
  }

  setInterval(fn: () => void, periodMs: number): TimerId {
    if (!(periodMs > 0))
      throw new Error(`SimulatedClock.setInterval: period must be > 0 ms, got ${periodMs}`);
    return this.add(fn, periodMs, periodMs);
  }

  clearTimer(id: TimerId): void {
    const i = this.timers.findIndex((x) => x.id === id);
    if (i < 0) return;
    this.timers.splice(i, 1);
    this.nextDueMs = this.timers.length > 0 ? this.timers[0].dueMs : Number.POSITIVE_INFINITY;
  }

  /** Timers waiting (tests). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private add(fn: () => void, delayMs: number, periodMs: number): TimerId {
    const base = Number.isNaN(this.now) ? 0 : this.now;
    const timer: SimTimer = {
      id: this.nextId++,
      dueMs: base + Math.max(0, delayMs),
      seq: this.seq++,
      periodMs,
      fn,
    };
    this.insert(timer);
    return timer.id;
  }

  private insert(timer: SimTimer): void {
    const timers = this.timers;
    let i = timers.length;
    while (i > 0 && timers[i - 1].dueMs > timer.dueMs) i--;
    timers.splice(i, 0, timer);
    this.nextDueMs = timers[0].dueMs;
  }

  private fire(t: number, inclusive: boolean): void {
    const timers = this.timers;
    while (timers.length > 0) {
      const head = timers[0];
      if (inclusive ? head.dueMs > t : head.dueMs >= t) break;
      timers.shift();
      this.nextDueMs = timers.length > 0 ? timers[0].dueMs : Number.POSITIVE_INFINITY;
      if (head.dueMs > this.now || Number.isNaN(this.now)) this.now = head.dueMs;
      if (head.periodMs > 0) {
        head.dueMs += head.periodMs;
        head.seq = this.seq++;
        this.insert(head);
      }
      head.fn();
    }
  }
}
