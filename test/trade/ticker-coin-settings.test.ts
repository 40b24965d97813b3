/**
 * One coin (`hlmm trade --ticker X`) takes its config `coins.<X>` lot and limits, as each coin of --tickers does:
 * in process against the in-process fake exchange replaying the bundled BTC sample, with a real SQLite store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../src/store/trade-store.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import { until } from '../support/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-ticker-coin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("--ticker BTC quotes with the config's coins.BTC order size and max position", async () => {
  const cfgFile = join(dir, 'config.json');
  // The shared lot stays the default 0.001 BTC; the coin's own entry doubles it and caps the position at 2 lots.
  writeFileSync(cfgFile, JSON.stringify({ coins: { BTC: { order_size: 0.002, max_position_lots: 2 } } }));
  const bot = await startTrading(
    {
      config: cfgFile,
      ticker: 'BTC',
      replay: 'data/sample',
      loop: true,
      speed: 300,
      params: 'data/sample/params_BTC.json',
      db: join(dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
      resetPaper: true,
    },
    { handleSignals: false },
  );
  try {
    await until('2 orders placed and a fill', () => {
      const s = bot.engine.summary();
      return s.orders_placed >= 2 && s.fills >= 1;
    });
  } finally {
    await bot.stop('test done');
  }
  const s = await bot.done;
  const store = openStore(join(dir, 'bot.sqlite'));
  try {
    const sizes = store.recentOrders(100_000).map((o) => o.sz);
    assert.ok(sizes.length >= 2, 'orders were stored');
    assert.deepEqual([...new Set(sizes)], [0.002], 'every order is one coins.BTC lot');
    assert.ok(
      store.allFills('BTC').every((f) => f.sz <= 0.002 + 1e-12),
      'fills within a lot',
    );
  } finally {
    store.close();
  }
  assert.ok(Math.abs(s.position) <= 2 * 0.002 + 1e-12, `position ${s.position} within 2 lots of 0.002`);
});
