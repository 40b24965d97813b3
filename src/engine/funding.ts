/**
 * What the engine knows of funding: a payment at one hourly settlement, and where payments come from. The sources
 * themselves (the exchange's userFunding, paper funding at a rate) are venue-specific and live in src/trade/.
 */
export interface FundingPayment {
  /** Settlement time, Unix ms (on the hour). */
  tsMs: number;
  /** Received (+) or paid (−), quote (USDC). */
  amountQuote: number;
  /** Hourly rate, fraction. */
  rate: number;
  /** Signed position the payment was computed on, base units. */
  positionBase: number;
  /** 'exchange': paid by the exchange, booked once per coin and hour; 'paper': simulated by this process. */
  source: 'exchange' | 'paper';
}

/** Where the engine's funding comes from (the engine calls these; see TradingEngine). */
export interface FundingSource {
  /**
   * The bot clock reached `nowMs` while holding `positionBase` marked at `markPx` (called on every market event
   * before it is applied, and on every timer tick). Returns the payments due now (paper), or [] (live polls).
   */
  onClock(nowMs: number, positionBase: number, markPx: number | null): FundingPayment[];
  /** Starts background polling; payments found later go to `book`. */
  start(book: (p: FundingPayment) => void): void;
  /** Looks for new payments now (live: userFunding; paper: re-reads the rate). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}
