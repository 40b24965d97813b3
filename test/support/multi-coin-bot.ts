/**
 * A three-coin paper bot (`hlmm trade --tickers BTC,ETH,BNB --replay DIR`) on a looping synthetic replay, its
 * monitoring API on a free loopback port: for the multi-coin API, Freqtrade client and dashboard tests. The coins
 * are those of test/trade/multi-coin.test.ts (one lot setting for every coin: BNB's 0.001 lot is sized up to its
 * 10 USDC minimum, so the max position leaves room for it).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynthMarket } from '../../src/data/synth.ts';
import { type RunningMultiBot, startMultiTrading } from '../../src/trade/run-multi-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { paramsFileFor } from './multi-coin-market.ts';

export const MULTI_COINS = {
  BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed: 21 },
  ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: 22 },
  BNB: { sigma: 0.1, A: 0.5, k: 10, tickSize: 0.01, startMid: 600, seed: 23 },
} as const;
export type MultiCoin = keyof typeof MULTI_COINS;
export const MULTI_TICKERS = Object.keys(MULTI_COINS) as MultiCoin[];
export const MULTI_USER = 'hlmm';
export const MULTI_PASSWORD = 'multi-coin-test-password';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** One hour of each coin's synthetic market and its parameters file, in a new folder; returns the folder. */
export async function writeMultiReplay(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-multi-api-'));
  for (const [ticker, c] of Object.entries(MULTI_COINS)) {
    await writeSynthMarket({
      ...c,
      outDir: dir,
      ticker,
      days: 1,
      durationS: 3600,
      stepMs: 1000,
      startMs: Date.UTC(2025, 0, 1, 1),
    });
    writeFileSync(join(dir, `params_${ticker}.json`), JSON.stringify(paramsFileFor(ticker, c)));
  }
  return dir;
}

export async function startMultiBot(
  replay: string,
  extra: Partial<TradeCommandOptions> = {},
): Promise<RunningMultiBot & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-multi-bot-'));
  mkdirSync(dir, { recursive: true });
  const bot = await startMultiTrading(
    {
      replay,
      paramsDir: replay,
      loop: true,
      speed: 300,
      db: join(dir, 'bot.sqlite'),
      apiPort: await freePort(),
      apiHost: '127.0.0.1',
      apiUser: MULTI_USER,
      apiPassword: MULTI_PASSWORD,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
      resetPaper: true,
      horizon: '3600',
      maxPosition: 50,
      ...extra,
    },
    MULTI_TICKERS,
    { handleSignals: false },
  );
  return Object.assign(bot, { dir });
}
