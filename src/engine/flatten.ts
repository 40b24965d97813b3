import { type Instrument, roundPrice, roundSize } from '../core/instrument.ts';
import type { Bbo, Side } from '../core/market.ts';
import type { PlaceAction, VenueReport } from '../core/orders.ts';

/**
 * The one flatten of hlmm: behind the dashboard's button, forceexit/forcesell and the kill switch's optional
 * flatten. It closes the position (or a part of it) with reduce-only, marketable IOC limits bounded by a slippage
 * cap, re-tried on each new book until the requested size is done, the book has moved beyond the cap, a number of
 * attempts or a deadline is used up. One flatten works at a time: a second request joins the working one.
 *
 * Market assumptions (stated in every answer that depends on them):
 * - Hyperliquid has no market order: a "market" order is an IOC limit at a slippage price. So `market` here sends
 *   the IOC at the cap price at once (it sweeps the book down to the cap), and `limit` sends it at the current
 *   touch and walks with the touch on each re-try, never beyond the cap.
 * - The cap is measured from the touch when the flatten began (sell: the bid, buy: the ask), in bps of that price,
 *   and the price is rounded inward to the perp's price grid (a sell cap rounds up, a buy cap down), so no fill is
 *   ever worse than the cap.
 * - Reduce-only: the exchange refuses an exit that would open the other side; paper sizes each attempt to at most
 *   the position, so it cannot flip either.
 */
export type FlattenOrderType = 'limit' | 'market';

export interface FlattenRequest {
  /** Base units to close; absent = the whole position. More than the position closes the position. */
  amountBase?: number;
  orderType?: FlattenOrderType;
  /** Who asked (log line): "api", "dashboard", "kill switch". */
  origin?: string;
}

export interface FlattenSettings {
  /** Worst price accepted, bps from the touch when the flatten began. Default FLATTEN_DEFAULTS.slippageCapBps. */
  slippageCapBps: number;
  /** Flatten with a market exit when the kill switch trips (default false: the switch only cancels quotes). */
  onKillSwitch: boolean;
}

export const FLATTEN_DEFAULTS: FlattenSettings = {
  /** 50 bps = 0.5 %: BTC's book is a few bps deep per level; beyond that the operator should decide. */
  slippageCapBps: 50,
  onKillSwitch: false,
};

/** Re-tries per flatten (each a new IOC on a new book). */
export const FLATTEN_MAX_ATTEMPTS = 10;
/** A flatten gives up after this much bot time without getting done (it answers what it got). */
export const FLATTEN_DEADLINE_MS = 10_000;

/** What a finished flatten did. Sizes in base units, prices in quote. */
export interface FlattenResult {
  /**
   * done: the requested size is closed (flat when the whole position was asked); capped: the book moved beyond
   * the cap; gave-up: attempts or deadline used up; refused: the exchange refused every attempt.
   */
  status: 'done' | 'capped' | 'gave-up' | 'refused';
  side: Side;
  requestedBase: number;
  filledBase: number;
  /** Average fill price, null without fills. */
  avgPx: number | null;
  attempts: number;
  capBps: number;
  /** The cap price: no fill is worse. */
  capPx: number;
  positionBase: number;
  orderType: FlattenOrderType;
  /** One sentence: "filled 0.003 of 0.003 at avg 100100 …" or "… not flat: the book moved beyond the 50 bps cap". */
  message: string;
}

/** Answer to a flatten request, at once; `result` settles when the flatten ends. */
export type FlattenOutcome =
  | {
      status: 'sent' | 'in-flight';
      /** The attempt working now. */
      cid: number;
      side: Side;
      sz: number;
      px: number;
      result: Promise<FlattenResult>;
    }
  | { status: 'flat' | 'no-market' | 'too-small' };

/**
 * The worst acceptable price: `refPx` moved `capBps` against us, rounded inward onto the price grid (sell: up,
 * buy: down). E.g. sell from a bid of 100 000 with 50 bps → 99 500.
 */
export function flattenCapPx(side: Side, refPx: number, capBps: number, instrument: Instrument): number {
  const raw = side === 'sell' ? refPx * (1 - capBps / 10_000) : refPx * (1 + capBps / 10_000);
  return roundPrice(instrument, raw, side === 'sell' ? 'up' : 'down');
}

/**
 * The limit price of the next attempt, or null when the touch is beyond the cap (sell: bid below it; buy: ask
 * above it). `market` sends at the cap (sweeps to it), `limit` at the touch.
 */
export function flattenAttemptPx(
  side: Side,
  bbo: Bbo,
  capPx: number,
  orderType: FlattenOrderType,
): number | null {
  const touch = side === 'sell' ? bbo.bidPx : bbo.askPx;
  if (!(touch > 0)) return null;
  const beyond = side === 'sell' ? touch < capPx : touch > capPx;
  if (beyond) return null;
  return orderType === 'market' ? capPx : touch;
}

interface Working {
  side: Side;
  orderType: FlattenOrderType;
  requestedBase: number;
  capPx: number;
  refPx: number;
  filledBase: number;
  filledNotional: number;
  attempts: number;
  rejects: number;
  /** The attempt in flight, or null between attempts (waiting for the next book). */
  attempt: { cid: number; sz: number; px: number } | null;
  /** Deadline passed while an attempt was in flight: finish when it ends. */
  expired: boolean;
  lastPx: number;
  resolve: (r: FlattenResult) => void;
  result: Promise<FlattenResult>;
  origin: string;
}

export interface FlattenHost {
  positionBase(): number;
  bbo(): Bbo | null;
  nowMs(): number;
  nextCid(): number;
  send(order: PlaceAction): void;
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, string | number>): void;
  /** Bot-clock timer for the deadline. */
  setTimeout(fn: () => void, ms: number): void;
  instrument: Instrument;
}

const EPS = 1e-12;

export class Flattener {
  private w: Working | null = null;
  constructor(
    private readonly host: FlattenHost,
    readonly settings: FlattenSettings,
  ) {}

  /** True while a flatten works (the engine then hands it each new book). */
  get active(): boolean {
    return this.w !== null;
  }

  request(req: FlattenRequest = {}): FlattenOutcome {
    const w = this.w;
    if (w !== null) {
      const a = w.attempt ?? { cid: -1, sz: 0, px: w.lastPx };
      this.host.log('info', 'flatten: one is already working; this request joins it (no second order)', {
        origin: req.origin ?? 'api',
      });
      return { status: 'in-flight', cid: a.cid, side: w.side, sz: a.sz, px: a.px, result: w.result };
    }
    const pos = this.host.positionBase();
    if (Math.abs(pos) < EPS) return { status: 'flat' };
    const bbo = this.host.bbo();
    if (bbo === null) return { status: 'no-market' };
    const side: Side = pos > 0 ? 'sell' : 'buy';
    const orderType = req.orderType ?? 'limit';
    const wanted = req.amountBase === undefined ? Math.abs(pos) : Math.min(req.amountBase, Math.abs(pos));
    const requestedBase = roundSize(this.host.instrument, wanted, 'down');
    // An amount under one size step sends nothing; a position under one step is dust, flat for the exchange.
    if (!(requestedBase > 0)) return { status: req.amountBase === undefined ? 'flat' : 'too-small' };
    const refPx = side === 'sell' ? bbo.bidPx : bbo.askPx;
    const capPx = flattenCapPx(side, refPx, this.settings.slippageCapBps, this.host.instrument);
    let resolve: (r: FlattenResult) => void = () => {};
    const result = new Promise<FlattenResult>((r) => {
      resolve = r;
    });
    const working: Working = {
      side,
      orderType,
      requestedBase,
      capPx,
      refPx,
      filledBase: 0,
      filledNotional: 0,
      attempts: 0,
      rejects: 0,
      attempt: null,
      expired: false,
      lastPx: refPx,
      resolve,
      result,
      origin: req.origin ?? 'api',
    };
    this.w = working;
    this.host.log(
      'warn',
      `flatten: ${side} ${requestedBase} (${orderType}, cap ${this.settings.slippageCapBps} bps = ${capPx})`,
      {
        origin: working.origin,
        position: pos,
        touch: refPx,
      },
    );
    this.host.setTimeout(() => this.onDeadline(working), FLATTEN_DEADLINE_MS);
    this.tryNext(bbo);
    const a = working.attempt as { cid: number; sz: number; px: number } | null;
    if (this.w !== working || a === null) {
      // Finished at once (nothing left to send after rounding to the size step): the answer is the result.
      return { status: 'sent', cid: -1, side, sz: requestedBase, px: refPx, result };
    }
    return { status: 'sent', cid: a.cid, side, sz: a.sz, px: a.px, result };
  }

  /** The engine stops: a working flatten ends with what it got (nothing more can be sent). */
  stop(): void {
    if (this.w !== null) this.finish(this.w, 'gave-up', 'the bot stopped');
  }

  /** A new best bid/ask: the next attempt goes if one is due. */
  onBook(bbo: Bbo): void {
    const w = this.w;
    if (w === null || w.attempt !== null) return;
    this.tryNext(bbo);
  }

  /** A venue report (fills after de-duplication). */
  onReport(r: VenueReport): void {
    const w = this.w;
    if (w === null || w.attempt === null || r.cid !== w.attempt.cid) return;
    if (r.type === 'fill') {
      w.filledBase += r.sz;
      w.filledNotional += r.sz * r.px;
      if (r.leavesSz > EPS) return;
    } else if (r.type === 'reject') {
      w.rejects++;
    } else if (r.type !== 'cancelled') return;
    w.attempt = null;
    const failed = w.rejects === w.attempts ? 'refused' : 'gave-up';
    if (this.remaining(w) <= EPS) this.finish(w, 'done');
    else if (w.expired || w.attempts >= FLATTEN_MAX_ATTEMPTS) this.finish(w, failed);
    // The next attempt waits for a new book: the same book would give the same answer.
  }

  private remaining(w: Working): number {
    const p = this.host.positionBase();
    // The position may have moved (a quote filled meanwhile): never send more than it, never the other way.
    const closable = w.side === 'sell' ? p : -p;
    const left = round(Math.min(w.requestedBase - w.filledBase, closable), 10);
    return left > EPS ? roundSize(this.host.instrument, left, 'down') : 0;
  }

  private tryNext(bbo: Bbo): void {
    const w = this.w as Working;
    const sz = this.remaining(w);
    if (sz <= EPS) {
      this.finish(w, 'done');
      return;
    }
    const px = flattenAttemptPx(w.side, bbo, w.capPx, w.orderType);
    if (px === null) {
      this.finish(w, 'capped');
      return;
    }
    const cid = this.host.nextCid();
    w.attempts++;
    w.attempt = { cid, sz, px };
    w.lastPx = px;
    this.host.send({ type: 'place', cid, side: w.side, px, sz, tif: 'ioc', reduceOnly: true });
  }

  private onDeadline(w: Working): void {
    if (this.w !== w) return;
    if (w.attempt !== null) {
      w.expired = true;
      return;
    }
    this.finish(w, w.attempts > 0 && w.rejects === w.attempts ? 'refused' : 'gave-up');
  }

  private finish(w: Working, status: FlattenResult['status'], why?: string): void {
    if (this.w !== w) return;
    this.w = null;
    const avgPx = w.filledBase > EPS ? w.filledNotional / w.filledBase : null;
    const result: FlattenResult = {
      status,
      side: w.side,
      requestedBase: w.requestedBase,
      filledBase: round(w.filledBase, 10),
      avgPx: avgPx === null ? null : round(avgPx, 8),
      attempts: w.attempts,
      capBps: this.settings.slippageCapBps,
      capPx: w.capPx,
      positionBase: round(this.host.positionBase(), 10),
      orderType: w.orderType,
      message: '',
    };
    result.message = flattenMessage(result, this.host.bbo(), why);
    this.host.log(status === 'done' ? 'info' : 'warn', `flatten: ${result.message}`, { origin: w.origin });
    w.resolve(result);
  }
}

/** The sentence for the operator: what was filled, and why it stopped when not done. */
export function flattenMessage(r: Omit<FlattenResult, 'message'>, bbo: Bbo | null, why?: string): string {
  const fills =
    r.avgPx === null
      ? `filled 0 of ${r.requestedBase}`
      : `filled ${r.filledBase} of ${r.requestedBase} at avg ${r.avgPx}`;
  const tries = `${r.attempts} reduce-only IOC ${r.attempts === 1 ? 'order' : 'orders'}, ${r.orderType}`;
  const where = `position now ${r.positionBase}`;
  if (r.status === 'done') return `${fills} (${tries}); ${where}.`;
  if (r.status === 'capped') {
    const touch = bbo === null ? null : r.side === 'sell' ? bbo.bidPx : bbo.askPx;
    const at = touch === null ? '' : ` (${r.side === 'sell' ? 'bid' : 'ask'} ${touch}, cap ${r.capPx})`;
    return `${fills} (${tries}); not flat: the book moved beyond the ${r.capBps} bps cap${at}; ${where}.`;
  }
  if (r.status === 'refused')
    return `${fills}; not flat: the exchange refused the exit (${tries}); ${where}.`;
  if (why !== undefined) return `${fills} (${tries}); not done: ${why}; ${where}.`;
  return `${fills} (${tries}); not flat: no more fills within the ${r.capBps} bps cap before giving up; ${where}.`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
