/**
 * `--collect DIR` inside `hlmm trade` rides the bot's own market-data socket: against the in-process fake exchange
 * the fake accepts ONE WebSocket connection (one coin or three), and DIR holds every coin's prices_, trades_ and
 * orderbooks_ files with the columns `hlmm collect` writes, trades de-duplicated by tid, book sequences 1, 2, 3….
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findMarketFiles, orderBookHeader, PRICES_HEADER, TRADES_HEADER } from '../../src/data/layout.ts';
import { startMultiTrading } from '../../src/trade/run-multi-trade.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import { paramsFileFor, writeCoinMarkets } from '../support/multi-coin-market.ts';
import { until } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-collect-on-feed-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
const COINS = {
  BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed: 41 },
  ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: 42 },
  SOL: { sigma: 0.05, A: 0.5, k: 20, tickSize: 0.01, startMid: 150, seed: 43 },
} as const;
type Coin = keyof typeof COINS;
const TICKERS = Object.keys(COINS) as Coin[];

before(() => writeCoinMarkets(replay, COINS));

function botDir(tickers: readonly Coin[]) {
  const dir = mkdtempSync(join(root, 'bot-'));
  const pdir = join(dir, 'params');
  mkdirSync(pdir);
  for (const t of tickers)
    writeFileSync(join(pdir, `params_${t}.json`), JSON.stringify(paramsFileFor(t, COINS[t])));
  const cfgFile = join(dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify({ collector: { recalibrate_daily: false } }));
  return { dir, pdir, cfgFile, market: join(dir, 'market') };
}

const common = (b: ReturnType<typeof botDir>) => ({
  config: b.cfgFile,
  replay,
  loop: true,
  speed: 200,
  db: join(b.dir, 'bot.sqlite'),
  apiPort: 0,
  quiet: true,
  logFile: join(b.dir, 'bot.jsonl'),
  resetPaper: true,
  horizon: '3600',
  collect: b.market,
});

function rowsOf(file: string): string[][] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((l) => l.split(','));
}

/** One coin's recorded files: the headers of `hlmm collect`, unique trade ids, book sequences 1, 2, 3…. */
function assertRecorded(market: string, coin: string): void {
  const [prices] = findMarketFiles(market, 'prices', coin);
  const [trades] = findMarketFiles(market, 'trades', coin);
  const [books] = findMarketFiles(market, 'orderbooks', coin);
  assert.ok(prices && trades && books, `${coin}: prices, trades and orderbooks files recorded`);
  const p = rowsOf(prices);
  const t = rowsOf(trades);
  const b = rowsOf(books);
  assert.equal(p[0]?.join(','), PRICES_HEADER, `${coin}: the prices columns of hlmm collect`);
  assert.equal(t[0]?.join(','), TRADES_HEADER, `${coin}: the trades columns of hlmm collect`);
  assert.equal(b[0]?.join(','), orderBookHeader(20), `${coin}: the order-book columns of hlmm collect`);
  assert.ok(p.length > 2 && t.length > 1 && b.length > 1, `${coin}: rows in every file`);
  const tidCol = TRADES_HEADER.split(',').indexOf('trade_id');
  const tids = t.slice(1).map((r) => r[tidCol]);
  assert.equal(new Set(tids).size, tids.length, `${coin}: every trade once (de-duplicated by tid)`);
  const seq = b.slice(1).map((r) => Number(r[1]));
  assert.deepEqual(
    seq,
    seq.map((_, i) => i + 1),
    `${coin}: book sequence 1, 2, 3…`,
  );
}

describe('hlmm trade --collect rides the feed socket', () => {
  it('three coins: one WebSocket connection, every coin recorded', async () => {
    const b = botDir(TICKERS);
    const bot = await startMultiTrading({ ...common(b), paramsDir: b.pdir }, TICKERS, {
      handleSignals: false,
    });
    const fake = bot.fake;
    assert.ok(fake !== null && bot.ops.collector !== null);
    try {
      await until('every coin recorded trades and books', () => {
        const counts = bot.ops.collector?.report().symbols ?? {};
        return TICKERS.every((t) => (counts[t]?.trades ?? 0) >= 3 && (counts[t]?.books ?? 0) >= 3);
      });
      assert.equal(fake.connectionsAccepted(), 1, 'one WebSocket for the feed and the recorder');
      const [conn] = [...fake.connections()];
      const keys = [...(conn?.subscriptions.keys() ?? [])];
      for (const t of TICKERS)
        for (const ch of ['bbo', 'trades', 'l2Book'])
          assert.ok(
            keys.some((k) => k.startsWith(`${ch}:${t}`)),
            `${ch}:${t} on the one socket`,
          );
      assert.ok((bot.ops.collector?.report().frames ?? 0) > 0, "the report counts the feed socket's frames");
    } finally {
      await bot.stop('test done');
    }
    await bot.done;
    assert.equal(fake.connectionsAccepted(), 1, 'still one connection at the end');
    for (const t of TICKERS) assertRecorded(b.market, t);
  });

  it('one coin: the recorder on the feed socket, one connection', async () => {
    const b = botDir(['ETH']);
    const bot = await startTrading(
      { ...common(b), ticker: 'ETH', params: join(b.pdir, 'params_ETH.json') },
      { handleSignals: false },
    );
    const fake = bot.fake;
    assert.ok(fake !== null);
    try {
      await until('the recorder wrote trades and books', () => {
        const files = ['prices', 'trades', 'orderbooks'] as const;
        return files.every((k) => {
          const [f] = findMarketFiles(b.market, k, 'ETH');
          return f !== undefined && rowsOf(f).length > 2;
        });
      });
      assert.equal(fake.connectionsAccepted(), 1, 'one WebSocket for the feed and the recorder');
    } finally {
      await bot.stop('test done');
    }
    await bot.done;
    assertRecorded(b.market, 'ETH');
  });
});
