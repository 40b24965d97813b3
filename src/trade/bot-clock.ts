import type { Clock, TimerId } from '../engine/clock.ts';

/**
 * The two clocks of `hlmm trade` that run on the machine's time (the third, `SimulatedClock`, is in
 * src/engine/clock.ts). Both implement the engine's `Clock`: now + timers in bot time.
 *
 * - Live (`WallClock`): the machine's wall clock. Hyperliquid stamps its messages with its own clock; a healthy
 *   NTP-synced host stays within tens of ms of it, which is far below the 1 s re-quote interval.
 * - Replay (`ReplayFollowClock`): follows the replayed exchange time. Each market message sets the clock to its
 *   exchange time (never backwards); between messages the clock advances with the wall clock scaled by the replay
 *   speed, so a quiet replayed minute still lasts a minute of exchange time and timers (re-quote, stale data,
 *   horizon) behave as they would live. A timer of d bot ms waits d ÷ speed wall ms. ASSUMES the replay runs at a
 *   constant `speed` exchange-ms per wall-ms.
 */
/**
 * The fastest `trade --replay --speed`: 10,000 exchange seconds per wall second already replays a day in under
 * 9 s. Beyond it the bot's timers (re-quote, funding, stale data) cannot keep up with the clock and a run stops
 * answering signals.
 */
export const MAX_REPLAY_SPEED = 10_000;

/**
 * How far the replay-following clock may run ahead of the last exchange stamp between messages (exchange ms).
 * A silent replay (a fault, a stalled stand-in) must still age the data past any stale-data limit, as a silent
 * market does live, so the cap is well above those (15 min); it keeps a stalled or very fast replay from moving
 * the bot clock years ahead (and booking years of funding) — at most one funding hour is crossed.
 */
export const MAX_REPLAY_LEAD_MS = 15 * 60_000;

export interface BotClock extends Clock {
  /** A market message stamped `exchMs` arrived. */
  observe(exchMs: number): void;
  /** Wall ms that correspond to `exchangeMs` of bot time (timers of Node are set in wall time). */
  wallMsFor(exchangeMs: number): number;
  /** Bot ms that pass in `wallMs` of wall time. */
  botMsFor(wallMs: number): number;
}

/** Node's timers behind a TimerId (one map per clock). */
class NodeTimers {
  private readonly handles = new Map<TimerId, NodeJS.Timeout>();
  private nextId = 1;

  timeout(fn: () => void, wallMs: number): TimerId {
    const id = this.nextId++;
    this.handles.set(
      id,
      setTimeout(() => {
        this.handles.delete(id);
        fn();
      }, wallMs),
    );
    return id;
  }

  interval(fn: () => void, wallMs: number): TimerId {
    const id = this.nextId++;
    this.handles.set(id, setInterval(fn, wallMs));
    return id;
  }

  clear(id: TimerId): void {
    const h = this.handles.get(id);
    if (h === undefined) return;
    clearTimeout(h);
    this.handles.delete(id);
  }
}

export class WallClock implements BotClock {
  private readonly timers = new NodeTimers();
  constructor(private readonly wallNowMs: () => number = Date.now) {}
  nowMs(): number {
    return this.wallNowMs();
  }
  observe(_exchMs: number): void {}
  wallMsFor(exchangeMs: number): number {
    return exchangeMs;
  }
  botMsFor(wallMs: number): number {
    return wallMs;
  }
  setTimeout(fn: () => void, delayMs: number): TimerId {
    return this.timers.timeout(fn, delayMs);
  }
  setInterval(fn: () => void, periodMs: number): TimerId {
    return this.timers.interval(fn, periodMs);
  }
  clearTimer(id: TimerId): void {
    this.timers.clear(id);
  }
}

/**
 * A replay timer waits at least this many wall ms. A busy machine delays the processing of messages by a few to
 * tens of ms; at --speed 600 a 10 ms delay is 6 s of bot time, so finer timers would read that delay as a silent
 * market (stale book, stale data) and pull quotes the recording never pulled. 20 ms wall = 1.2 s of bot time at
 * 60×, 12 s at 600×: fast replays re-quote in silences more coarsely than live.
 */
const MIN_REPLAY_TIMER_WALL_MS = 20;

export class ReplayFollowClock implements BotClock {
  private anchorExchMs = Number.NaN;
  private anchorWallMs = 0;
  private readonly timers = new NodeTimers();

  constructor(
    /** Exchange ms per wall ms (the replay's --speed; 0 = firehose: time is only what messages say). */
    readonly speed: number,
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  nowMs(): number {
    if (Number.isNaN(this.anchorExchMs)) return Number.NaN;
    if (this.speed <= 0) return this.anchorExchMs;
    return (
      this.anchorExchMs + Math.min((this.wallNowMs() - this.anchorWallMs) * this.speed, MAX_REPLAY_LEAD_MS)
    );
  }

  observe(exchMs: number): void {
    // Never backwards: an exchange stamp older than the extrapolated time only re-anchors when it is ahead.
    const now = this.nowMs();
    if (Number.isNaN(now) || exchMs > now) {
      this.anchorExchMs = exchMs;
      this.anchorWallMs = this.wallNowMs();
    }
  }

  wallMsFor(exchangeMs: number): number {
    return this.speed > 0 ? exchangeMs / this.speed : exchangeMs;
  }

  botMsFor(wallMs: number): number {
    return this.speed > 0 ? wallMs * this.speed : wallMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerId {
    return this.timers.timeout(fn, Math.max(MIN_REPLAY_TIMER_WALL_MS, this.wallMsFor(delayMs)));
  }

  setInterval(fn: () => void, periodMs: number): TimerId {
    return this.timers.interval(fn, Math.max(MIN_REPLAY_TIMER_WALL_MS, this.wallMsFor(periodMs)));
  }

  clearTimer(id: TimerId): void {
    this.timers.clear(id);
  }
}
