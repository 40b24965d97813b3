import type { Side } from './market.ts';

/**
 * The engine's order vocabulary, between whoever decides orders (the OrderManager) and whoever executes them (the
 * fill model of sim/, the Hyperliquid adapter live). It sits in core/ because both the fill model and the engine
 * use it and the fill model sits below the engine. Orders are named by a client id (`cid`, a positive integer we
 * choose; the live adapter maps it to a Hyperliquid cloid). Prices in quote currency, sizes in base units.
 */

/**
 * Time in force, as Hyperliquid names them: `alo` = add-liquidity-only (post-only: rejected if it would
 * cross on arrival), `gtc` = rests after taking what crosses, `ioc` = takes what crosses, the rest is cancelled.
 */
export type TimeInForce = 'alo' | 'gtc' | 'ioc';

export interface PlaceAction {
  type: 'place';
  cid: number;
  side: Side;
  px: number;
  sz: number;
  tif: TimeInForce;
  /**
   * Hyperliquid reduce-only: the exchange refuses it rather than let it open the other side. The live venue passes
   * it on; the fill model ignores it (the only sender, flatten, sizes it to the position it closes).
   */
  reduceOnly?: boolean;
}

export interface CancelAction {
  type: 'cancel';
  cid: number;
}

/**
 * Atomic cancel/replace of order `cid` by a new order `newCid` (Hyperliquid `modify`): the replacement
 * loses the old order's queue position. Rejected when `cid` is no longer open.
 */
export interface ModifyAction {
  type: 'modify';
  cid: number;
  newCid: number;
  side: Side;
  px: number;
  sz: number;
  tif: TimeInForce;
}

export type OrderAction = PlaceAction | CancelAction | ModifyAction;

export type RejectReason =
  /** Post-only (alo) order that would have crossed the book on arrival. */
  | 'post-only-would-cross'
  /** Modify of an order that is no longer open (filled or cancelled before the modify arrived). */
  | 'order-not-open'
  /** A cid that is already in use. */
  | 'duplicate-cid'
  /** Size or price not a positive finite number. */
  | 'invalid-order';

export type Liquidity = 'maker' | 'taker';

/** What the venue reports back, each stamped with the venue's time (exchange ms). */
export type VenueReport =
  /** The order is resting on the book. */
  | { type: 'ack'; cid: number; exchMs: number }
  | { type: 'reject'; cid: number; exchMs: number; reason: RejectReason }
  | {
      type: 'fill';
      cid: number;
      side: Side;
      px: number;
      sz: number;
      /** Fee paid in quote currency (negative = rebate). */
      feeQuote: number;
      liquidity: Liquidity;
      exchMs: number;
      /** Size still open after this fill, base units (0 = done). */
      leavesSz: number;
    }
  /** `user`: our cancel; `modified`: replaced by a modify; `ioc`: unfilled rest of an ioc order. */
  | { type: 'cancelled'; cid: number; exchMs: number; reason: 'user' | 'modified' | 'ioc' }
  /** A cancel for an order that is not open (already filled or unknown). */
  | { type: 'cancel-reject'; cid: number; exchMs: number };
