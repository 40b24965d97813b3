/**
 * One bot per database file: a second `hlmm trade` on the same --db is refused with one sentence naming the
 * first (pid, start time) and exit 2, in paper, replay and live mode; a bot killed with SIGKILL leaves no stale
 * lock behind (the operating system drops SQLite's lock with the process). One live bot per account and coin:
 * a second one (another database) finds the first's hlmm orders and refuses rather than cancel them; a stop
 * never cancels another bot's orders and keeps the account's dead man's switch armed while they rest.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExchangeClient } from '../../src/exchange/hyperliquid/exchange-client.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { lockDatabase } from '../../src/store/db-lock.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import { spawnCli } from '../support/cli-process.ts';
import { WAIT_BUDGET_MS } from '../support/wait.ts';

const PARAMS = 'data/sample/params_BTC.json';

async function until(what: string, cond: () => boolean, timeoutMs = WAIT_BUDGET_MS): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runCli = spawnCli;

test('a second bot on the same --db is refused in every mode (one sentence naming the first, exit 2); the lock goes with the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-lock-'));
  const db = join(dir, 'bot.sqlite');
  const first = await startTrading(
    {
      replay: 'data/sample',
      speed: 20,
      params: PARAMS,
      db,
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'first.jsonl'),
    },
    { handleSignals: false },
  );
  try {
    const key = `0x${randomBytes(32).toString('hex')}`;
    const modes: Array<{ name: string; args: string[] }> = [
      {
        name: 'paper',
        args: ['--dry-run', '--ws-url', 'ws://127.0.0.1:9', '--api-url', 'http://127.0.0.1:9'],
      },
      { name: 'replay', args: ['--replay', 'data/sample'] },
      { name: 'live', args: ['--live', '--ws-url', 'ws://127.0.0.1:9', '--api-url', 'http://127.0.0.1:9'] },
    ];
    for (const m of modes) {
      const second = runCli(
        ['trade', ...m.args, '--db', db, '--params', PARAMS, '--api-port', '0', '--quiet'],
        { HLMM_PRIVATE_KEY: key },
      );
      const code = await second.exit;
      assert.equal(code, 2, `${m.name}: exit 2 (stderr: ${second.err()})`);
      const lines = second.err().trim().split('\n');
      assert.equal(lines.length, 1, `${m.name}: one line, got ${second.err()}`);
      assert.match(
        lines[0],
        new RegExp(
          `^hlmm: the database ".*bot\\.sqlite" is in use by another hlmm bot \\(pid ${process.pid} on .+, replay BTC, started \\d{4}-\\d\\d-\\d\\dT[^)]+\\); stop that bot first or give --db`,
        ),
      );
    }
    // In process too (the API and tests start bots this way).
    await assert.rejects(
      startTrading({ replay: 'data/sample', db, apiPort: 0, quiet: true }, { handleSignals: false }),
      (err: Error) => err.name === 'UserError' && /is in use by another hlmm bot \(pid/.test(err.message),
    );
    assert.ok(first.engine.summary().market_events >= 0, 'the first bot is untouched');
  } finally {
    await first.stop('test done');
  }
  await first.done;
  // Stopped: the database is free again.
  const again = await startTrading(
    { replay: 'data/sample', speed: 20, params: PARAMS, db, apiPort: 0, quiet: true, durationS: 0.5 },
    { handleSignals: false },
  );
  await again.done;
});

test('a bot killed with SIGKILL leaves no stale lock: the next start on its --db runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-lock-kill-'));
  const db = join(dir, 'bot.sqlite');
  const args = ['trade', '--replay', 'data/sample', '--speed', '5', '--params', PARAMS, '--db', db];
  const first = runCli([...args, '--api-port', '0', '--log-file', join(dir, 'first.jsonl')]);
  await until('first bot trading', () => /hlmm trade started/.test(first.err()));
  const refused = runCli([...args, '--api-port', '0', '--quiet']);
  assert.equal(await refused.exit, 2);
  assert.match(refused.err(), new RegExp(`in use by another hlmm bot \\(pid ${first.child.pid} `));
  first.child.kill('SIGKILL');
  await first.exit;
  const next = runCli([...args, '--api-port', '0', '--quiet', '--json', '--duration-s', '1']);
  assert.equal(await next.exit, 0, next.err());
  assert.match(next.out(), /"mode":"dry"/);
});

// ------------------------------------------------------------------ one bot per account and coin (live)

function newKey(): { key: string; address: string } {
  const key = `0x${randomBytes(32).toString('hex')}`;
  return { key, address: Wallet.fromPrivateKey(key).accountAddress };
}

test("live: a bot finds another hlmm bot's orders on its account and coin (another --db) and refuses without cancelling them; one appearing after start stops its quoting; a stop never cancels them nor removes the switch while they rest", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-account-'));
  const { key, address } = newKey();
  const speed = 100;
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    speed,
    loop: true,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  const wide = join(dir, 'wide.json');
  writeFileSync(wide, JSON.stringify({ strategy: { min_spread_bps: 600 } }));
  const opts = (db: string, log: string) => ({
    live: true,
    testnet: true, // the stand-in checks testnet signatures
    config: wide,
    wsUrl: fake.wsUrl,
    apiUrl: fake.url,
    clock: 'exchange' as const,
    speed,
    params: PARAMS,
    db: join(dir, db),
    apiPort: 0,
    quiet: true,
    dmsS: 60,
    logFile: join(dir, log),
  });
  // The other bot: the same key, its own hlmm cloid prefix, a buy resting far below the market (~108 k).
  const other = new ExchangeClient({
    transport: new HttpTransport({ baseUrl: fake.url }),
    wallet: Wallet.fromPrivateKey(key),
    isMainnet: false,
  });
  const otherCloid = (n: number) => `0x686c6d6dfeedface${n.toString(16).padStart(16, '0')}`;
  const placeOther = async (n: number) => {
    const [st] = await other.placeOrders([
      { asset: 0, isBuy: true, price: 80_000, size: 0.001, tif: 'Gtc', cloid: otherCloid(n) },
    ]);
    assert.equal(st.kind, 'resting', JSON.stringify(st));
  };
  try {
    await placeOther(1);
    // In process: a UserError naming the other bot's orders, nothing cancelled.
    process.env.HLMM_PRIVATE_KEY = key;
    await assert.rejects(
      startTrading(opts('second.sqlite', 'second.jsonl'), { handleSignals: false }),
      (err: Error) =>
        err.name === 'UserError' &&
        new RegExp(
          `^another hlmm bot is trading BTC on account ${address}: 1 open order\\(s\\) with cloid prefix 0x686c6d6dfeedface \\(newest placed or modified \\d+ s ago\\) that the database ".*second\\.sqlite" does not know; not cancelling them`,
          'i',
        ).test(err.message),
    );
    // The refused start gave its database lock back.
    lockDatabase(join(dir, 'second.sqlite'), { mode: 'live', ticker: 'BTC' })?.release();
    // From the CLI: one line, exit 2.
    const cli = runCli(
      [
        'trade',
        '--live',
        '--testnet',
        '--config',
        wide,
        '--ws-url',
        fake.wsUrl,
        '--api-url',
        fake.url,
        '--clock',
        'exchange',
        '--params',
        PARAMS,
        '--db',
        join(dir, 'third.sqlite'),
        '--api-port',
        '0',
        '--quiet',
      ],
      { HLMM_PRIVATE_KEY: key },
    );
    assert.equal(await cli.exit, 2, cli.err());
    assert.equal(cli.err().trim().split('\n').length, 1, cli.err());
    assert.match(cli.err(), /^hlmm: another hlmm bot is trading BTC on account/);
    assert.deepEqual(
      fake.trading.openOrdersOf(address).map((o) => o.cloid),
      [otherCloid(1)],
      "the other bot's order was not cancelled",
    );

    // The other bot pauses (no order of it rests): ours starts and quotes.
    await other.cancelByCloid([{ asset: 0, cloid: otherCloid(1) }]);
    process.env.HLMM_PRIVATE_KEY = key;
    const startedWall = Date.now();
    const bot = await startTrading(opts('first.sqlite', 'first.jsonl'), { handleSignals: false });
    try {
      await until('quoting', () => fake.trading.openOrdersOf(address).length === 2);
      // The other bot quotes again, within our first minute (of wall time, the bot's rule): ours yields.
      const sinceStartS = (Date.now() - startedWall) / 1000;
      assert.ok(
        sinceStartS < 50,
        `the bot took ${sinceStartS} s to quote: too late to test its first minute`,
      );
      await placeOther(2);
      await until('quoting stopped', () => !bot.engine.risk().quoting);
      await until("only the other bot's order rests", () => fake.trading.openOrdersOf(address).length === 1);
      assert.equal(fake.trading.openOrdersOf(address)[0].cloid, otherCloid(2));
    } finally {
      await bot.stop('test done');
    }
    await bot.done;
    assert.deepEqual(
      fake.trading.openOrdersOf(address).map((o) => o.cloid),
      [otherCloid(2)],
      'the stop sweep left the other bot’s order alone',
    );
    assert.ok(
      (fake.trading.scheduledCancelAt(address) ?? 0) > 0,
      "the dead man's switch stays armed while the other bot's order rests",
    );
    const log = readFileSync(join(dir, 'first.jsonl'), 'utf8');
    assert.match(
      log,
      /another hlmm bot \(cloid prefix 0x686c6d6dfeedface\) placed an order on BTC on account [^;]+; this bot started last: quoting stopped/,
    );
    assert.match(
      log,
      /leaving the dead man's switch armed: 1 order\(s\) of another hlmm bot rest on the account \(BTC\)/,
    );
  } finally {
    await fake.close();
  }
});
