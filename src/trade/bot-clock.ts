/**
 * The bot's notion of "now" (Unix ms), the time the strategy, the stale-data guard and the A–S horizon see.
 *
 * - Live (`WallClock`): the machine's wall clock. Hyperliquid stamps its messages with its own clock; a healthy
 *   NTP-synced host stays within tens of ms of it, which is far below the 1 s re-quote interval.
 * - Replay (`ReplayFollowClock`): follows the replayed exchange time. Each market message sets the clock to its
 *   exchange time (never backwards); between messages the clock advances with the wall clock scaled by the replay
 *   speed, so a quiet replayed minute still lasts a minute of exchange time and timers (re-quote, stale data,
 *   horizon) behave as they would live. ASSUMES the replay runs at a constant `speed` exchange-ms per wall-ms.
 */
/**
 * The fastest `trade --replay --speed`: 10,000 exchange seconds per wall second already replays a day in under
 * 9 s. Beyond it the bot's timers (re-quote, funding, stale data) cannot keep up with the clock and a run stops
 * answering signals.
 */
export const MAX_REPLAY_SPEED = 10_000;

/**
 * How far the replay-following clock may run ahead of the last exchange stamp between messages (exchange ms).
 * The replay never leaves a hole longer than its --max-gap-s (10 s by default), so a minute is generous; the cap
 * keeps a stalled or very fast replay from moving the bot clock years ahead (and booking years of funding).
 */
export const MAX_REPLAY_LEAD_MS = 60_000;

export interface BotClock {
  nowMs(): number;
  /** A market message stamped `exchMs` arrived. */
  observe(exchMs: number): void;
  /** Wall ms that correspond to `exchangeMs` of bot time (timers are set in wall time). */
  wallMsFor(exchangeMs: number): number;
}

export class WallClock implements BotClock {
  constructor(private readonly wallNowMs: () => number = Date.now) {}
  nowMs(): number {
    return this.wallNowMs();
  }
  observe(_exchMs: number): void {}
  wallMsFor(exchangeMs: number): number {
    return exchangeMs;
  }
}

export class ReplayFollowClock implements BotClock {
  private anchorExchMs = Number.NaN;
  private anchorWallMs = 0;

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
}
