import type { MarketEvent } from '../core/market.ts';
import type { DesiredQuotes } from '../strategy/types.ts';
import type { ParamsView } from './bot-view.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';
import { MarkoutTracker } from './markouts.ts';

/**
 * What the running bot keeps in memory for the dashboard to open on, all on the BOT'S clock (exchange time in a
 * replay, the wall clock live), as a subscriber of the engine's event stream:
 * - the market and our quotes, one row per bot second (best bid, best ask, our bid, our ask; the last value of the
 *   second), for the last `spanMs` (2 h). "Our" bid and ask are the orders resting at the venue when a reader of
 *   them is given (what really rests), else the strategy's latest answer;
 * - our latest fills (price, side, size) for the chart's markers;
 * - the parameters in force and when they took effect on the bot clock (parameters loaded before the first
 *   market event take effect at the first bot time seen);
 * - the markouts of our fills (src/engine/markouts.ts), over the latest 10 000 fills.
 * ASSUMES a pause of more than `GAP_MS` without a BBO is a hole in the data (a disconnect, a stalled replay), drawn
 * as a gap: the history puts null values there, so no chart line is drawn across it.
 */
export const HISTORY_STEP_MS = 1000;
export const HISTORY_SPAN_MS = 2 * 3_600_000;
export const GAP_MS = 30_000;
const MAX_FILLS = 2000;
const MAX_PARAMS = 500;

export interface HistoryRows {
  /** Bot time of each row, Unix ms. */
  tMs: number[];
  /** Best bid / ask of the market, USDC; null = no data (a gap). */
  bidPx: (number | null)[];
  askPx: (number | null)[];
  /** Our desired bid / ask (what the strategy quoted), USDC; null = that side withheld or a gap. */
  ourBidPx: (number | null)[];
  ourAskPx: (number | null)[];
}

export interface HistoryFill {
  tMs: number;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
}

export interface HistoryParams {
  /** Bot time from which these parameters were in force, Unix ms. */
  tMs: number;
  sigma: number;
  A: number;
  k: number;
  gamma: number;
  source: string | null;
}

export interface MarketHistoryView {
  /** The bot's clock now (the latest bot time seen), Unix ms; null before any. */
  nowMs: number | null;
  stepMs: number;
  gapMs: number;
  rows: HistoryRows;
  fills: HistoryFill[];
  params: HistoryParams[];
}

export class BotInsight implements EngineSubscriber {
  readonly markouts = new MarkoutTracker(undefined, 10_000);
  private readonly capacity: number;
  private readonly t: Float64Array;
  private readonly cols: Float64Array[];
  private start = 0;
  private length = 0;
  private nowMs = Number.NaN;
  private bid = Number.NaN;
  private ask = Number.NaN;
  private ourBid = Number.NaN;
  private ourAsk = Number.NaN;
  private lastBboMs = Number.NaN;
  private readonly fillsRing: HistoryFill[] = [];
  private readonly paramsList: HistoryParams[] = [];
  private pendingParams: ParamsView | null = null;

  constructor(
    /** Our orders resting at the venue now (the engine's openOrders); absent = the strategy's answers. */
    private readonly resting: (() => readonly { side: 'buy' | 'sell'; px: number }[]) | null = null,
    private readonly spanMs = HISTORY_SPAN_MS,
    private readonly stepMs = HISTORY_STEP_MS,
  ) {
    this.capacity = Math.ceil(spanMs / stepMs) + 2;
    this.t = new Float64Array(this.capacity);
    this.cols = [0, 1, 2, 3].map(() => new Float64Array(this.capacity));
  }

  clock(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    this.nowMs = Number.isFinite(this.nowMs) ? Math.max(this.nowMs, nowMs) : nowMs;
    this.markouts.clock(nowMs);
    if (this.pendingParams !== null) {
      const p = this.pendingParams;
      this.pendingParams = null;
      this.params(p);
    }
  }

  market(ev: MarketEvent): void {
    this.markouts.market(ev);
    if (ev.kind !== 'bbo') return;
    const t = ev.exchMs;
    if (Number.isFinite(this.lastBboMs) && t - this.lastBboMs > GAP_MS) this.push(this.lastBboMs + 1, true);
    this.lastBboMs = t;
    this.bid = ev.bidPx;
    this.ask = ev.askPx;
    this.push(t, false);
  }

  quote(q: DesiredQuotes, _nowMs: number): void {
    if (this.resting !== null) return;
    this.ourBid = q.bid?.px ?? Number.NaN;
    this.ourAsk = q.ask?.px ?? Number.NaN;
    // On the market's time of the book the strategy answered (the bot clock live may run a little ahead of it).
    if (Number.isFinite(this.lastBboMs)) this.push(this.lastBboMs, false);
  }

  fill(f: EngineFill): void {
    this.markouts.fill(f);
    this.fillsRing.push({ tMs: f.exchMs, side: f.side, px: f.px, sz: f.sz });
    if (this.fillsRing.length > MAX_FILLS) this.fillsRing.splice(0, this.fillsRing.length - MAX_FILLS);
  }

  params(view: ParamsView): void {
    if (view.current === null) return;
    if (!Number.isFinite(this.nowMs)) {
      this.pendingParams = view; // in force from the first bot time seen
      return;
    }
    this.paramsList.push({ tMs: this.nowMs, ...view.current, source: view.source });
    if (this.paramsList.length > MAX_PARAMS) this.paramsList.shift();
  }

  /**
   * The history of the last `spanMs` of bot time (default: all kept); with `afterMs`, only the rows and fills
   * stamped after it (a client that already has the rest polls for what is new).
   */
  history(spanMs = this.spanMs, afterMs = Number.NEGATIVE_INFINITY): MarketHistoryView {
    const rows: HistoryRows = { tMs: [], bidPx: [], askPx: [], ourBidPx: [], ourAskPx: [] };
    const now = Number.isFinite(this.nowMs) ? this.nowMs : null;
    const from = now === null ? Number.NEGATIVE_INFINITY : now - spanMs;
    const first = Math.max(from, afterMs + 1); // times are whole ms
    const v = (x: number) => (Number.isFinite(x) ? x : null);
    for (let i = 0; i < this.length; i++) {
      const j = (this.start + i) % this.capacity;
      if (this.t[j] < first) continue;
      rows.tMs.push(this.t[j]);
      rows.bidPx.push(v(this.cols[0][j]));
      rows.askPx.push(v(this.cols[1][j]));
      rows.ourBidPx.push(v(this.cols[2][j]));
      rows.ourAskPx.push(v(this.cols[3][j]));
    }
    // The parameters in force at the window's start, then every change inside it.
    const params: HistoryParams[] = [];
    for (const p of this.paramsList) {
      if (p.tMs < from) params[0] = { ...p, tMs: Math.max(p.tMs, from) };
      else params.push(p);
    }
    return {
      nowMs: now,
      stepMs: this.stepMs,
      gapMs: GAP_MS,
      rows,
      fills: this.fillsRing.filter((f) => f.tMs >= first),
      params,
    };
  }

  /** One row per step: a new step appends, the same step overwrites (last value wins); `gap` writes nulls. */
  private push(at: number, gap: boolean): void {
    const last0 = this.length > 0 ? this.t[(this.start + this.length - 1) % this.capacity] : at;
    const tMs = Math.max(at, last0); // rows in time order whatever the sources' clocks
    if (!Number.isFinite(this.nowMs) || tMs > this.nowMs) this.nowMs = tMs;
    const last = this.length > 0 ? (this.start + this.length - 1) % this.capacity : -1;
    let i: number;
    if (!gap && last >= 0 && Math.floor(this.t[last] / this.stepMs) === Math.floor(tMs / this.stepMs)) {
      if (Number.isNaN(this.cols[0][last]) && !Number.isNaN(this.t[last])) {
        // The step holds a gap marker: keep it and append the new row after it.
        i = this.append();
      } else i = last;
    } else i = this.append();
    if (this.resting !== null && !gap) {
      this.ourBid = Number.NaN;
      this.ourAsk = Number.NaN;
      for (const o of this.resting()) {
        if (o.side === 'buy') this.ourBid = Number.isNaN(this.ourBid) ? o.px : Math.max(this.ourBid, o.px);
        else this.ourAsk = Number.isNaN(this.ourAsk) ? o.px : Math.min(this.ourAsk, o.px);
      }
    }
    this.t[i] = tMs;
    this.cols[0][i] = gap ? Number.NaN : this.bid;
    this.cols[1][i] = gap ? Number.NaN : this.ask;
    this.cols[2][i] = gap ? Number.NaN : this.ourBid;
    this.cols[3][i] = gap ? Number.NaN : this.ourAsk;
    // Drop rows older than the span.
    while (this.length > 1 && this.t[this.start] < tMs - this.spanMs) {
      this.start = (this.start + 1) % this.capacity;
      this.length--;
    }
  }

  private append(): number {
    if (this.length === this.capacity) {
      this.start = (this.start + 1) % this.capacity;
      this.length--;
    }
    const i = (this.start + this.length) % this.capacity;
    this.length++;
    return i;
  }
}
