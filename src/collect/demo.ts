/**
 * `hlmm demo` (what `npm start` runs): the fake exchange replays the bundled real BTC sample fast on a free
 * loopback port, the collector records it into a temporary directory for a few seconds — with one forced
 * disconnect halfway, so the reconnect and the trade de-duplication show — and the recorded files are read back
 * and summarised. Offline; about `seconds` + 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { readMarket } from '../data/market-stream.ts';
import { bundledSampleDir } from '../fake-exchange/bundled-sample.ts';
import { startFakeExchange } from '../fake-exchange/server.ts';
import { startCollector } from './collector.ts';

export interface DemoOptions {
  seconds: number;
  speed: number;
  keep: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runDemo(opts: DemoOptions): Promise<void> {
  const dataDir = bundledSampleDir();
  if (dataDir === null) throw new UserError('The bundled sample data/sample is missing; reinstall hlmm.');
  const out = mkdtempSync(join(tmpdir(), 'hlmm-demo-'));
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const logger = createLogger({ component: 'demo', level: 'warn' });

  const exchange = await startFakeExchange({
    dataDir,
    symbols: ['BTC'],
    speed: opts.speed,
    loop: true,
    logger,
  });
  print(
    `fake exchange: replaying the bundled real Hyperliquid BTC sample at ${opts.speed}× on ${exchange.wsUrl}`,
  );
  print(`collector: recording BTC bbo, trades and l2Book into ${out} for ${opts.seconds} s…`);
  const collector = startCollector({
    symbols: ['BTC'],
    outDir: out,
    wsUrl: exchange.wsUrl,
    logger,
    summaryIntervalS: 3600,
    // A short first retry keeps the demo brisk; `hlmm collect` starts at 1 s.
    backoff: { initialMs: 200, maxMs: 300_000, jitter: 0.2 },
  });
  const startedMs = Date.now();
  await sleep((opts.seconds * 1000) / 2);
  exchange.faults.drop();
  print('fault: the exchange dropped every connection; the collector reconnects and resubscribes');
  await sleep((opts.seconds * 1000) / 2);
  const report = await collector.stop();
  const wallS = (Date.now() - startedMs) / 1000;
  const sent = { ...exchange.replayStats };
  await exchange.close();

  // Read the files back: what is on disk is what counts.
  const onDisk = { bbo: 0, trade: 0, book: 0 };
  const tids = new Set<number>();
  for await (const batch of readMarket(out, 'BTC')) {
    for (const e of batch) {
      onDisk[e.kind]++;
      if (e.kind === 'trade') tids.add(e.tid);
    }
  }
  const btc = report.symbols.BTC;
  const rate = (n: number) => `${Math.round(n / wallS).toLocaleString('en-US')}/s`;
  print('');
  print(`recorded in ${wallS.toFixed(1)} s (${report.frames.toLocaleString('en-US')} WebSocket frames):`);
  print(`  prices_BTC_*.csv      ${onDisk.bbo.toLocaleString('en-US')} BBO updates (${rate(onDisk.bbo)})`);
  print(
    `  trades_BTC_*.csv      ${onDisk.trade.toLocaleString('en-US')} trades (${rate(onDisk.trade)}), ` +
      `${tids.size === onDisk.trade ? 'every trade id once' : `${onDisk.trade - tids.size} repeated ids`}`,
  );
  print(
    `  orderbooks_BTC_*.csv  ${onDisk.book.toLocaleString('en-US')} book snapshots (${rate(onDisk.book)})`,
  );
  print(
    `de-duplication: ${btc.duplicateTrades} repeated trades dropped by tid (the sample's own repeats and ` +
      `subscription replays); ` +
      `reconnections: ${report.reconnects}; malformed frames: ${report.malformed}`,
  );
  print(
    `exchange side: ${sent.tradePrints.toLocaleString('en-US')} trades, ${sent.bbo.toLocaleString('en-US')} BBO, ` +
      `${sent.l2Book.toLocaleString('en-US')} books replayed (some while the collector was reconnecting)`,
  );
  if (opts.keep) print(`files kept in ${out}`);
  else rmSync(out, { recursive: true, force: true });
}
