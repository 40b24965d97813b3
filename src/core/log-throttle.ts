/**
 * Keeps a noisy warning (malformed frames, unknown channels) from flooding the log: the first occurrence of
 * each kind is logged at once, later ones at most once per `intervalMs`, carrying how many were suppressed.
 */
export class LogThrottle {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(private readonly intervalMs = 10_000) {}

  /** Returns the number of suppressed occurrences to report (≥ 0) when this one should be logged, else null. */
  shouldLog(kind: string, nowMs: number): number | null {
    const entry = this.last.get(kind);
    if (entry === undefined) {
      // Bounded: kinds are a handful of fixed reasons plus unknown channel names; cap the table anyway.
      if (this.last.size >= 1_000) this.last.clear();
      this.last.set(kind, { atMs: nowMs, suppressed: 0 });
      return 0;
    }
    if (nowMs - entry.atMs >= this.intervalMs) {
      const suppressed = entry.suppressed;
      entry.atMs = nowMs;
      entry.suppressed = 0;
      return suppressed;
    }
    entry.suppressed++;
    return null;
  }
}

/**
 * One warning line per reason per interval for something that can happen many times a second (local order
 * refusals while the exchange is frozen): the first at once, then at most one per `intervalMs` carrying how
 * many items were refused since the previous line.
 */
export class ThrottledCountWarning {
  private readonly throttle: LogThrottle;
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
    private readonly message: string,
    intervalMs = 10_000,
  ) {
    this.throttle = new LogThrottle(intervalMs);
  }

  note(reason: string, items: number, nowMs: number): void {
    const total = (this.pending.get(reason) ?? 0) + items;
    if (this.throttle.shouldLog(reason, nowMs) === null) {
      this.pending.set(reason, total);
      return;
    }
    this.pending.delete(reason);
    this.warn(`${this.message}: ${reason}`, { orders: total });
  }
}
