/**
 * A LIVE three-coin bot (`hlmm trade --tickers BTC,ETH,SOL --live`, child processes) against a fake exchange run
 * by the test, so it outlives the bot: trade until a coin holds a position, SIGKILL (the test cancels what it left,
 * so the position stays as it was); again with wide quotes (they cannot fill), frozen then SIGKILLed with orders
 * resting on every coin; restart. The restart takes every coin's position from the exchange, cancels every coin's
 * orphans (counted per coin in the log), stores every exchange fill exactly once, and arms the account's one dead
 * man's switch before it touches any orphan.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { InfoClient } from '../../src/exchange/hyperliquid/info-client.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { spawnCli } from '../support/cli-process.ts';
import { liveOnFakeFlags } from '../support/live-on-fake.ts';
import { LIVE_TICKERS, type LiveCoin, liveCoins } from '../support/multi-coin-live.ts';
import { paramsFileFor, writeCoinMarkets } from '../support/multi-coin-market.ts';
import { killWhen as killBotWhen } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-multi-restart-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
const pdir = join(root, 'params');
const COINS = liveCoins(61);
type Coin = LiveCoin;
const TICKERS = LIVE_TICKERS;

before(async () => {
  await writeCoinMarkets(replay, COINS);
  mkdirSync(pdir);
  for (const t of TICKERS)
    writeFileSync(join(pdir, `params_${t}.json`), JSON.stringify(paramsFileFor(t, COINS[t])));
});

test('3 live coins: after SIGKILL a restart takes every position from the exchange, cancels every coin’s orphans, stores each fill once', async () => {
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress.toLowerCase();
  // Slow enough that three coins' orders leave the request budget room for the reads.
  const speed = 20;
  const fake = await startFakeExchange({
    dataDir: replay,
    symbols: [...TICKERS],
    speed,
    loop: true,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 100_000 }] },
  });
  const db = join(root, 'bot.sqlite');
  // Quotes 6 % away from the mid cannot fill in a few seconds: what the kill leaves behind stays to be counted.
  const wide = join(root, 'wide.json');
  writeFileSync(wide, JSON.stringify({ strategy: { min_spread_bps: 600 } }));
  const args = (log: string, extra: string[] = []) => [
    'trade',
    '--tickers',
    TICKERS.join(','),
    ...liveOnFakeFlags(fake),
    '--speed',
    String(speed),
    '--params-dir',
    pdir,
    '--horizon',
    '3600',
    '--order-size',
    '0.01',
    '--max-position',
    '50',
    '--db',
    db,
    '--api-port',
    '0',
    '--quiet',
    '--json',
    // Long: the orders a kill leaves behind are still there at the restart (orphans, not the switch's).
    '--dms-s',
    '120',
    '--log-file',
    join(root, log),
    ...extra,
  ];
  const run = (a: string[]) => spawnCli(a, { HLMM_PRIVATE_KEY: key });
  const restingOn = (t: Coin) => fake.trading.openOrdersOf(address).filter((o) => o.coin === t).length;
  const everyCoinResting = () => TICKERS.every((t) => restingOn(t) > 0);
  // The net of the account's fills on a coin: a buy and a sell of the same lot leave it flat.
  const netOn = (t: Coin) =>
    fake.trading
      .fillsOf(address)
      .filter((f) => f.coin === t)
      .reduce((net, f) => net + (f.side === 'B' ? 1 : -1) * Number(f.sz), 0);
  const coinsHolding = () => TICKERS.filter((t) => Math.abs(netOn(t)) > 1e-9).length;
  const killWhen = (bot: ReturnType<typeof run>, what: string, cond: () => boolean, atKill?: () => void) =>
    killBotWhen(bot, fake.trading.counters, what, cond, atKill);
  // Cancels every order of the account at the fake exchange now, synchronously (no request on its way during
  // which the replayed market could fill one).
  const cancelAllNow = () => {
    const account = fake.trading.accounts.get(address);
    assert.ok(account, 'the account exists at the fake exchange');
    const cancels = fake.trading.openOrdersOf(address).map((o) => ({ a: o.asset, o: o.oid }));
    return fake.trading.execute(account, { type: 'cancel', cancels });
  };
  try {
    // 1. Trade until a coin holds a position (not only a fill: two can net to flat) and every coin quotes; kill.
    // Its orders are cancelled in the same step that sees the position, while it is frozen: left resting until the
    // second run's start-up cancels them (1–3 s of wall time, up to a minute of this market) — or only until a
    // cancel request reaches the exchange — a fill of the reducing side alone could take the only position flat
    // before the restart that must read it.
    const first = run(args('first.jsonl'));
    let cancelled: ReturnType<typeof cancelAllNow> | null = null;
    await killWhen(
      first,
      'a position and orders resting on every coin',
      () => coinsHolding() >= 1 && everyCoinResting(),
      () => {
        cancelled = cancelAllNow();
      },
    );
    const answer = cancelled as unknown as { status: string; response: { data: { statuses: unknown[] } } };
    assert.equal(answer.status, 'ok', `the first run's orders cancelled: ${JSON.stringify(answer)}`);
    assert.ok(
      answer.response.data.statuses.every((s) => s === 'success'),
      `every order of the first run cancelled: ${JSON.stringify(answer)}`,
    );
    assert.equal(fake.trading.openOrdersOf(address).length, 0, 'nothing of the first run rests');

    // 2. Wide quotes: frozen and killed with every coin resting.
    const second = run(args('second.jsonl', ['--config', wide]));
    await killWhen(second, 'wide orders of the second run resting on every coin', everyCoinResting);
    const orphans = Object.fromEntries(TICKERS.map((t) => [t, restingOn(t)]));
    // Checked before the restart: the third run trades for 3 s and may itself close a position.
    assert.ok(coinsHolding() >= 1, 'a coin held a position through the kills');
    const actionsBefore = fake.trading.actionLog.length;

    // 3. Restart.
    const third = run([...args('third.jsonl'), '--duration-s', '3']);
    assert.equal(await third.exit, 0, third.err());
    const summary = JSON.parse(third.out().trim());
    const lines = readFileSync(join(root, 'third.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l));
    for (const t of TICKERS) {
      const found = lines.filter(
        (l) => l.msg === 'orphan orders found at start were cancelled' && l.component.includes(`.${t}.`),
      );
      assert.equal(found.length, 1, `${t}: one orphan count in the log`);
      assert.equal(found[0].found, orphans[t], `${t}: every orphan found`);
      assert.equal(found[0].cancelled, orphans[t], `${t}: every orphan cancelled`);
    }
    // The account's one switch, armed before the first orphan was touched.
    const mine = fake.trading.actionLog.slice(actionsBefore).filter((a) => a.user === address);
    const firstArm = mine.findIndex((a) => a.type === 'scheduleCancel');
    const firstCancel = mine.findIndex((a) => a.type === 'cancel' || a.type === 'cancelByCloid');
    assert.ok(
      firstArm >= 0 && firstArm < firstCancel,
      `switch armed (#${firstArm}) before cancel (#${firstCancel})`,
    );

    // Every coin's position is the exchange's.
    const info = new InfoClient({
      transport: new HttpTransport({ baseUrl: fake.url }),
      accountAddress: address,
    });
    const state = await info.clearinghouseState();
    for (const t of TICKERS) {
      const szi = Number(state.assetPositions.find((p) => p.position.coin === t)?.position.szi ?? 0);
      assert.ok(Math.abs(netOn(t) - szi) < 1e-9, `${t}: exchange ${szi} is the net of its fills ${netOn(t)}`);
      const bot = summary.coins[t].position;
      assert.ok(Math.abs(bot - szi) < 1e-9, `${t}: bot ${bot} vs exchange ${szi}`);
    }

    // Each exchange fill stored exactly once, under its coin.
    const store = openStore(db);
    try {
      const onExchange = fake.trading.fillsOf(address);
      assert.equal(store.fillCount(), onExchange.length, 'each exchange fill stored once');
      for (const t of TICKERS) {
        const tids = new Set(store.allFills(t).map((f) => f.tid));
        assert.equal(tids.size, onExchange.filter((f) => f.coin === t).length, `${t}: fills once`);
        assert.equal(store.openOrders(t).length, 0, `${t}: nothing left open in the store`);
        // Its reconciliations are stored under its coin, one per start-up.
        const reconciled = store.riskEvents().filter((e) => e.kind === 'reconcile' && e.coin === t);
        assert.equal(reconciled.length, 3, `${t}: one reconcile risk event per start`);
      }
      // Each coin's engine records its own run: the two killed processes left two unfinished runs per coin.
      const unfinished = store.unfinishedRuns();
      for (const t of TICKERS)
        assert.equal(unfinished.filter((r) => r.ticker === t).length, 2, `${t}: two killed runs`);
      assert.equal(unfinished.length, 2 * TICKERS.length, 'no other run left unfinished');
    } finally {
      store.close();
    }
    assert.equal(fake.trading.openOrdersOf(address).length, 0, 'the clean stop cancels every coin');
    assert.equal(fake.trading.scheduledCancelAt(address), undefined, 'switch removed at the clean stop');
  } finally {
    await fake.close();
  }
});
