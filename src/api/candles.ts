import type { MarketEvent } from '../core/market.ts';
import type { EngineFill, EngineSubscriber } from '../engine/engine-events.ts';
import type { DesiredQuotes } from '../strategy/types.ts';

/**
 * OHLCV candles of the bot's own market data, with what the bot did in each candle, for FreqUI's chart
 * (/pair_candles, /pair_history). Prices in quote (USDC), volume in base units, times in Unix ms on the bot clock.
 *
 * MARKET ASSUMPTION: a candle's open/high/low/close are those of the market's trade prints in it; a candle with
 * no print takes them from the mid (best bid + best ask) / 2 seen in it, with volume 0 — the chart then shows
 * the quoted market rather than a gap. Candles with neither are left out; where that leaves a gap, the chart
 * answers carry one filler candle after it (see withGapBreaks).
 */
export interface Candle {
  /** Candle start, Unix ms (a multiple of the timeframe). */
  tMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Σ size of the prints, base units. */
  volume: number;
  /** True once a print set the prices (else they are mids). */
  fromTrades: boolean;
  /** Our bid, ask and the model's reservation price at the candle's last quote, quote; null when none. */
  bidPx: number | null;
  askPx: number | null;
  reservationPx: number | null;
  /** Volume-weighted price of our buy / sell fills in the candle, quote; null when none. */
  buyFillPx: number | null;
  sellFillPx: number | null;
  buyFillSz: number;
  sellFillSz: number;
  /** Our signed position at the end of the candle, base units (null until a fill is seen). */
  positionBase: number | null;
}

/** The columns of the chart's rows, in order (Freqtrade's dataframe columns; ours after the OHLCV ones). */
export const CANDLE_COLUMNS = [
  'date',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'our_bid',
  'our_ask',
  'reservation_price',
  'buy_fill',
  'sell_fill',
  'position',
  '__date_ts',
] as const;

/** Freqtrade timeframe text → ms ("1m", "5m", "1h", "1d", …); null when not one. */
export function timeframeMs(tf: string): number | null {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2] as 's' | 'm' | 'h' | 'd' | 'w'
  ];
  return n > 0 ? n * unit : null;
}

function blank(tMs: number, px: number): Candle {
  return {
    tMs,
    open: px,
    high: px,
    low: px,
    close: px,
    volume: 0,
    fromTrades: false,
    bidPx: null,
    askPx: null,
    reservationPx: null,
    buyFillPx: null,
    sellFillPx: null,
    buyFillSz: 0,
    sellFillSz: 0,
    positionBase: null,
  };
}

/** Merges finer candles (oldest first, all of one base timeframe) into candles of `tfMs`. Pure. */
export function resample(candles: readonly Candle[], tfMs: number): Candle[] {
  const out: Candle[] = [];
  for (const c of candles) {
    const t = Math.floor(c.tMs / tfMs) * tfMs;
    const last = out[out.length - 1];
    if (!last || last.tMs !== t) {
      out.push({ ...c, tMs: t });
      continue;
    }
    // Trade prices win over mids: a candle with prints keeps only the prints' prices.
    if (c.fromTrades && !last.fromTrades) {
      Object.assign(last, { open: c.open, high: c.high, low: c.low, close: c.close, fromTrades: true });
    } else if (c.fromTrades === last.fromTrades) {
      last.high = Math.max(last.high, c.high);
      last.low = Math.min(last.low, c.low);
      last.close = c.close;
    }
    last.volume += c.volume;
    if (c.bidPx !== null) last.bidPx = c.bidPx;
    if (c.askPx !== null) last.askPx = c.askPx;
    if (c.reservationPx !== null) last.reservationPx = c.reservationPx;
    last.buyFillPx = vwap(last.buyFillPx, last.buyFillSz, c.buyFillPx, c.buyFillSz);
    last.sellFillPx = vwap(last.sellFillPx, last.sellFillSz, c.sellFillPx, c.sellFillSz);
    last.buyFillSz += c.buyFillSz;
    last.sellFillSz += c.sellFillSz;
    if (c.positionBase !== null) last.positionBase = c.positionBase;
  }
  return out;
}

function vwap(px1: number | null, sz1: number, px2: number | null, sz2: number): number | null {
  if (px2 === null || sz2 <= 0) return px1;
  if (px1 === null || sz1 <= 0) return px2;
  return (px1 * sz1 + px2 * sz2) / (sz1 + sz2);
}

/**
 * Builds base-timeframe candles (oldest first) from market events, quotes and fills as they come, keeping the
 * newest `maxCandles`. Feed it in bot-time order.
 */
export class CandleBuilder {
  readonly candles: Candle[] = [];
  private lastPosition: number | null = null;
  /** The quote in force, carried into each new candle until the next one. */
  private lastQuote: { bidPx: number | null; askPx: number | null; reservationPx: number | null } | null =
    null;

  constructor(
    readonly baseMs = 60_000,
    readonly maxCandles = 7 * 1440,
  ) {}

  private at(tMs: number, px: number): Candle {
    const t = Math.floor(tMs / this.baseMs) * this.baseMs;
    let last = this.candles[this.candles.length - 1];
    if (last && t < last.tMs) return last; // late event: folded into the newest candle, never reordering
    if (!last || last.tMs !== t) {
      last = blank(t, px);
      last.positionBase = this.lastPosition;
      if (this.lastQuote) Object.assign(last, this.lastQuote);
      this.candles.push(last);
      if (this.candles.length > this.maxCandles)
        this.candles.splice(0, this.candles.length - this.maxCandles);
    }
    return last;
  }

  trade(tMs: number, px: number, sz: number): void {
    const c = this.at(tMs, px);
    if (!c.fromTrades) {
      Object.assign(c, { open: px, high: px, low: px, close: px, fromTrades: true });
    } else {
      c.high = Math.max(c.high, px);
      c.low = Math.min(c.low, px);
      c.close = px;
    }
    c.volume += sz;
  }

  mid(tMs: number, px: number): void {
    const c = this.at(tMs, px);
    if (c.fromTrades) return;
    c.high = Math.max(c.high, px);
    c.low = Math.min(c.low, px);
    c.close = px;
  }

  quote(tMs: number, q: DesiredQuotes): void {
    const mid = q.explain?.mid;
    const last = this.candles[this.candles.length - 1];
    const px = mid ?? last?.close;
    if (px === undefined || !Number.isFinite(px)) return;
    const c = this.at(tMs, px);
    const r = q.explain?.reservationPrice;
    this.lastQuote = {
      bidPx: q.bid?.px ?? null,
      askPx: q.ask?.px ?? null,
      reservationPx: r !== undefined && Number.isFinite(r) ? r : null,
    };
    Object.assign(c, this.lastQuote);
  }

  fill(tMs: number, side: 'buy' | 'sell', px: number, sz: number, positionBase: number): void {
    const c = this.at(tMs, px);
    if (side === 'buy') {
      c.buyFillPx = vwap(c.buyFillPx, c.buyFillSz, px, sz);
      c.buyFillSz += sz;
    } else {
      c.sellFillPx = vwap(c.sellFillPx, c.sellFillSz, px, sz);
      c.sellFillSz += sz;
    }
    // Sizes are lot multiples summed in floating point: 1e-9 base units is far below any lot.
    const pos = Math.round(positionBase * 1e9) / 1e9;
    c.positionBase = pos;
    this.lastPosition = pos;
  }
}

/**
 * The engine subscriber that feeds a CandleBuilder from the bot's live market data, quotes and fills. The quotes
 * are read from `lastQuote` at each market event (the engine's quote hook is throttled to the quote-log rate),
 * so every candle carries the quote in force when its last event arrived.
 */
export class MarketTape implements EngineSubscriber {
  readonly builder: CandleBuilder;
  private seen: DesiredQuotes | null = null;
  constructor(
    private readonly lastQuote: () => DesiredQuotes | null = () => null,
    builder = new CandleBuilder(),
  ) {
    this.builder = builder;
  }
  market(ev: MarketEvent): void {
    if (ev.kind === 'trade') this.builder.trade(ev.exchMs, ev.px, ev.sz);
    else if (ev.kind === 'bbo') this.builder.mid(ev.exchMs, (ev.bidPx + ev.askPx) / 2);
    const q = this.lastQuote();
    if (q !== null && q !== this.seen) {
      this.seen = q;
      this.builder.quote(ev.exchMs, q);
    }
  }
  quote(q: DesiredQuotes, nowMs: number): void {
    if (q === this.seen) return;
    this.seen = q;
    this.builder.quote(nowMs, q);
  }
  fill(f: EngineFill): void {
    this.builder.fill(f.exchMs, f.side, f.px, f.sz, f.positionBase);
  }
}

/** Freqtrade's "YYYY-MM-DD HH:MM:SS+00:00", as pandas prints a UTC timestamp. */
function candleDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

/**
 * Inserts, after each gap of more than one timeframe between candles (oldest first), one candle as Freqtrade fills
 * a missing one: the previous close as open/high/low/close, volume 0, and no quote, fill or position. FreqUI
 * draws an indicator line straight across missing rows; the filler's empty values break it at the gap instead
 * (a bot that was stopped, or a recording with holes, shows as such). Pure.
 */
export function withGapBreaks(candles: readonly Candle[], tfMs: number): Candle[] {
  const out: Candle[] = [];
  for (const c of candles) {
    const prev = out[out.length - 1];
    if (prev && c.tMs - prev.tMs > tfMs) out.push(blank(prev.tMs + tfMs, prev.close));
    out.push(c);
  }
  return out;
}

/**
 * Candles as Freqtrade's PairHistory (the analysed dataframe FreqUI's chart reads), with a filler candle after
 * each gap (withGapBreaks).
 */
export function pairHistoryOf(
  rawCandles: readonly Candle[],
  opts: { pair: string; timeframe: string; tfMs: number; strategy: string; lastAnalyzedMs: number },
) {
  const candles = withGapBreaks(rawCandles, opts.tfMs);
  const data = candles.map((c) => [
    candleDate(c.tMs),
    c.open,
    c.high,
    c.low,
    c.close,
    c.volume,
    c.bidPx,
    c.askPx,
    c.reservationPx,
    c.buyFillPx,
    c.sellFillPx,
    c.positionBase,
    c.tMs,
  ]);
  const first = candles[0];
  const last = candles[candles.length - 1];
  const columns = [...CANDLE_COLUMNS];
  return {
    strategy: opts.strategy,
    pair: opts.pair,
    timeframe: opts.timeframe,
    timeframe_ms: opts.tfMs,
    columns,
    all_columns: columns.filter((c) => c !== '__date_ts'),
    data,
    length: data.length,
    buy_signals: 0,
    sell_signals: 0,
    enter_long_signals: 0,
    exit_long_signals: 0,
    enter_short_signals: 0,
    exit_short_signals: 0,
    last_analyzed: new Date(opts.lastAnalyzedMs).toISOString(),
    last_analyzed_ts: Math.floor(opts.lastAnalyzedMs / 1000),
    data_start_ts: first ? first.tMs : 0,
    data_start: first ? candleDate(first.tMs) : '',
    data_stop: last ? candleDate(last.tMs) : '',
    data_stop_ts: last ? last.tMs : 0,
  };
}

/**
 * FreqUI's plot config: our quotes and reservation price over the candles, fills as points, inventory below.
 * scatterSymbolSize is FreqUI's own key (Freqtrade passes the plot config through); its default of 3 px hides a
 * fill behind the candle it lands on.
 */
export const PLOT_CONFIG = {
  main_plot: {
    our_bid: { color: '#2e7d32' },
    our_ask: { color: '#c62828' },
    reservation_price: { color: '#1565c0' },
    buy_fill: { color: '#00c853', type: 'scatter', scatterSymbolSize: 10 },
    sell_fill: { color: '#ff1744', type: 'scatter', scatterSymbolSize: 10 },
  },
  subplots: {
    Inventory: { position: { color: '#6a1b9a', type: 'bar' } },
  },
};
