/**
 * The collector's periodic summary: what it has recorded so far and how healthy the feed is. Pure: counts in,
 * one log line's fields out, so the arithmetic (rates per minute) is tested on its own.
 */

export interface SymbolCounts {
  /** BBO updates written (each is two rows of prices_<SYM>.csv: bid then ask). */
  bbo: number;
  /** Trades written (after de-duplication). */
  trades: number;
  /** Order-book snapshots written. */
  books: number;
  /** Trades received again and dropped by tid. */
  duplicateTrades: number;
}

export interface CollectorCounts {
  runtimeS: number;
  symbols: Record<string, SymbolCounts>;
  reconnects: number;
  stalls: number;
  malformed: number;
  /** Seconds since the last market-data frame; null before the first. */
  sinceLastDataS: number | null;
}

export interface SymbolSummary extends SymbolCounts {
  bboPerMin: number;
  tradesPerMin: number;
  booksPerMin: number;
}

export interface CollectorSummary {
  runtimeS: number;
  reconnects: number;
  stalls: number;
  malformed: number;
  sinceLastDataS: number | null;
  symbols: Record<string, SymbolSummary>;
}

/** Rate per minute over `seconds`, one decimal; 0 for an empty interval. */
export function perMinute(count: number, seconds: number): number {
  if (!(seconds > 0)) return 0;
  return Math.round((count / seconds) * 600) / 10;
}

export function summarize(counts: CollectorCounts): CollectorSummary {
  const symbols: Record<string, SymbolSummary> = {};
  for (const [symbol, c] of Object.entries(counts.symbols)) {
    symbols[symbol] = {
      ...c,
      bboPerMin: perMinute(c.bbo, counts.runtimeS),
      tradesPerMin: perMinute(c.trades, counts.runtimeS),
      booksPerMin: perMinute(c.books, counts.runtimeS),
    };
  }
  return {
    runtimeS: Math.round(counts.runtimeS * 10) / 10,
    reconnects: counts.reconnects,
    stalls: counts.stalls,
    malformed: counts.malformed,
    sinceLastDataS: counts.sinceLastDataS === null ? null : Math.round(counts.sinceLastDataS * 10) / 10,
    symbols,
  };
}

/** One human line per symbol, e.g. "BTC bbo 120 (60.0/min) trades 30 (15.0/min, 2 dup) books 10 (5.0/min)". */
export function formatSymbolLine(symbol: string, s: SymbolSummary): string {
  return (
    `${symbol} bbo ${s.bbo} (${s.bboPerMin}/min) trades ${s.trades} (${s.tradesPerMin}/min, ` +
    `${s.duplicateTrades} dup) books ${s.books} (${s.booksPerMin}/min)`
  );
}
