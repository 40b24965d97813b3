/**
 * Live mode against the fake exchange: signed ALO orders with cloids, re-pricing, rate-limit back-off (in
 * process, --replay --live); dead man's switch after SIGKILL and restart recovery (child processes against a
 * fake exchange run by the test, so it outlives the bot).
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HttpTransport } from '../../../../src/exchange/hyperliquid/http.ts';
import { InfoClient } from '../../../../src/exchange/hyperliquid/info-client.ts';
import { Wallet } from '../../../../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../../../../src/fake-exchange/server.ts';
import { openStore } from '../../../../src/store/trade-store.ts';
import { startTrading } from '../../../../src/trade/run-trade.ts';
import { spawnCli } from '../../../support/cli-process.ts';
import { liveOnFakeFlags } from '../../../support/live-on-fake.ts';
import { killWhen, until } from '../../../support/wait.ts';

const PARAMS = 'data/sample/params_BTC.json';

function newKey(): { key: string; address: string } {
  const key = `0x${randomBytes(32).toString('hex')}`;
  return { key, address: Wallet.fromPrivateKey(key).accountAddress };
}

test('--live without a key: one clear sentence, no stack', async () => {
  const saved = process.env.HLMM_PRIVATE_KEY;
  delete process.env.HLMM_PRIVATE_KEY;
  try {
    await assert.rejects(
      startTrading(
        {
          replay: 'data/sample',
          live: true,
          apiPort: 0,
          quiet: true,
          db: ':memory:',
          logFile: join(mkdtempSync(join(tmpdir(), 'hlmm-')), 'l.jsonl'),
        },
        { handleSignals: false },
      ),
      (err: Error) =>
        err.name === 'UserError' &&
        /No private key: set HLMM_PRIVATE_KEY or pass --key-file/.test(err.message),
    );
  } finally {
    if (saved !== undefined) process.env.HLMM_PRIVATE_KEY = saved;
  }
});

test('live on a replay: signed ALO orders with cloids, re-priced; a rate limit backs off then trading resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-live-'));
  const { key, address } = newKey();
  process.env.HLMM_PRIVATE_KEY = key;
  // Every POST /exchange the bot sends (its transport takes this process's fetch when it starts): when it went
  // out, when its answer came back (wall ms) and whether that answer was the address rate limit.
  const exchangeSends: { sentMs: number; answeredMs?: number; rateLimited: boolean }[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.endsWith('/exchange')) return realFetch(input, init);
    const sent: { sentMs: number; answeredMs?: number; rateLimited: boolean } = {
      sentMs: Date.now(),
      rateLimited: false,
    };
    exchangeSends.push(sent);
    const res = await realFetch(input, init);
    sent.rateLimited = /too many (cumulative )?requests|rate limit/i.test(await res.clone().text());
    sent.answeredMs = Date.now();
    return res;
  };
  const bot = await startTrading(
    {
      replay: 'data/sample',
      loop: true,
      live: true,
      speed: 200,
      params: PARAMS,
      db: join(dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
    },
    { handleSignals: false },
  ).finally(() => {
    globalThis.fetch = realFetch;
  });
  assert.equal(process.env.HLMM_PRIVATE_KEY, undefined, 'the key is removed from the environment once read');
  const fake = bot.fake;
  assert.ok(fake);
  try {
    await until('two resting ALO orders', () => fake.trading.openOrdersOf(address).length === 2);
    const open = fake.trading.openOrdersOf(address);
    assert.deepEqual(
      open.map((o) => o.tif),
      ['Alo', 'Alo'],
    );
    assert.ok(open.every((o) => /^0x[0-9a-f]{32}$/.test(o.cloid ?? '')));
    assert.deepEqual(new Set(open.map((o) => o.isBuy)), new Set([true, false]));
    await until('re-priced', () => bot.engine.summary().modifies >= 3);
    // The engine's view matches the exchange's.
    await until(
      'views agree',
      () => bot.engine.openOrders().length === fake.trading.openOrdersOf(address).length,
    );

    // The next /exchange request is refused; once the bot has noticed (risk event), it sends nothing for its 10 s
    // cool-down (one request per 10 s past the address cap), which began after the refused answer came back.
    fake.limits.force('address', 1);
    const store = openStore(join(dir, 'bot.sqlite'));
    try {
      await until('rate limit noticed', () =>
        store.riskEvents({ limit: 50 }).some((e) => e.kind === 'rate_limit'),
      );
    } finally {
      store.close();
    }
    const noticedAt = Date.now();
    const refused = exchangeSends.find((r) => r.rateLimited);
    assert.ok(refused?.answeredMs !== undefined, 'the refused request was seen');
    const coolDownEndsAfter = refused.answeredMs + 10_000;
    const requests = fake.exchange.counters.requests;
    await new Promise((r) => setTimeout(r, 1_500)); // watch the first 1.5 s of the back-off
    // Requests already on their way when the answer came back may still land; none may be sent meanwhile.
    const sentDuring = exchangeSends.filter((r) => r.sentMs >= noticedAt && r.sentMs < coolDownEndsAfter);
    assert.deepEqual(sentDuring, [], 'no request during the back-off');
    await until('trading again', () => fake.exchange.counters.requests > requests + 2);
  } finally {
    await bot.stop('test done');
  }
  const s = await bot.done;
  assert.equal(s.mode, 'live');
  assert.equal(fake.trading.openOrdersOf(address).length, 0, 'orders cancelled at stop');
  const log = readFileSync(join(dir, 'bot.jsonl'), 'utf8');
  assert.ok(!log.includes(key.slice(2)), 'the key never reaches the log');
});

const runBot = (args: string[], key: string) => spawnCli(['trade', ...args], { HLMM_PRIVATE_KEY: key });

test("after SIGKILL the dead man's switch cancels the orders; a restart recovers position and orphans with no duplicated fill", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-kill-'));
  const { key, address } = newKey();
  const speed = 150;
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    speed,
    // The sample lasts ~40 s of wall time at this speed; the test runs longer.
    loop: true,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  const db = join(dir, 'bot.sqlite');
  // Quotes 3 % away from the mid cannot fill in a few seconds: what removes them is the switch, not the market.
  const wide = join(dir, 'wide.json');
  writeFileSync(wide, JSON.stringify({ strategy: { min_spread_bps: 600 } }));
  const args = (dms: number, log: string, extra: string[] = []) => [
    ...liveOnFakeFlags(fake),
    '--speed',
    String(speed),
    '--params',
    PARAMS,
    '--db',
    db,
    '--api-port',
    '0',
    '--quiet',
    '--json',
    '--dms-s',
    String(dms),
    '--log-file',
    join(dir, log),
    ...extra,
  ];
  try {
    // 1. Trade until filled, then SIGKILL (the market may fill what rests; fine).
    const first = runBot(args(15, 'first.jsonl'), key);
    await until(
      'a fill and two resting orders',
      () => fake.trading.fillsOf(address).length >= 1 && fake.trading.openOrdersOf(address).length === 2,
    );
    first.child.kill('SIGKILL');
    await first.exit;
    await until('first run orders gone', () => fake.trading.openOrdersOf(address).length === 0);

    // 2. Wide quotes, SIGKILL: the dead man's switch cancels them within its horizon (15 s of exchange time,
    //    stamped with a replay clock that may lag the fake's by a few exchange seconds).
    const second = runBot(args(15, 'second.jsonl', ['--config', wide]), key);
    const secondArmed = () =>
      fake.trading.openOrdersOf(address).length === 2 &&
      (fake.trading.scheduledCancelAt(address) ?? 0) > Date.now();
    await killWhen(second, fake.trading.counters, 'second run quoting with its switch armed', secondArmed);
    const switchesBefore = fake.trading.counters.scheduledCancels;
    const killedAt = Date.now();
    // The switch as the bot last pushed it: due within its 15 s horizon of the kill (its lead, judged on arrival in
    // exchange time, then runs on the exchange's wall clock; 10 s of slack for the bot's clock lagging the fake's),
    // and not fired before it is due.
    const deadline = fake.trading.scheduledCancelAt(address);
    assert.ok(deadline !== undefined, 'the switch is armed at the kill');
    assert.ok(deadline < killedAt + 25_000, `due ${deadline - killedAt} ms after the kill`);
    const resting = fake.trading.openOrdersOf(address).map((o) => o.oid);
    assert.equal(resting.length, 2, 'orders resting after the kill');
    await until('switch fired', () => fake.trading.openOrdersOf(address).length === 0);
    assert.ok(Date.now() >= deadline, 'cancelled when due, not before');
    assert.equal(
      fake.trading.counters.scheduledCancels,
      switchesBefore + 1,
      "cancelled by the dead man's switch",
    );

    // 3. Wide quotes with a long switch, SIGKILL: its orders stay behind as orphans.
    const third = runBot(args(120, 'third.jsonl', ['--config', wide]), key);
    // The bot may re-quote or pull its quotes (the looping sample has hours-long gaps) at any moment, so it is
    // frozen first and killed only once the exchange, with nothing more arriving from it, holds both orders.
    await killWhen(
      third,
      fake.trading.counters,
      'third run quoting',
      () => fake.trading.openOrdersOf(address).length === 2,
    );
    const orphans = fake.trading.openOrdersOf(address).length;
    assert.equal(orphans, 2);

    // 4. Restart: position from the exchange, orphans cancelled, every exchange fill stored exactly once.
    const fourth = runBot([...args(30, 'fourth.jsonl'), '--duration-s', '3'], key);
    assert.equal(await fourth.exit, 0, fourth.err());
    const summary = JSON.parse(fourth.out().trim());
    const reconcile = readFileSync(join(dir, 'fourth.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('orphan orders found at start were cancelled'))
      .map((l) => JSON.parse(l));
    assert.equal(reconcile.length, 1);
    assert.equal(reconcile[0].found, orphans);
    const info = new InfoClient({
      transport: new HttpTransport({ baseUrl: fake.url }),
      accountAddress: address,
    });
    const state = await info.clearinghouseState();
    const szi = Number(state.assetPositions.find((p) => p.position.coin === 'BTC')?.position.szi ?? 0);
    assert.ok(Math.abs(summary.position - szi) < 1e-9, `bot ${summary.position} vs exchange ${szi}`);
    const exchangeFills = fake.trading.fillsOf(address).filter((f) => f.coin === 'BTC');
    const store = openStore(db);
    try {
      assert.equal(store.fillCount(), exchangeFills.length, 'each exchange fill stored once');
      const tids = new Set(store.allFills('BTC').map((f) => f.tid));
      assert.equal(tids.size, exchangeFills.length);
      assert.equal(store.unfinishedRuns().length, 3, 'the three killed runs never recorded a stop');
    } finally {
      store.close();
    }
    assert.equal(fake.trading.openOrdersOf(address).length, 0, 'clean stop cancels');
  } finally {
    await fake.close();
  }
});
