/**
 * The collector: a WsSession subscribed to bbo, trades and l2Book for each symbol, feeding a MarketRecorder,
 * with the timers that make it safe to leave running — flush every few seconds (and whenever too many rows are
 * buffered, so memory stays bounded under a burst), and a summary line every 30 s.
 *
 * Inside `hlmm trade` (`--collect DIR`) the recorder rides the bot's own market-data socket instead of opening a
 * second one (`startFeedCollector`): the feed subscribes to the recorder's channels too and hands it every frame,
 * so the files are exactly those `hlmm collect` writes (same recorder, same de-duplication, same l2Book rows).
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import { LogThrottle } from '../core/log-throttle.ts';
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

/** The channels the collector records for each symbol: bbo, trades and l2Book. */
export function collectorSubscriptions(symbols: readonly string[]): Subscription[] {
  return symbols.flatMap((coin) => [
    { type: 'bbo', coin },
    { type: 'trades', coin },
    { type: 'l2Book', coin },
  ]);
}

/** What the socket carrying the recorder reports (the collector's own, or the bot's feed). */
interface FrameSource {
  readonly stats: WsSession['stats'];
}

/** The recorder, its lock and its timers, on frames some socket hands it. */
function recorderCore(options: CollectorOptions, onWriteError?: (err: unknown) => void) {
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
  const maxBuffered = options.maxBufferedRows ?? 5_000;
  const startedMs = Date.now();
  let source: FrameSource | null = null;
  let closed = false;
  const onFrame = (msg: ParsedServerMessage, recvS: number): void => {
    // A shared socket keeps delivering while the bot stops: nothing is written once the files are closed.
    if (closed) return;
    options.onFrame?.(msg, recvS);
    recorder.record(msg, recvS);
    if (recorder.bufferedRows >= maxBuffered) recorder.flushSync();
  };

  const report = (): CollectorReport => {
    const session = source ?? { stats: NO_STATS };
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

  const flushTimer = setInterval(
    () => {
      if (onWriteError === undefined) recorder.flushSync();
      else
        try {
          recorder.flushSync();
        } catch (err) {
          onWriteError(err);
        }
    },
    (options.flushIntervalS ?? 5) * 1000,
  );
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

  let stopping: Promise<CollectorReport> | null = null;
  return {
    recorder,
    report,
    onFrame,
    setSource: (s: FrameSource) => {
      source = s;
    },
    flush: () => recorder.flushSync(),
    /** Flushes and closes the files; `closeSocket` (the collector's own socket) runs between the two. */
    stop(closeSocket: () => Promise<void>): Promise<CollectorReport> {
      stopping ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(summaryTimer);
        // Flush first: whatever happens to the socket, what was received is on disk.
        recorder.flushSync();
        await closeSocket();
        closed = true;
        recorder.flushSync();
        await recorder.close();
        lock.release();
        return report();
      })();
      return stopping;
    },
  };
}

const NO_STATS: WsSession['stats'] = {
  connects: 0,
  reconnects: 0,
  failedAttempts: 0,
  stalls: 0,
  framesReceived: 0,
  malformedFrames: 0,
  serverErrors: 0,
  lastLivenessMs: 0,
  gaps: 0,
};

export function startCollector(options: CollectorOptions): Collector {
  const core = recorderCore(options);
  const session = new WsSession({
    url: options.wsUrl ?? HYPERLIQUID_MAINNET_WS_URL,
    subscriptions: collectorSubscriptions(options.symbols),
    logger: options.logger?.child('ws'),
    pingIntervalMs: (options.pingIntervalS ?? 30) * 1000,
    stallTimeoutMs: (options.stallTimeoutS ?? 60) * 1000,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    onMessage: core.onFrame,
  });
  core.setSource(session);
  session.start();
  options.logger?.info('collecting', {
    symbols: options.symbols.join(','),
    out: options.outDir,
    url: options.wsUrl,
  });
  return {
    session,
    recorder: core.recorder,
    report: core.report,
    flush: core.flush,
    stop: () => core.stop(() => session.stop()),
  };
}

/**
 * The recorder of `hlmm trade --collect`, riding the bot's market-data socket: the caller subscribes that socket
 * to `subscriptions`, hands `onFrame` every frame it parses, and `attach`es the socket for the report. `stop`
 * flushes and closes the files; the socket is the feed's and stays as it is.
 */
export interface FeedCollector extends Omit<Collector, 'session' | 'stop'> {
  readonly subscriptions: Subscription[];
  onFrame(msg: ParsedServerMessage, recvS: number): void;
  attach(session: FrameSource): void;
  stop(): Promise<CollectorReport>;
}

export function startFeedCollector(
  options: Omit<CollectorOptions, 'wsUrl' | 'stallTimeoutS' | 'pingIntervalS' | 'backoff'>,
): FeedCollector {
  const core = recorderCore(options, (err) => failed(err));
  options.logger?.info("collecting on the bot's market-data socket", {
    symbols: options.symbols.join(','),
    out: options.outDir,
  });
  // The bot's market data must get through whatever happens to the recording (a full disk): the failure is
  // logged, at most once a minute, and the feed goes on.
  const throttle = new LogThrottle(60_000);
  const failed = (err: unknown): void => {
    const suppressed = throttle.shouldLog('record', Date.now());
    if (suppressed !== null)
      options.logger?.error('recording the market failed; trading goes on', {
        dir: options.outDir,
        error: err instanceof Error ? err.message : String(err),
        ...(suppressed > 0 ? { alsoSinceLastLine: suppressed } : {}),
      });
  };
  const onFrame = (msg: ParsedServerMessage, recvS: number): void => {
    try {
      core.onFrame(msg, recvS);
    } catch (err) {
      failed(err);
    }
  };
  return {
    subscriptions: collectorSubscriptions(options.symbols),
    recorder: core.recorder,
    report: core.report,
    flush: core.flush,
    onFrame,
    attach: core.setSource,
    stop: () => core.stop(async () => {}),
  };
}
