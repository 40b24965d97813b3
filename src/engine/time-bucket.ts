/**
 * floor(t / sizeMs) — the minute or UTC day of a time — with the division skipped while t stays in the bucket of
 * the last call: the account and the backtest ledger ask it on every market event, and the bucket changes once a
 * minute (or day). The reused window ends 1 ms short of the next bucket, so the division's rounding can never
 * make the answer differ from floor(t / sizeMs) (ASSUMES sizeMs ≥ 1 s and times below 2^52 ms: the quotient's
 * rounding error is then far below 1 ms ÷ sizeMs).
 */
export class TimeBucket {
  private index = Number.NaN;
  private loMs = Number.NaN;
  private hiMs = Number.NaN;

  constructor(private readonly sizeMs: number) {}

  /** The bucket number of `tMs` (NaN for NaN). */
  of(tMs: number): number {
    if (tMs >= this.loMs && tMs < this.hiMs) return this.index;
    const i = Math.floor(tMs / this.sizeMs);
    this.index = i;
    this.loMs = i * this.sizeMs;
    this.hiMs = (i + 1) * this.sizeMs - 1;
    return i;
  }
}
