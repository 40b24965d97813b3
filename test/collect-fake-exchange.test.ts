/**
 * The collector against the fake exchange (in-process, port 0), replaying the bundled real BTC sample:
 * exactly-once trades across a forced disconnect, a silent stall and a resubscribe replay; SIGTERM to a child
 * `./bin/hlmm collect` loses nothing received; junk frames survived and counted.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CollectorReport, startCollector } from '../src/collect/collector.ts';
import type { TradePrint } from '../src/core/market.ts';
import { readMarket } from '../src/data/market-stream.ts';
import { parseServerMessage } from '../src/exchange/hyperliquid/ws-messages.ts';
import { startFakeExchange } from '../src/fake-exchange/server.ts';

const SAMPLE = new URL('../data/sample', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function recorded(dir: string) {
  const trades: TradePrint[] = [];
  let bbo = 0;
  let books = 0;
  for await (const batch of readMarket(dir, 'BTC')) {
    for (const e of batch) {
      if (e.kind === 'trade') trades.push(e);
      else if (e.kind === 'bbo') bbo++;
      else books++;
    }
  }
  return { trades, bbo, books };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('every trade recorded exactly once across a disconnect, a silent stall and a resubscribe replay', async () => {
  const exchange = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 1500 });
  const out = mkdtempSync(join(tmpdir(), 'hlmm-collect-'));
  let report: CollectorReport;
  const received: number[] = []; // every trade id the collector received, repeats included
  const collector = startCollector({
    symbols: ['BTC'],
    outDir: out,
    wsUrl: exchange.wsUrl,
    stallTimeoutS: 0.4,
    pingIntervalS: 0.2,
    backoff: { initialMs: 50, maxMs: 400, jitter: 0.2 },
    onFrame: (msg) => {
      if (msg.channel === 'trades') for (const t of msg.trades) received.push(t.tid);
    },
  });
  try {
    await waitFor('first trades', () => received.length > 50);
    exchange.faults.drop(); // 1. the connection dies (code 1006)
    await waitFor('reconnect', () => collector.session.stats.reconnects >= 1);
    await sleep(400);
    exchange.faults.silence(1.0); // 2. the feed goes silent, the socket stays open
    await waitFor('watchdog', () => collector.session.stats.stalls >= 1);
    await sleep(1_200);
    const before = received.length;
    await waitFor('data after the stall', () => received.length > before + 20);
    exchange.faults.replayTrades(); // 3. recent trades sent again, as on a resubscription
    await sleep(300);
  } finally {
    report = await collector.stop();
    await exchange.close();
  }
  const onDisk = await recorded(out);
  const diskTids = onDisk.trades.map((t) => t.tid);
  const unique = new Set(received);
  assert.equal(new Set(diskTids).size, diskTids.length, 'a trade id appears twice on disk');
  assert.deepEqual(new Set(diskTids), unique, 'on disk ≠ received');
  assert.ok(received.length - unique.size >= 30, `only ${received.length - unique.size} repeats exercised`);
  assert.equal(report.symbols.BTC.duplicateTrades, received.length - unique.size);
  assert.equal(report.symbols.BTC.trades, diskTids.length);
  assert.ok(report.reconnects >= 2, `reconnects ${report.reconnects}`);
  assert.ok(report.stalls >= 1);
  assert.ok(report.gaps >= 2);
  assert.equal(report.malformed, 0);
  assert.ok(onDisk.bbo > 100 && onDisk.books > 10);
  // the recorded trades are the sample's own: first tid of the sample file
  assert.equal(onDisk.trades[0].tid, 1_016_962_236_537_855);
});

test('junk frames are survived and counted; recording goes on', async () => {
  const exchange = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 1500 });
  const out = mkdtempSync(join(tmpdir(), 'hlmm-collect-'));
  const collector = startCollector({ symbols: ['BTC'], outDir: out, wsUrl: exchange.wsUrl });
  let report: CollectorReport;
  try {
    await waitFor('data', () => collector.report().symbols.BTC.bbo > 20);
    exchange.faults.malformed(18); // two rounds of the 9 junk kinds: 8 malformed + 1 unknown channel each
    await waitFor('junk counted', () => collector.recorder.counters.malformed >= 16);
    const bboAfterJunk = collector.report().symbols.BTC.bbo;
    await waitFor('data after the junk', () => collector.report().symbols.BTC.bbo > bboAfterJunk + 20);
  } finally {
    report = await collector.stop();
    await exchange.close();
  }
  assert.equal(report.counters.malformed, 16);
  assert.equal(report.counters.unknownChannel, 2);
  assert.equal(report.malformed, 16);
  assert.equal(report.reconnects, 0);
});

test('SIGTERM to a child `hlmm collect` loses nothing already received and exits 0', async () => {
  if (!existsSync(join(ROOT, 'dist/hlmm.js')))
    spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
  const sent: string[] = [];
  const exchange = await startFakeExchange({
    dataDir: SAMPLE,
    symbols: ['BTC'],
    speed: 1500,
    tap: (frame) => sent.push(frame),
  });
  const out = mkdtempSync(join(tmpdir(), 'hlmm-collect-'));
  const child = spawn(
    process.execPath,
    [
      'bin/hlmm',
      'collect',
      '--symbols',
      'BTC',
      '--out',
      out,
      '--ws-url',
      exchange.wsUrl,
      '--flush-interval-s',
      '5',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(
      'trades sent to the child',
      () => sent.filter((f) => f.includes('"channel":"trades"')).length > 30,
    );
    // Stop sending, let in-flight frames land, then SIGTERM well inside the 5 s flush interval.
    exchange.faults.silence(60);
    await sleep(300);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    await exchange.close();
  }
  const sentTids = new Set<number>();
  let bboSent = 0;
  let lastBbo = '';
  for (const frame of sent) {
    const msg = parseServerMessage(frame, 0);
    if (msg.channel === 'trades') for (const t of msg.trades) sentTids.add(t.tid);
    if (msg.channel === 'bbo' && frame !== lastBbo) {
      bboSent++;
      lastBbo = frame;
    }
  }
  const onDisk = await recorded(out);
  assert.deepEqual(new Set(onDisk.trades.map((t) => t.tid)), sentTids);
  assert.equal(onDisk.trades.length, sentTids.size);
  assert.equal(onDisk.bbo, bboSent);
  assert.match(stderr, /stopped/);
});
