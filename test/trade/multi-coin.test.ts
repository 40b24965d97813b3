/**
 * End to end, in process: `hlmm trade --tickers BTC,ETH,BNB --replay DIR` (paper) through the in-process fake
 * exchange serving three synthetic coins, one WebSocket, one engine per coin and one SQLite store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/trade-store.ts';
import { type RunningMultiBot, startMultiTrading } from '../../src/trade/run-multi-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { paramsFileFor, writeCoinMarkets } from '../support/multi-coin-market.ts';
import { until } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-trade-multi-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
const COINS = {
  BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed: 21 },
  ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: 22 },
  // strategy.order_size (0.001) is every coin's lot: a coin whose lot grid is coarser (BNB: 0.01) cannot quote it.
  BNB: { sigma: 0.1, A: 0.5, k: 10, tickSize: 0.01, startMid: 600, seed: 23 },
} as const;
type Coin = keyof typeof COINS;

const paramsFile = (ticker: Coin) => paramsFileFor(ticker, COINS[ticker]);

before(() => writeCoinMarkets(replay, COINS));

async function start(dir: string, tickers: Coin[], extra: Partial<TradeCommandOptions> = {}) {
  return startMultiTrading(
    {
      replay,
      loop: true,
      speed: 300,
      db: join(dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
      resetPaper: true,
      horizon: '3600',
      ...extra,
    },
    tickers,
    { handleSignals: false },
  );
}

describe('hlmm trade --tickers (paper, fake exchange)', () => {
  it('three coins, one store: fills on each coin, every fill stored once under its coin', async () => {
    const dir = mkdtempSync(join(root, 'bot-'));
    const pdir = join(dir, 'params');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(pdir);
    for (const t of Object.keys(COINS) as Coin[])
      writeFileSync(join(pdir, `params_${t}.json`), JSON.stringify(paramsFile(t)));
    // One lot setting for every coin: BNB's lot (0.001) is sized up to the 10 USDC minimum (17 lots), so the
    // max position must leave room for it.
    const bot: RunningMultiBot = await start(dir, ['BTC', 'ETH', 'BNB'], {
      paramsDir: pdir,
      maxPosition: 50,
    });
    try {
      await until('a fill on every coin', () =>
        [...bot.engines.values()].every((e) => e.summary().fills >= 1),
      );
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.deepEqual(Object.keys(s.coins), ['BTC', 'ETH', 'BNB']);
    const store = openStore(join(dir, 'bot.sqlite'));
    let total = 0;
    try {
      for (const t of ['BTC', 'ETH', 'BNB'] as const) {
        const fills = store.allFills(t);
        assert.ok(fills.length >= 1, `${t} fills stored`);
        assert.equal(fills.length, s.coins[t]?.fills, `${t}: every fill stored once`);
        assert.ok(fills.every((f) => f.coin === t));
        assert.equal(store.openOrders(t).length, 0, `${t}: nothing left open after the stop`);
        assert.equal(store.latestPnl(t)?.coin, t);
        total += fills.length;
      }
      assert.equal(store.fillCount(), total, 'one store holds every coin');
    } finally {
      store.close();
    }
    assert.equal(s.account.fills, total);
    assert.ok(Math.abs(s.account.pnl - Object.values(s.coins).reduce((x, c) => x + c.pnl, 0)) < 1e-9);
  });

  it('a coin whose parameters are missing does not quote; the others go on', async () => {
    const dir = mkdtempSync(join(root, 'bot-'));
    const pdir = join(dir, 'params');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(pdir);
    writeFileSync(join(pdir, 'params_BTC.json'), JSON.stringify(paramsFile('BTC')));
    const bot = await start(dir, ['BTC', 'ETH'], { paramsDir: pdir });
    try {
      await until('BTC fills', () => (bot.engines.get('BTC')?.summary().fills ?? 0) >= 2);
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.equal(s.coins.ETH?.fills, 0);
    assert.equal(s.coins.ETH?.orders_placed, 0, 'ETH placed nothing');
  });

  it('the account kill switch pulls every coin', async () => {
    const dir = mkdtempSync(join(root, 'bot-'));
    const pdir = join(dir, 'params');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(pdir);
    for (const t of ['BTC', 'ETH'] as const)
      writeFileSync(join(pdir, `params_${t}.json`), JSON.stringify(paramsFile(t)));
    const bot = await start(dir, ['BTC', 'ETH'], { paramsDir: pdir, accountKillDrawdown: 0.01 });
    try {
      await until('the account kill switch', () => bot.account.killSwitch !== null);
      await until('every coin pulled', () =>
        [...bot.engines.values()].every((e) => e.risk().killSwitch.tripped && e.openOrders().length === 0),
      );
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.match(s.account.kill_switch ?? '', /^account drawdown/);
    for (const t of ['BTC', 'ETH'] as const) assert.equal(s.coins[t]?.kill_switch, s.account.kill_switch);
  });
});
