/**
 * The collector against the fake exchange (in-process, port 0), replaying the bundled real BTC sample:
 * exactly-once trades across a forced disconnect, a silent stall and a resubscribe replay; SIGTERM to a child
 * `./bin/hlmm collect` loses nothing received; junk frames survived and counted. The replays loop, so data keeps
 * coming however slowly the machine runs, and every step waits for what it needs (never a fixed time).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CollectorReport, startCollector } from '../../src/collect/collector.ts';
import type { TradePrint } from '../../src/core/market.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { parseServerMessage } from '../../src/exchange/hyperliquid/ws-messages.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { until } from '../support/wait.ts';

const SAMPLE = new URL('../../data/sample', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
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

const waitFor = (what: string, check: () => boolean) => until(what, check);

/** Trade ids of each `trades` frame in `frames` (wire JSON), one comma-separated list per frame. */
function tradeFrameTids(frames: string[]): string[] {
  return frames.flatMap((frame) => {
    const msg = parseServerMessage(frame, 0);
    return msg.channel === 'trades' ? [msg.trades.map((t) => t.tid).join(',')] : [];
  });
}

/** Distinct trade ids and BBO updates (a repeat of the previous BBO frame is not one) in the frames sent. */
function sentCounts(sent: string[]): { tids: Set<number>; bbo: number } {
  const tids = new Set<number>();
  let bbo = 0;
  let lastBbo = '';
  for (const frame of sent) {
    const msg = parseServerMessage(frame, 0);
    if (msg.channel === 'trades') for (const t of msg.trades) tids.add(t.tid);
    if (msg.channel === 'bbo' && frame !== lastBbo) {
      bbo++;
      lastBbo = frame;
    }
  }
  return { tids, bbo };
}

test('every trade recorded exactly once across a disconnect, a silent stall and a resubscribe replay', async () => {
  const tapped: string[] = []; // every frame the exchange sent
  const exchange = await startFakeExchange({
    dataDir: SAMPLE,
    symbols: ['BTC'],
    speed: 1500,
    loop: true,
    tap: (frame) => tapped.push(frame),
  });
  const out = mkdtempSync(join(tmpdir(), 'hlmm-collect-'));
  let report: CollectorReport;
  const received: number[] = []; // every trade id the collector received, repeats included
  const receivedFrames: string[] = []; // the trade ids of each trades frame received, in order
  const collector = startCollector({
    symbols: ['BTC'],
    outDir: out,
    wsUrl: exchange.wsUrl,
    stallTimeoutS: 0.4,
    pingIntervalS: 0.2,
    backoff: { initialMs: 50, maxMs: 400, jitter: 0.2 },
    onFrame: (msg) => {
      if (msg.channel === 'trades') {
        for (const t of msg.trades) received.push(t.tid);
        receivedFrames.push(msg.trades.map((t) => t.tid).join(','));
      }
    },
  });
  try {
    await waitFor('first trades', () => received.length > 50);
    exchange.faults.drop(); // 1. the connection dies (code 1006)
    await waitFor('reconnect', () => collector.session.stats.reconnects >= 1);
    const afterReconnect = received.length;
    await waitFor('data after the reconnect', () => received.length > afterReconnect + 20);
    exchange.faults.silence(1.0); // 2. the feed goes silent, the socket stays open
    await waitFor('watchdog', () => collector.session.stats.stalls >= 1);
    await waitFor('the silence over', () => !exchange.faults.silent);
    const before = received.length;
    await waitFor('data after the stall', () => received.length > before + 20);
    // 3. recent trades sent again, as on a resubscription. On a busy machine the 0.4 s watchdog can fire while
    // those frames are in flight and the reconnect loses them: then they are sent again on the new connection.
    let receivedBefore = 0;
    let reconnectsAtReplay = 0;
    let replayed: string[] = [];
    const replayRecentTrades = () => {
      const sentBefore = tapped.length;
      receivedBefore = receivedFrames.length;
      reconnectsAtReplay = collector.session.stats.reconnects;
      exchange.faults.replayTrades();
      replayed = tradeFrameTids(tapped.slice(sentBefore));
      // Not resubscribed yet after a reconnect: nothing went out, so try again on the next poll.
      if (replayed.length === 0) reconnectsAtReplay = -1;
    };
    replayRecentTrades();
    assert.ok(replayed.length > 0, 'recent trades were sent again');
    await waitFor('the replayed trades received', () => {
      if (collector.session.stats.reconnects > reconnectsAtReplay) replayRecentTrades();
      const since = new Set(receivedFrames.slice(receivedBefore));
      return replayed.length > 0 && replayed.every((tids) => since.has(tids));
    });
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
  // The recorded trades are the sample's own (a collector that connects late starts with the 30 recent trades
  // the exchange re-sends on subscribe, so not necessarily with the file's first); later passes of the loop carry
  // fresh ids from 2^52 up.
  const sample = await recorded(SAMPLE);
  assert.equal(sample.trades[0].tid, 1_016_962_236_537_855); // the sample file's first trade
  const sampleTids = new Set(sample.trades.map((t) => t.tid));
  assert.ok(sampleTids.has(onDisk.trades[0].tid), `first recorded tid ${onDisk.trades[0].tid}`);
  for (const tid of diskTids)
    assert.ok(sampleTids.has(tid) || tid >= 2 ** 52, `tid ${tid} is not the sample's`);
});

test('junk frames are survived and counted; recording goes on', async () => {
  const exchange = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 1500, loop: true });
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
    loop: true,
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
      // A summary line (what it has recorded so far) every 0.2 s: the test waits on it, not on the clock.
      '--summary-interval-s',
      '0.2',
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
    // Stop sending, wait until the child says it has recorded every frame sent, then SIGTERM (mostly inside the
    // 5 s flush interval, so the exit path writes what is still buffered).
    exchange.faults.silence(60);
    const { tids, bbo } = sentCounts(sent);
    const line = `BTC bbo ${bbo} (`;
    const trades = new RegExp(`\\) trades ${tids.size} \\(`);
    await waitFor('the child recorded every frame sent', () =>
      stderr.split('\n').some((l) => l.includes(line) && trades.test(l)),
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    await exchange.close();
  }
  const { tids: sentTids, bbo: bboSent } = sentCounts(sent);
  const onDisk = await recorded(out);
  assert.deepEqual(new Set(onDisk.trades.map((t) => t.tid)), sentTids);
  assert.equal(onDisk.trades.length, sentTids.size);
  assert.equal(onDisk.bbo, bboSent);
  assert.match(stderr, /stopped/);
});
