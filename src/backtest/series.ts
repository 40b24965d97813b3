/**
 * Bounded time series for charts: one row per time bucket (the last values seen in it). When the buffer is
 * full, every other row is dropped and the bucket width doubles, so memory stays at `capacity` rows however
 * long the run is, and the rows stay evenly spread over time.
 */
export class BucketedSeries {
  readonly t: Float64Array;
  readonly cols: Float64Array[];
  /** 1 = the row is a gap marker (breakAt): compaction keeps it, so a hole in the data stays a hole. */
  private readonly gap: Uint8Array;
  length = 0;
  private bucketMs: number;
  private bucketEnd = Number.NEGATIVE_INFINITY;

  constructor(
    readonly capacity: number,
    columns: number,
    initialBucketMs = 1000,
  ) {
    if (capacity < 2) throw new RangeError('capacity must be ≥ 2');
    this.t = new Float64Array(capacity);
    this.cols = Array.from({ length: columns }, () => new Float64Array(capacity));
    this.gap = new Uint8Array(capacity);
    this.bucketMs = initialBucketMs;
  }

  /** Records the values at time `tMs` (non-decreasing). */
  push(tMs: number, values: readonly number[]): void {
    let i: number;
    if (tMs < this.bucketEnd && this.length > 0) {
      i = this.length - 1; // same bucket: keep the latest values
    } else {
      if (this.length === this.capacity) this.compact();
      i = this.length++;
      this.bucketEnd = (Math.floor(tMs / this.bucketMs) + 1) * this.bucketMs;
    }
    this.t[i] = tMs;
    this.gap[i] = 0;
    for (let c = 0; c < this.cols.length; c++) this.cols[c][i] = values[c];
  }

  /**
   * Marks a gap in the data at `tMs` (a NaN row, so charts do not draw a line across it) unless that would
   * land in the bucket of the last row (then the gap is below the chart's resolution anyway).
   */
  breakAt(tMs: number): void {
    if (this.length === 0 || tMs < this.bucketEnd) return;
    this.push(
      tMs,
      this.cols.map(() => Number.NaN),
    );
    this.gap[this.length - 1] = 1;
  }

  /** Plain arrays of the rows kept: [t, col0, col1, …]. */
  toArrays(): number[][] {
    const out = [Array.from(this.t.subarray(0, this.length))];
    for (const c of this.cols) out.push(Array.from(c.subarray(0, this.length)));
    return out;
  }

  private compact(): void {
    // Keep the later row of each pair (the last value of the merged bucket), or its gap marker: dropping a
    // marker would draw a line across a hole in the data.
    let j = 0;
    for (let i = 1; i < this.length; i += 2, j++) {
      const k = this.gap[i - 1] === 1 ? i - 1 : i;
      this.t[j] = this.t[k];
      this.gap[j] = this.gap[k];
      for (const c of this.cols) c[j] = c[k];
    }
    this.length = j;
    this.bucketMs *= 2;
    this.bucketEnd = (Math.floor(this.t[j - 1] / this.bucketMs) + 1) * this.bucketMs;
  }
}

/** Bounded list of points (e.g. fills): when full, drop every other point and keep only every 2nd new one. */
export class ThinnedPoints<T> {
  readonly items: T[] = [];
  private stride = 1;
  private seen = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.items.length === this.capacity) {
      let j = 0;
      for (let i = 1; i < this.items.length; i += 2) this.items[j++] = this.items[i];
      this.items.length = j;
      this.stride *= 2;
    }
    this.items.push(item);
  }

  /** Points offered in total (kept or not). */
  get offered(): number {
    return this.seen;
  }
}
