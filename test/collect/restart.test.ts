/**
 * A collector process restart on the same directory: the fake exchange, like Hyperliquid, re-sends recent trades
 * on the new subscription, and the new run must not append the ones the previous run already wrote.
 * The replayed market is small (60 trades, fewer than the fake's 100 remembered recent trades), so the second run's
 * subscribe snapshot certainly re-sends every trade the first run wrote: the overlap does not depend on timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCollector } from '../../src/collect/collector.ts';
import { readTrades } from '../../src/data/reader.ts';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { until } from '../support/wait.ts';

const TRADES = 60;
const T0_MS = Date.UTC(2025, 8, 1);

const waitFor = (what: string, check: () => boolean) => until(what, check);

/** One BBO and one trade per exchange second; trade ids unordered, as Hyperliquid's are. */
async function writeMarket(dir: string): Promise<number[]> {
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  const tids: number[] = [];
  for (let i = 0; i < TRADES; i++) {
    const exchMs = T0_MS + i * 1000;
    const recvS = exchMs / 1000 + 0.05;
    const mid = 110_000 + (i % 7);
    w.writeBbo({ exchMs, recvS, bidPx: mid - 0.5, bidSz: 1.2, askPx: mid + 0.5, askSz: 0.8 });
    const tid = 100_000_000_000 + ((i * 7_919) % 1_000) * 1_000 + i;
    tids.push(tid);
    w.writeTrade({ exchMs: exchMs + 500, recvS: recvS + 0.5, px: mid + 0.5, sz: 0.01, side: 'buy', tid });
  }
  await w.close();
  return tids;
}

async function tidsOnDisk(file: string): Promise<number[]> {
  const tids: number[] = [];
  for await (const batch of readTrades(file)) for (const t of batch) tids.push(t.tid);
  return tids;
}

function runCollector(out: string, wsUrl: string, received: number[]) {
  return startCollector({
    symbols: ['BTC'],
    outDir: out,
    wsUrl,
    pingIntervalS: 0.2,
    onFrame: (msg) => {
      if (msg.channel === 'trades') for (const t of msg.trades) received.push(t.tid);
    },
  });
}

test('a restarted collector does not append trades re-sent on subscribe that the last run wrote', async () => {
  const market = mkdtempSync(join(tmpdir(), 'hlmm-restart-market-'));
  const allTids = await writeMarket(market);
  // 25 exchange seconds per wall second: the 60-trade market plays in ~2.4 s.
  const exchange = await startFakeExchange({
    dataDir: market,
    symbols: ['BTC'],
    speed: 25,
    resendTradesOnSubscribe: 100,
  });
  const out = mkdtempSync(join(tmpdir(), 'hlmm-restart-'));
  const file = join(out, 'trades_BTC_2025-09-01.csv'); // the collector writes one file per UTC day
  try {
    const first: number[] = [];
    const a = runCollector(out, exchange.wsUrl, first);
    await waitFor('first run trades', () => first.length >= 15);
    await a.stop();
    const afterFirst = await tidsOnDisk(file);
    assert.ok(afterFirst.length >= 15);
    assert.equal(new Set(afterFirst).size, afterFirst.length);

    const second: number[] = [];
    const b = runCollector(out, exchange.wsUrl, second);
    assert.equal(b.recorder.seededTradeIds.BTC, afterFirst.length);
    await waitFor('the rest of the market', () => new Set([...first, ...second]).size === TRADES);
    const report = await b.stop();

    // The subscribe snapshot re-sent every trade the first run wrote; none was appended again.
    const written = new Set(afterFirst);
    const resent = second.filter((tid) => written.has(tid));
    assert.equal(new Set(resent).size, afterFirst.length);
    assert.equal(report.symbols.BTC.duplicateTrades, resent.length);

    const onDisk = await tidsOnDisk(file);
    assert.equal(new Set(onDisk).size, onDisk.length, 'a trade id appears twice in the trades file');
    assert.deepEqual(onDisk, allTids); // every trade once, in market order
  } finally {
    await exchange.close();
  }
});
