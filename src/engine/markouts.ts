import type { MarketEvent, Side } from '../core/market.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';

/**
 * Markouts (adverse selection) of our fills, the same module in the backtest and in the running bot: a subscriber
 * of the engine's event stream, driven by event time only (fill times and mid updates; no wall clock).
 *
 * For a fill at time t, price px, side s, with m(t) the mid in force at t (the last BBO mid before the event that
 * filled us) and m(t + h) the mid in force at t + h (the last BBO mid at or before t + h):
 *
 *   mid move at h   = sign × (m(t + h) − m(t))        USDC per unit of base
 *   vs fill price h = sign × (m(t + h) − px)           USDC per unit (the spread we earned plus the mid move)
 *   in bps          = value ÷ m(t) × 10 000
 *
 * with sign = +1 for a buy and −1 for a sell, so POSITIVE = GOOD FOR US (the market moved our way after the
 * fill) and a negative mean mid move is adverse selection: we were filled just before the mid moved against us.
 *
 * ASSUMES the mid is (best bid + best ask) ÷ 2 of the BBO stream and that no BBO between two updates means the mid
 * did not move. A fill before the first BBO has no m(t) and is not measured; a fill whose horizon runs past the
 * last mid update seen so far is "pending" (the end of a backtest leaves the last minute's fills pending).
 */

/** The horizons, seconds: 1 s (the queue's immediate toxicity), 10 s and 60 s (the inventory's risk). */
export const MARKOUT_HORIZONS_S = [1, 10, 60] as const;

export interface MarkoutStats {
  /** Fills measured at this horizon. */
  count: number;
  /** Mean signed mid move, USDC per unit of base (positive = good for us); NaN with no fill. */
  meanMoveQuote: number;
  /** Mean signed mid move in basis points of the mid at the fill. */
  meanMoveBps: number;
  /** 10th, 50th and 90th percentile of the signed mid move, USDC per unit (linear interpolation). */
  p10MoveQuote: number;
  p50MoveQuote: number;
  p90MoveQuote: number;
  p10MoveBps: number;
  p50MoveBps: number;
  p90MoveBps: number;
  /** Mean signed markout against the fill price (spread earned + mid move), USDC per unit and bps. */
  meanVsFillQuote: number;
  meanVsFillBps: number;
  /** Share of measured fills whose mid move was negative (against us), 0–1. */
  adverseShare: number;
}

export interface MarkoutSummary {
  horizons: Array<MarkoutStats & { horizonS: number }>;
  /** Fills seen in total. */
  fills: number;
  /** Fills before any mid was known (never measured). */
  unmeasured: number;
  /** Fills still waiting for their longest horizon. */
  pending: number;
  /** The statistics cover at most this many of the latest fills per horizon (older ones are dropped). */
  window: number;
}

/** Linear-interpolation quantile (type 7) of an ascending array; NaN when empty. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Statistics of one horizon's signed moves (quote per unit and bps, same order) and markouts vs the fill price. */
export function markoutStats(
  moveQuote: readonly number[],
  moveBps: readonly number[],
  vsFillQuote: readonly number[],
  vsFillBps: readonly number[],
): MarkoutStats {
  const mean = (xs: readonly number[]) =>
    xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
  const q = [...moveQuote].sort((a, b) => a - b);
  const b = [...moveBps].sort((x, y) => x - y);
  return {
    count: moveQuote.length,
    meanMoveQuote: mean(moveQuote),
    meanMoveBps: mean(moveBps),
    p10MoveQuote: quantileSorted(q, 0.1),
    p50MoveQuote: quantileSorted(q, 0.5),
    p90MoveQuote: quantileSorted(q, 0.9),
    p10MoveBps: quantileSorted(b, 0.1),
    p50MoveBps: quantileSorted(b, 0.5),
    p90MoveBps: quantileSorted(b, 0.9),
    meanVsFillQuote: mean(vsFillQuote),
    meanVsFillBps: mean(vsFillBps),
    adverseShare:
      moveQuote.length === 0 ? Number.NaN : moveQuote.filter((x) => x < 0).length / moveQuote.length,
  };
}

interface PendingFill {
  dueMs: number;
  sign: 1 | -1;
  px: number;
  mid: number;
}

/** One horizon: the fills waiting for t + h (due times ascend, fills come in time order) and the results. */
class Horizon {
  readonly queue: PendingFill[] = [];
  head = 0;
  readonly moveQuote: number[] = [];
  readonly moveBps: number[] = [];
  readonly vsFillQuote: number[] = [];
  readonly vsFillBps: number[] = [];

  constructor(
    readonly ms: number,
    private readonly window: number,
  ) {}

  /** Resolves the fills due at or before `tMs` (strictly before when `strict`) with `mid`. */
  resolve(tMs: number, mid: number, strict: boolean): void {
    const q = this.queue;
    while (this.head < q.length) {
      const f = q[this.head];
      if (strict ? f.dueMs >= tMs : f.dueMs > tMs) break;
      this.head++;
      const move = f.sign * (mid - f.mid);
      const vs = f.sign * (mid - f.px);
      this.record(move, (move / f.mid) * 1e4, vs, (vs / f.mid) * 1e4);
    }
    // Drop the resolved prefix now and then (amortised O(1)).
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  private record(mq: number, mb: number, vq: number, vb: number): void {
    this.moveQuote.push(mq);
    this.moveBps.push(mb);
    this.vsFillQuote.push(vq);
    this.vsFillBps.push(vb);
    if (this.moveQuote.length > this.window * 2) {
      // Keep the latest `window` (trimmed in chunks so a long-running bot does not shift on every fill).
      const cut = this.moveQuote.length - this.window;
      for (const xs of [this.moveQuote, this.moveBps, this.vsFillQuote, this.vsFillBps]) xs.splice(0, cut);
    }
  }

  stats(): MarkoutStats {
    const w = this.window;
    const tail = (xs: number[]) => (xs.length > w ? xs.slice(xs.length - w) : xs);
    return markoutStats(
      tail(this.moveQuote),
      tail(this.moveBps),
      tail(this.vsFillQuote),
      tail(this.vsFillBps),
    );
  }
}

export class MarkoutTracker implements EngineSubscriber {
  private readonly horizons: Horizon[];
  private mid = Number.NaN;
  /** Earliest due time of a waiting fill over the horizons, +∞ when none waits: most events skip the horizons. */
  private nextDueMs = Number.POSITIVE_INFINITY;
  private fills = 0;
  private unmeasured = 0;
  readonly window: number;

  /**
   * @param horizonsS horizons in seconds (default 1, 10, 60)
   * @param window statistics over at most this many latest fills per horizon (a backtest keeps all: Infinity)
   */
  constructor(horizonsS: readonly number[] = MARKOUT_HORIZONS_S, window = Number.POSITIVE_INFINITY) {
    this.window = window;
    this.horizons = horizonsS.map((s) => new Horizon(s * 1000, window));
  }

  /** Bot time moved to `nowMs` with no new mid: the fills due before it are measured with the mid in force. */
  clock(nowMs: number): void {
    if (Number.isNaN(this.mid) || !(this.nextDueMs < nowMs)) return;
    this.resolveAll(nowMs, this.mid, true);
  }

  market(ev: MarketEvent): void {
    if (ev.kind === 'bbo') this.onMid(ev.exchMs, (ev.bidPx + ev.askPx) / 2);
  }

  fill(f: EngineFill): void {
    this.onFill(f.exchMs, f.side, f.px);
  }

  /** A new mid at `tMs`: fills due before `tMs` take the previous mid, those due exactly at `tMs` this one. */
  onMid(tMs: number, mid: number): void {
    if (!Number.isNaN(this.mid)) this.clock(tMs);
    this.mid = mid;
    if (this.nextDueMs <= tMs) this.resolveAll(tMs, mid, false);
  }

  private resolveAll(tMs: number, mid: number, strict: boolean): void {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.horizons.length; i++) {
      const h = this.horizons[i];
      if (h.head < h.queue.length) h.resolve(tMs, mid, strict);
      if (h.head < h.queue.length && h.queue[h.head].dueMs < next) next = h.queue[h.head].dueMs;
    }
    this.nextDueMs = next;
  }

  /** One of our fills at `tMs` (exchange time), measured against the mid in force then. */
  onFill(tMs: number, side: Side, px: number): void {
    this.fills++;
    if (Number.isNaN(this.mid)) {
      this.unmeasured++;
      return;
    }
    const sign = side === 'buy' ? 1 : -1;
    for (const h of this.horizons) {
      const dueMs = tMs + h.ms;
      h.queue.push({ dueMs, sign, px, mid: this.mid });
      if (dueMs < this.nextDueMs) this.nextDueMs = dueMs;
    }
  }

  summary(): MarkoutSummary {
    return {
      horizons: this.horizons.map((h) => ({ horizonS: h.ms / 1000, ...h.stats() })),
      fills: this.fills,
      unmeasured: this.unmeasured,
      pending: this.horizons.reduce((m, h) => Math.max(m, h.pending), 0),
      window: this.window,
    };
  }
}

/** The summary as JSON (snake_case, NaN → null): `backtest --json`'s `markouts` and GET /api/v1/hlmm/markouts. */
export function markoutsJson(s: MarkoutSummary): Record<string, unknown> {
  const n = (x: number, d = 6) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
  return {
    sign: 'positive = good for us (buy: mid rose after the fill; sell: mid fell)',
    fills: s.fills,
    unmeasured: s.unmeasured,
    pending: s.pending,
    window: Number.isFinite(s.window) ? s.window : null,
    horizons: s.horizons.map((h) => ({
      horizon_s: h.horizonS,
      count: h.count,
      mean_usdc: n(h.meanMoveQuote),
      mean_bps: n(h.meanMoveBps, 4),
      p10_usdc: n(h.p10MoveQuote),
      p50_usdc: n(h.p50MoveQuote),
      p90_usdc: n(h.p90MoveQuote),
      p10_bps: n(h.p10MoveBps, 4),
      p50_bps: n(h.p50MoveBps, 4),
      p90_bps: n(h.p90MoveBps, 4),
      vs_fill_mean_usdc: n(h.meanVsFillQuote),
      vs_fill_mean_bps: n(h.meanVsFillBps, 4),
      adverse_share: n(h.adverseShare, 4),
    })),
  };
}
