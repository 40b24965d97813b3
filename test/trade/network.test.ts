// The network signatures are made for comes from the config (or --testnet), never from the exchange URL; a
// signature the exchange cannot attribute ends start-up with one sentence naming the likely cause.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isUserError } from '../../src/core/errors.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { startTrading } from '../../src/trade/run-trade.ts';

function newKey(): { key: string; address: string } {
  const key = `0x${randomBytes(32).toString('hex')}`;
  return { key, address: Wallet.fromPrivateKey(key).accountAddress };
}

test('against a testnet stand-in at a non-Hyperliquid URL, signing stays mainnet unless told; the refusal is one sentence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-network-'));
  const { key, address } = newKey();
  // The stand-in checks testnet signatures (phantom agent "b"), as Hyperliquid's testnet does.
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    port: 0,
    speed: 10,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  const saved = process.env.HLMM_PRIVATE_KEY;
  process.env.HLMM_PRIVATE_KEY = key;
  try {
    const base = {
      live: true,
      apiUrl: fake.url,
      wsUrl: fake.wsUrl,
      apiPort: 0,
      quiet: true,
      params: 'data/sample/params_BTC.json',
      logFile: join(dir, 'log.jsonl'),
    };
    // Before: any URL but mainnet's signed for testnet, so this start-up "worked" with exchange.network mainnet.
    await assert.rejects(
      startTrading({ ...base, db: join(dir, 'a.sqlite') }, { handleSignals: false }),
      (e: unknown) =>
        isUserError(e) &&
        /^the exchange refused the bot's signed start-up request \(.*does not exist\); likely cause: the signatures are for mainnet but the exchange is testnet/.test(
          e.message,
        ) &&
        !e.message.includes(key.slice(2)) &&
        !e.message.includes('\n'),
    );
    // With --testnet (URLs given, so only the network changes) the same start-up signs correctly.
    process.env.HLMM_PRIVATE_KEY = key; // read and removed by the first start-up
    const bot = await startTrading(
      { ...base, testnet: true, db: join(dir, 'b.sqlite') },
      { handleSignals: false },
    );
    const summary = await bot.stop('test');
    assert.equal(summary.mode, 'live');
  } finally {
    if (saved === undefined) delete process.env.HLMM_PRIVATE_KEY;
    else process.env.HLMM_PRIVATE_KEY = saved;
    await fake.close();
  }
});

test('a URL of the other Hyperliquid network than the one signed for is refused before anything is sent', async () => {
  const { key } = newKey();
  const saved = process.env.HLMM_PRIVATE_KEY;
  process.env.HLMM_PRIVATE_KEY = key;
  try {
    await assert.rejects(
      startTrading(
        {
          live: true,
          apiUrl: 'https://api.hyperliquid-testnet.xyz',
          wsUrl: 'wss://api.hyperliquid-testnet.xyz/ws',
          apiPort: 0,
          quiet: true,
          db: ':memory:',
        },
        { handleSignals: false },
      ),
      (e: unknown) =>
        isUserError(e) && /is Hyperliquid testnet but orders would be signed for mainnet/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.HLMM_PRIVATE_KEY;
    else process.env.HLMM_PRIVATE_KEY = saved;
  }
});
