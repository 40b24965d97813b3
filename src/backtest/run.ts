import type { MarketEvent } from '../core/market.ts';
import { ColumnMarketStream, type MarketColumns, openMarketStream } from '../data/event-cache.ts';
import type { DroppedEvents } from '../data/market-stream.ts';
import type { RowStats } from '../data/reader.ts';
import { BacktestEngine, type BacktestResult } from './backtest.ts';
import type { BacktestConfig } from './config.ts';

/**
 * Runs one backtest on events already in memory (exchange-time order, trades before the BBO at equal ms).
 * Synchronous: calibration loads a day once and calls this for each γ, with a fresh strategy each time.
 */
export function runBacktestOnEvents(events: readonly MarketEvent[], cfg: BacktestConfig): BacktestResult {
  const engine = new BacktestEngine(cfg);
  for (let i = 0; i < events.length; i++) engine.onEvent(events[i]);
  return engine.finish();
}

export interface StreamBacktestConfig extends BacktestConfig {
  /** Directory holding prices_<TICKER>.csv(.gz), trades_<TICKER>.csv(.gz) [, orderbooks_<TICKER>.csv(.gz)]. */
  dataDir: string;
  ticker: string;
  /** Only events with exchange time ≥ fromMs / < toMs (Unix ms). */
  fromMs?: number;
  toMs?: number;
  /** Use order-book snapshots when the file exists (queue tracking behind the touch). Default true. */
  books?: boolean;
  /** Called after each batch with the number of events so far (progress on stderr). */
  onProgress?: (events: number, exchMs: number) => void;
  /** Read through the columnar event cache (default true); it is not used when order books are merged. */
  cache?: boolean;
  /** Warnings about the cache (rebuilt, not writable). */
  warn?: (line: string) => void;
  /**
   * The market already loaded as columns (`marketColumnsFor`): replayed instead of opening `dataDir` again, so
   * the runs of a latency sweep share one load (`dataDir`, `books`, `cache` and `warn` are then not used).
   */
  columns?: MarketColumns;
}

export interface StreamBacktestResult extends BacktestResult {
  /** Malformed rows skipped, per file. */
  rowStats: RowStats[];
  /** Re-sent (duplicate tid) and out-of-order events the reader dropped before the replay. */
  dropped: DroppedEvents;
}

/** Streams the market files of `cfg.dataDir` through one backtest; memory does not grow with the days. */
export async function runBacktest(cfg: StreamBacktestConfig): Promise<StreamBacktestResult> {
  const engine = new BacktestEngine(cfg);
  const stream =
    cfg.columns !== undefined
      ? new ColumnMarketStream(cfg.columns, cfg.fromMs, cfg.toMs)
      : await openMarketStream(cfg.dataDir, cfg.ticker, {
          fromMs: cfg.fromMs,
          toMs: cfg.toMs,
          books: cfg.books ?? true,
          cache: cfg.cache,
          warn: cfg.warn,
        });
  let n = 0;
  if (stream instanceof ColumnMarketStream) {
    // The hot path: typed columns straight into the engine, no batches, no promises.
    const every = 1 << 16;
    stream.replay((ev) => {
      engine.onEvent(ev);
      if (++n % every === 0 && cfg.onProgress) cfg.onProgress(n, ev.exchMs);
    });
  } else {
    for await (const batch of stream) {
      for (let i = 0; i < batch.length; i++) engine.onEvent(batch[i]);
      n += batch.length;
      if (cfg.onProgress && batch.length > 0) cfg.onProgress(n, batch[batch.length - 1].exchMs);
    }
  }
  return { ...engine.finish(), rowStats: [...stream.stats], dropped: { ...stream.dropped } };
}
