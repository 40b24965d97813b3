// A live bot (signed orders through the live venue, on the exchange's clock) against the local fake exchange
// replaying a steady BTC touch: a fresh key, its account on the fake with 1000 USDC, a throw-away store and log.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { type RunningBot, startTrading } from '../../src/trade/run-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { until } from './wait.ts';

export interface LiveOnFake {
  bot: RunningBot;
  fake: FakeExchange;
  /** The bot's account address on the fake exchange (lower case). */
  address: string;
}

/** The steady touch of withLiveBotOnFake's market, USDC (sizes 1 BTC a side). */
export const STEADY_BID_PX = 109_221;
export const STEADY_ASK_PX = 109_222;

/**
 * Five minutes from `fromMs` of one unchanging BTC touch, quoted every 250 ms, and a single 0.0001 print at the
 * end (a trades file must exist). A recorded market moves at fixed wall times: an order priced at the touch the
 * bot saw could miss it on a machine slow enough for the touch to move first.
 */
async function writeSteadyTouch(dir: string, fromMs: number): Promise<void> {
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  const endMs = fromMs + 300_000;
  for (let t = fromMs; t <= endMs; t += 250)
    w.writeBbo({
      exchMs: t,
      recvS: t / 1000,
      bidPx: STEADY_BID_PX,
      bidSz: 1,
      askPx: STEADY_ASK_PX,
      askSz: 1,
    });
  w.writeTrade({ exchMs: endMs, recvS: endMs / 1000, px: STEADY_BID_PX, sz: 0.0001, side: 'sell', tid: 1 });
  await w.close();
}

/**
 * Starts the fake exchange at `fromMs`, lets `before` set up the account (e.g. a position), starts the live bot
 * with `flags` over the defaults, waits for its first BBO and runs `body`; the key, the fake and its market folder
 * are removed after, whatever happened. `body` stops the bot itself (its summary is often what it checks).
 */
export async function withLiveBotOnFake(
  o: {
    fromMs: number;
    before?: (fake: FakeExchange, address: string) => void;
    flags?: Partial<TradeCommandOptions>;
  },
  body: (ctx: LiveOnFake) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-live-fake-'));
  const market = join(dir, 'market');
  mkdirSync(market);
  await writeSteadyTouch(market, o.fromMs);
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress.toLowerCase();
  const fake = await startFakeExchange({
    dataDir: market,
    symbols: ['BTC'],
    port: 0,
    speed: 1,
    fromMs: o.fromMs,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  o.before?.(fake, address);
  try {
    process.env.HLMM_PRIVATE_KEY = key;
    const bot = await startTrading(
      {
        live: true,
        testnet: true,
        apiUrl: fake.url,
        wsUrl: fake.wsUrl,
        clock: 'exchange',
        speed: 1,
        params: join(dir, 'none.json'),
        db: join(dir, 'bot.sqlite'),
        apiPort: 0,
        quiet: true,
        logFile: join(dir, 'bot.jsonl'),
        ...o.flags,
      },
      { handleSignals: false },
    );
    await until('a first BBO', () => bot.engine.account().bbo !== null);
    await body({ bot, fake, address });
  } finally {
    delete process.env.HLMM_PRIVATE_KEY;
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The CLI flags of a live bot (child process) on the fake exchange `fake`: testnet (the stand-in checks testnet
 * signatures; the network comes from the flag, never from the URL), its endpoints, the exchange's clock.
 */
export function liveOnFakeFlags(fake: { url: string; wsUrl: string }): string[] {
  return ['--live', '--testnet', '--ws-url', fake.wsUrl, '--api-url', fake.url, '--clock', 'exchange'];
}
