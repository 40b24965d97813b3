/**
 * A LIVE three-coin bot (`hlmm trade --tickers BTC,ETH,SOL --live --replay DIR --testnet`) on the in-process fake
 * exchange, for the several-coin live tests: a fresh key (removed from the environment by start-up), each coin's
 * parameters file in the bot's own folder, a throw-away store and log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import type { FakeExchange } from '../../src/fake-exchange/server.ts';
import { type RunningMultiBot, startMultiTrading } from '../../src/trade/run-multi-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { paramsFileFor } from './multi-coin-market.ts';

/** BTC, ETH and SOL as synthetic markets; `seed`, `seed + 1`, `seed + 2` keep each test's own tape. */
export function liveCoins(seed: number) {
  return {
    BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed },
    ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: seed + 1 },
    SOL: { sigma: 0.05, A: 0.5, k: 20, tickSize: 0.01, startMid: 150, seed: seed + 2 },
  } as const;
}
export type LiveCoin = keyof ReturnType<typeof liveCoins>;
export const LIVE_TICKERS: LiveCoin[] = ['BTC', 'ETH', 'SOL'];

export interface LiveMultiBot {
  bot: RunningMultiBot;
  fake: FakeExchange;
  /** The bot's account on the fake exchange (lower case). */
  address: string;
  /** The bot's folder (store bot.sqlite, log bot.jsonl, params/). */
  dir: string;
}

/**
 * Starts the bot on `replay` (written with `coins`) in a new folder under `root`; only the coins of `withParams`
 * get a parameters file. `extra` goes over the defaults (speed 200, one 0.01 lot for every coin, 50 lots max).
 */
export async function startLiveMultiBot(o: {
  root: string;
  replay: string;
  coins: ReturnType<typeof liveCoins>;
  extra?: Partial<TradeCommandOptions>;
  withParams?: readonly LiveCoin[];
}): Promise<LiveMultiBot> {
  const dir = mkdtempSync(join(o.root, 'bot-'));
  const pdir = join(dir, 'params');
  mkdirSync(pdir);
  for (const t of o.withParams ?? LIVE_TICKERS)
    writeFileSync(join(pdir, `params_${t}.json`), JSON.stringify(paramsFileFor(t, o.coins[t])));
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress.toLowerCase();
  process.env.HLMM_PRIVATE_KEY = key;
  const bot = await startMultiTrading(
    {
      live: true,
      testnet: true,
      replay: o.replay,
      loop: true,
      speed: 200,
      paramsDir: pdir,
      db: join(dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
      horizon: '3600',
      // One lot for every coin: 0.01 is on every coin's size grid (SOL has 2 decimals); SOL's 1.5 USDC lot is
      // sized up to the 10 USDC minimum order value, so the max position leaves room for it.
      orderSize: 0.01,
      maxPosition: 50,
      wallet: 1_000_000,
      ...o.extra,
    },
    LIVE_TICKERS,
    { handleSignals: false },
  ).finally(() => {
    delete process.env.HLMM_PRIVATE_KEY;
  });
  assert.ok(bot.fake, 'the replay runs on the in-process fake exchange');
  return { bot, fake: bot.fake, address, dir };
}
