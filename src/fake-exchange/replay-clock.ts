/**
 * The fake exchange's notion of "now" in exchange time (Unix ms). Replay maps wall time onto recorded time:
 * exchange time = startExchMs + (wall − wallStart) × speed. With speed 0 ("max", the firehose) there is no
 * mapping: the clock is wherever the replay has got to, as fast as the clients can take it.
 * Anything that needs the exchange's current time (a later order-entry endpoint stamping fills, /info answers)
 * reads it here, never Date.now().
 */
export class ReplayClock {
  private startExchMs = Number.NaN;
  private wallStartMs = 0;
  /** Latest exchange time the replay has emitted (the clock in firehose mode). */
  private cursorMs = Number.NaN;
  /**
   * Exchange time of the event the replay is waiting to emit, NaN when it waits for none. Order entry reads it so
   * an order whose entry latency ends after that event is not executed before it (its timer racing the replay).
   */
  nextEventMs = Number.NaN;

  constructor(
    /** Exchange ms per wall ms; 0 = firehose. */
    readonly speed: number,
    private readonly wallNowMs: () => number = Date.now,
  ) {
    if (!(speed >= 0) || !Number.isFinite(speed))
      throw new RangeError('speed must be ≥ 0 (0 = as fast as possible)');
  }

  get firehose(): boolean {
    return this.speed === 0;
  }

  get started(): boolean {
    return !Number.isNaN(this.startExchMs);
  }

  /** Anchors exchange time `exchMs` to the wall clock's now (at the first event, and after a loop restarts). */
  anchor(exchMs: number): void {
    this.startExchMs = exchMs;
    this.wallStartMs = this.wallNowMs();
    this.cursorMs = exchMs;
  }

  /** Records that the replay has emitted everything up to `exchMs`. */
  advanceTo(exchMs: number): void {
    if (!(exchMs <= this.cursorMs)) this.cursorMs = exchMs;
  }

  /** Current exchange time, Unix ms (NaN before the replay starts). */
  nowMs(): number {
    if (this.firehose || !this.started) return this.cursorMs;
    return this.startExchMs + (this.wallNowMs() - this.wallStartMs) * this.speed;
  }

  /** Wall ms until exchange time `exchMs` is due (≤ 0: due now). */
  wallMsUntil(exchMs: number): number {
    if (this.firehose || !this.started) return 0;
    return (exchMs - this.nowMs()) / this.speed;
  }
}
