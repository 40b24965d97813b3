/**
 * Latency model. ASSUMES a constant delay from the moment the strategy acts on a market event (its exchange
 * timestamp) until the action takes effect at the matching engine. That one number covers everything in
 * between: market-data delay to us, our decision, the network and the exchange's entry queue. Reports (acks,
 * fills, cancels) reach the strategy without further delay. Orders and cancels may have different delays
 * (cancels are often prioritised: Hyperliquid orders cancels before other actions within a block).
 */
export interface LatencyModel {
  /** Exchange time (ms) at which an order (or modify) sent at `sentMs` reaches the matching engine. */
  orderArrivalMs(sentMs: number): number;
  /** Exchange time (ms) at which a cancel sent at `sentMs` reaches the matching engine. */
  cancelArrivalMs(sentMs: number): number;
}

export class ConstantLatency implements LatencyModel {
  constructor(
    readonly orderEntryMs: number,
    readonly cancelMs: number = orderEntryMs,
  ) {
    if (!(orderEntryMs >= 0) || !(cancelMs >= 0)) throw new RangeError('latency must be ≥ 0 ms');
  }

  orderArrivalMs(sentMs: number): number {
    return sentMs + this.orderEntryMs;
  }

  cancelArrivalMs(sentMs: number): number {
    return sentMs + this.cancelMs;
  }
}
