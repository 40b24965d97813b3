/**
 * The collector: a WsSession subscribed to bbo, trades and l2Book for each symbol, feeding a MarketRecorder,
 * with the timers that make it safe to leave running — flush every few seconds (and whenever too many rows are
 * buffered, so memory stays bounded under a burst), and a summary line every 30 s.
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import type { ParsedServerMessage, Subscription } from '../exchange/hyperliquid/ws-messages.ts';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  HYPERLIQUID_MAINNET_WS_URL,
  WsSession,
} from '../exchange/hyperliquid/ws-session.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { MarketRecorder, type RecorderCounters } from './recorder.ts';
import { type CollectorSummary, formatSymbolLine, summarize } from './summary.ts';

export interface CollectorOptions {
  symbols: string[];
  outDir: string;
  /** Who writes, for the lock's message to a second writer (default "hlmm collect"). */
  writer?: string;
  /** The flag or key that chose `outDir`, named in errors (default "--out"). */
  outDirFlag?: string;
  /** Order-book levels per side written (Hyperliquid sends up to 20). */
  depth?: number;
  wsUrl?: string;
  /** Reconnect when no market data arrived for this long, s. */
  stallTimeoutS?: number;
  summaryIntervalS?: number;
  flushIntervalS?: number;
  pingIntervalS?: number;
  /** Rows buffered (all symbols) that trigger a flush before the timer does. */
  maxBufferedRows?: number;
  dedupWindow?: number;
  backoff?: BackoffPolicy;
  logger?: Logger;
  /** Sees every parsed frame before it is recorded (tests, monitoring). */
  onFrame?: (msg: ParsedServerMessage, recvS: number) => void;
  /** Called with each periodic summary (the collector also logs it). */
  onSummary?: (summary: CollectorSummary) => void;
}

export interface CollectorReport extends CollectorSummary {
  counters: RecorderCounters;
  /** Frames received from the socket, all kinds. */
  frames: number;
  gaps: number;
  droppedRecords: number;
}

export interface Collector {
  readonly session: WsSession;
  readonly recorder: MarketRecorder;
  /** Current counts and health, as the periodic summary reports them. */
  report(): CollectorReport;
  /** Flushes everything received to disk now. */
  flush(): void;
  /** Stops: closes the socket, flushes, closes the files. Safe to call twice. */
  stop(): Promise<CollectorReport>;
}

export function startCollector(options: CollectorOptions): Collector {
  const logger = options.logger;
  mkdirSync(options.outDir, { recursive: true });
  // One writer per directory: a second recorder on the same files would write every row twice.
  const lock = lockDataDir(options.outDir, options.writer ?? 'hlmm collect', options.outDirFlag ?? '--out');
  let recorder: MarketRecorder;
  try {
    recorder = new MarketRecorder({
      symbols: options.symbols,
      outDir: options.outDir,
      depth: options.depth ?? 20,
      dedupWindow: options.dedupWindow,
      logger,
    });
  } catch (err) {
    lock.release();
    throw err;
  }
  const subscriptions: Subscription[] = options.symbols.flatMap((coin) => [
    { type: 'bbo', coin },
    { type: 'trades', coin },
    { type: 'l2Book', coin },
  ]);
  const maxBuffered = options.maxBufferedRows ?? 5_000;
  const startedMs = Date.now();

  const session = new WsSession({
    url: options.wsUrl ?? HYPERLIQUID_MAINNET_WS_URL,
    subscriptions,
    logger: logger?.child('ws'),
    pingIntervalMs: (options.pingIntervalS ?? 30) * 1000,
    stallTimeoutMs: (options.stallTimeoutS ?? 60) * 1000,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    onMessage: (msg, recvS) => {
      options.onFrame?.(msg, recvS);
      recorder.record(msg, recvS);
      if (recorder.bufferedRows >= maxBuffered) recorder.flushSync();
    },
  });

  const report = (): CollectorReport => {
    const nowMs = Date.now();
    const last = session.stats.lastLivenessMs;
    const summary = summarize({
      runtimeS: (nowMs - startedMs) / 1000,
      symbols: recorder.counts(),
      reconnects: session.stats.reconnects,
      stalls: session.stats.stalls,
      malformed: recorder.counters.malformed + recorder.counters.malformedTrades,
      sinceLastDataS: last > 0 ? (nowMs - last) / 1000 : null,
    });
    return {
      ...summary,
      counters: { ...recorder.counters },
      frames: session.stats.framesReceived,
      gaps: session.stats.gaps,
      droppedRecords: recorder.droppedRecords,
    };
  };

  const flushTimer = setInterval(() => recorder.flushSync(), (options.flushIntervalS ?? 5) * 1000);
  const summaryTimer = setInterval(
    () => {
      const r = report();
      logger?.info('summary', {
        runtimeS: r.runtimeS,
        frames: r.frames,
        rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
        heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
        reconnects: r.reconnects,
        stalls: r.stalls,
        malformed: r.malformed,
        sinceLastDataS: r.sinceLastDataS ?? 'none yet',
      });
      for (const [symbol, s] of Object.entries(r.symbols)) logger?.info(formatSymbolLine(symbol, s));
      options.onSummary?.(r);
    },
    (options.summaryIntervalS ?? 30) * 1000,
  );

  session.start();
  logger?.info('collecting', { symbols: options.symbols.join(','), out: options.outDir, url: options.wsUrl });

  let stopping: Promise<CollectorReport> | null = null;
  return {
    session,
    recorder,
    report,
    flush: () => recorder.flushSync(),
    stop() {
      stopping ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(summaryTimer);
        // Flush first: whatever happens to the socket, what was received is on disk.
        recorder.flushSync();
        await session.stop();
        await recorder.close();
        lock.release();
        return report();
      })();
      return stopping;
    },
  };
}
