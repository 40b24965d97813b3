/**
 * `hlmm collect`: records until SIGINT/SIGTERM, then flushes everything received and exits 0.
 */
import { createLogger, type LogLevel } from '../core/log.ts';
import { type CollectorReport, startCollector } from './collector.ts';
import { formatSymbolLine } from './summary.ts';

export interface CollectCommandOptions {
  symbols: string[];
  out: string;
  depth: number;
  wsUrl: string;
  stallTimeoutS: number;
  summaryIntervalS: number;
  flushIntervalS: number;
  pingIntervalS: number;
  dedupWindow: number;
  logLevel: LogLevel;
}

export async function runCollect(opts: CollectCommandOptions): Promise<CollectorReport> {
  const logger = createLogger({ component: 'collect', level: opts.logLevel });
  const collector = startCollector({
    symbols: opts.symbols,
    outDir: opts.out,
    depth: opts.depth,
    wsUrl: opts.wsUrl,
    stallTimeoutS: opts.stallTimeoutS,
    summaryIntervalS: opts.summaryIntervalS,
    flushIntervalS: opts.flushIntervalS,
    pingIntervalS: opts.pingIntervalS,
    dedupWindow: opts.dedupWindow,
    logger,
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      // Data first: whatever happens next, what was received is on disk.
      collector.flush();
      resolve(sig);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  // A second signal while closing: everything is flushed already, so leave at once.
  const force = () => {
    collector.flush();
    process.exit(0);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  const report = await collector.stop();
  logger.info('stopped', {
    signal,
    runtimeS: report.runtimeS,
    frames: report.frames,
    reconnects: report.reconnects,
    malformed: report.malformed,
  });
  for (const [symbol, s] of Object.entries(report.symbols)) logger.info(formatSymbolLine(symbol, s));
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  process.exitCode = 0;
  return report;
}
