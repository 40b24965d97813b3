/**
 * The monitoring API of a REAL bot: `hlmm trade --replay data/sample` (paper) started in process by startTrading,
 * with its API on a free loopback port. Field names and values of the Freqtrade endpoints and hlmm's own are
 * checked against the bot's own state: its SQLite fills (round trips recomputed here, independently of
 * src/store/round-trips.ts) and its engine (account, risk, orders). Then `hlmm pnl` reads two such bots and a
 * dead URL. The --api-* flags' safety rule is checked at the end.
 *
 * The replays loop, so the market keeps moving however long the tests take on a busy machine; the tests wait for
 * conditions (fills, quoting, market data past a point in bot time), never for a fixed time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/load-config.ts';
import { UserError } from '../../src/core/errors.ts';
import { collectSummaries } from '../../src/pnl/run-pnl.ts';
import type { PnlSnapshot, StoredFill } from '../../src/store/records.ts';
import { type RunningBot, startTrading } from '../../src/trade/run-trade.ts';
import { monitoringApiSettings } from '../../src/trade/trade-options.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';
import { settledAfter, until } from '../support/wait.ts';

const USER = 'hlmm';
const PASSWORD = 'replay-test-password';
const WALLET = 1000;
const DAY_MS = 86_400_000;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startReplayBot(dir: string, botName: string): Promise<RunningBot> {
  return startTrading(
    {
      replay: 'data/sample',
      loop: true,
      speed: 600,
      // 60 s of bot time is 100 ms of wall time at 600×: a busy machine's event-loop lag is not taken for a quiet
      // market (the stale-data pull is made to happen on cue, see the last test).
      staleS: 60,
      params: 'data/sample/params_BTC.json',
      db: join(dir, `${botName}.sqlite`),
      apiPort: await freePort(),
      apiHost: '127.0.0.1',
      apiUser: USER,
      apiPassword: PASSWORD,
      quiet: true,
      logFile: join(dir, `${botName}.jsonl`),
      resetPaper: true,
      wallet: WALLET,
    },
    { handleSignals: false },
  );
}

const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below.
async function api(bot: RunningBot, path: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(`${bot.apiUrl}/api/v1/${path}`, {
    method,
    headers: {
      authorization: basic,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${method} ${path}: HTTP ${res.status} ${await res.clone().text()}`);
  return res.json();
}

interface Trip {
  openMs: number;
  closeMs: number | null;
  /** Σ sell notional − Σ buy notional − fees of the fills (or fill parts) in the trip, USDC. */
  profit: number;
}

/**
 * Round trips from flat to flat, written here from the definition (not from src/store/round-trips.ts): a fill
 * crossing through zero is split pro rata, fee included. Over a closed trip the profit is the cash it made.
 */
function tripsFromFills(fills: StoredFill[]): Trip[] {
  const trips: Trip[] = [];
  let pos = 0;
  let cur: Trip | null = null;
  for (const f of fills) {
    const sign = f.side === 'buy' ? 1 : -1;
    let left = f.sz;
    while (left > 1e-12) {
      if (cur === null) {
        cur = { openMs: f.tsMs, closeMs: null, profit: 0 };
        trips.push(cur);
      }
      // Part that reduces the position (up to flat), else all of it grows the position.
      const reducing = pos !== 0 && Math.sign(pos) !== sign ? Math.min(left, Math.abs(pos)) : left;
      cur.profit += -sign * f.px * reducing - f.feeQuote * (reducing / f.sz);
      pos += sign * reducing;
      left -= reducing;
      if (Math.abs(pos) < 1e-9) {
        pos = 0;
        cur.closeMs = f.tsMs;
        cur = null;
      }
    }
  }
  return trips;
}

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b} (±${tol})`);

describe('the API of a replayed paper session', () => {
  let dir: string;
  let alpha: RunningBot;
  let beta: RunningBot;
  let tripsAtStop: Trip[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hlmm-api-replay-'));
    [alpha, beta] = await Promise.all([startReplayBot(dir, 'alpha'), startReplayBot(dir, 'beta')]);
    const closedTrips = () =>
      alpha.store ? tripsFromFills(alpha.store.allFills('BTC')).filter((t) => t.closeMs !== null).length : 0;
    await until('two closed round trips on alpha', () => closedTrips() >= 2);
    await until('a fill on beta', () => beta.engine.summary().fills >= 1);
  });

  after(async () => {
    await Promise.all([alpha?.stop('test done'), beta?.stop('test done')]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ping is public; show_config names the bot, the strategy and the paper mode', async () => {
    const ping = await fetch(`${alpha.apiUrl}/api/v1/ping`);
    assert.deepEqual(await ping.json(), { status: 'pong' });
    assert.equal((await fetch(`${alpha.apiUrl}/api/v1/profit`)).status, 401);
    // Quoting now: show_config says running (asked again should the bot pull its quotes between two looks).
    // biome-ignore lint/suspicious/noExplicitAny: the JSON answer is checked field by field below.
    let cfg: any;
    for (let look = 0; look < 100; look++) {
      await until('quoting', () => alpha.engine.risk().quoting);
      cfg = await api(alpha, 'show_config');
      if (cfg.state === 'running') break;
    }
    const info = alpha.engine.info();
    assert.equal(cfg.api_version, 2.4);
    assert.equal(cfg.dry_run, true);
    assert.equal(cfg.runmode, 'dry_run');
    assert.equal(cfg.bot_name, info.botName);
    assert.equal(cfg.strategy, info.strategy);
    assert.equal(cfg.stake_currency, 'USDC');
    assert.equal(cfg.trading_mode, 'futures');
    assert.equal(cfg.exchange, 'hyperliquid');
    assert.equal(cfg.state, 'running');
    assert.equal(cfg.ticker, 'BTC');
    assert.equal(cfg.feed, 'replay:data/sample');
  });

  it('stop through the API: quoting off, no resting orders; status and count show the open trip', async () => {
    // Stop while it quotes (a stop while the bot has pulled its quotes by itself is the test at the end).
    await until('quoting', () => alpha.engine.risk().quoting);
    assert.deepEqual(await api(alpha, 'stop', 'POST'), { status: 'stopping trader ...' });
    await until('orders cancelled', () => alpha.engine.openOrders().length === 0);
    assert.equal(alpha.engine.risk().quoting, false);
    assert.equal(alpha.engine.risk().stoppedByUser, true);
    assert.equal((await api(alpha, 'show_config')).state, 'stopped');
    assert.deepEqual(await api(alpha, 'stop', 'POST'), { status: 'already stopped' });
    // Fills still in flight (latency) land once the market has moved on a little; then nothing changes but the mid.
    await settledAfter(alpha.engine, 1_000, 'in-flight fills landed');
    const fills = alpha.store?.allFills('BTC') ?? [];
    tripsAtStop = tripsFromFills(fills);
    const pos = alpha.engine.account().positionBase;
    const netFromFills = fills.reduce((s, f) => s + (f.side === 'buy' ? f.sz : -f.sz), 0);
    close(pos, netFromFills, 1e-9);

    const status = await api(alpha, 'status');
    const count = await api(alpha, 'count');
    const open = tripsAtStop.filter((t) => t.closeMs === null);
    assert.equal(status.length, open.length);
    assert.equal(count.current, open.length);
    assert.equal(count.max, 1);
    if (open.length === 1) {
      const [s] = status;
      assert.equal(s.is_open, true);
      assert.equal(s.trade_id, tripsAtStop.length);
      assert.equal(s.pair, 'BTC/USDC:USDC');
      assert.equal(s.is_short, pos < 0);
      close(s.amount, Math.abs(pos), 1e-9);
      assert.equal(s.open_timestamp, open[0].openMs);
      assert.equal(s.has_open_orders, false);
      close(count.total_stake, s.stake_amount, 1e-9);
    } else {
      close(pos, 0, 1e-9);
      assert.equal(count.total_stake, 0);
    }
  });

  it('forceexit flattens; profit, trades, performance, balance and daily agree with the store and engine', async () => {
    // The flatten re-tries within its cap by itself; the bot keeps quoting meanwhile, so a fill of a quote can
    // re-open a little: call again (each call waits for the flatten to end, so two never overlap). A call that
    // ends short says so with a 409 and what was filled.
    const isFlat = () => Math.abs(alpha.engine.account().positionBase) < 1e-12;
    for (let attempt = 0; attempt < 20 && !isFlat(); attempt++) {
      const res = await fetch(`${alpha.apiUrl}/api/v1/forceexit`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ tradeid: 'all' }),
      });
      const exit = (await res.json()) as { result?: string; detail?: string };
      if (res.status === 200)
        assert.match(
          exit.result ?? '',
          /^Created exit order for trade \d+: filled [\d.e-]+ of [\d.e-]+ at avg [\d.e-]+ \(\d+ reduce-only IOC orders?, limit\); position now [\d.e-]+\.$/,
        );
      else if (res.status === 409)
        assert.match(exit.detail ?? '', /^Exit for trade \d+: filled .* not flat: /);
      else assert.equal(res.status, 400, JSON.stringify(exit)); // flat already
      await settledAfter(alpha.engine, 1_000, 'the exit order landed');
    }
    assert.ok(isFlat(), 'flat after forceexit');
    // The flattening fill reaches the store right after the engine books it.
    await until(
      'store flat',
      () =>
        Math.abs(
          (alpha.store?.allFills('BTC') ?? []).reduce((q, f) => q + (f.side === 'buy' ? f.sz : -f.sz), 0),
        ) < 1e-9,
    );
    const fills = alpha.store?.allFills('BTC') ?? [];
    const trips = tripsFromFills(fills);
    assert.ok(trips.length >= 2 && trips.every((t) => t.closeMs !== null), 'flat: every trip closed');
    const wins = trips.filter((t) => t.profit > 0);
    const losses = trips.filter((t) => t.profit < 0);
    const total = trips.reduce((s, t) => s + t.profit, 0);

    const profit = await api(alpha, 'profit');
    assert.equal(profit.trade_count, trips.length);
    assert.equal(profit.closed_trade_count, trips.length);
    assert.equal(profit.winning_trades, wins.length);
    assert.equal(profit.losing_trades, losses.length);
    close(profit.winrate, wins.length / trips.length, 1e-12);
    const lossSum = -losses.reduce((s, t) => s + t.profit, 0);
    const winSum = wins.reduce((s, t) => s + t.profit, 0);
    if (lossSum > 0) close(profit.profit_factor, winSum / lossSum, 1e-6);
    else assert.equal(profit.profit_factor, null);
    close(profit.profit_closed_coin, total);
    close(profit.profit_all_coin, total);
    close(profit.profit_all_ratio, total / WALLET, 1e-9);
    assert.equal(profit.first_trade_timestamp, trips[0].openMs);
    assert.equal(profit.latest_trade_timestamp, trips[trips.length - 1].openMs);
    assert.equal(profit.bot_start_timestamp, alpha.engine.info().startedMs);
    // Max drawdown of the cumulative closed profit, from its running peak (0 before the first trade).
    let cum = 0;
    let peak = 0;
    let maxDd = 0;
    for (const t of trips) {
      cum += t.profit;
      peak = Math.max(peak, cum);
      maxDd = Math.max(maxDd, peak - cum);
    }
    close(profit.max_drawdown_abs, maxDd);

    // Flat: equity − wallet is exactly the trades' profit plus the hourly paper funding (funding is kept out of
    // Freqtrade's trades, as in Freqtrade), and /balance reports the engine's equity.
    const account = alpha.engine.account();
    const balance = await api(alpha, 'balance');
    close(balance.total, account.equityQuote, 1e-9);
    close(balance.total, WALLET + total + account.fundingQuote);
    assert.equal(balance.starting_capital, WALLET);
    assert.equal(balance.stake, 'USDC');
    assert.equal(balance.note, 'Simulated balances');
    assert.equal(balance.currencies.length, 1, 'flat: only the USDC row');
    close(balance.currencies[0].free, account.cashQuote, 1e-9);

    const page = await api(alpha, 'trades?limit=1&offset=1');
    assert.equal(page.total_trades, trips.length);
    assert.equal(page.trades_count, 1);
    assert.equal(page.offset, 1);
    assert.equal(page.trades[0].trade_id, 2);
    assert.equal(page.trades[0].is_open, false);
    assert.equal(page.trades[0].open_timestamp, trips[1].openMs);
    assert.equal(page.trades[0].close_timestamp, trips[1].closeMs);
    close(page.trades[0].close_profit_abs, trips[1].profit);
    assert.equal(page.trades[0].exit_reason, 'flat');
    const one = await api(alpha, 'trade/1');
    close(one.profit_abs, trips[0].profit);

    const perf = await api(alpha, 'performance');
    assert.equal(perf.length, 1);
    assert.equal(perf[0].pair, 'BTC/USDC:USDC');
    assert.equal(perf[0].count, trips.length);
    close(perf[0].profit_abs, total);

    const daily = await api(alpha, 'daily?timescale=3');
    assert.equal(daily.stake_currency, 'USDC');
    assert.equal(daily.data.length, 3);
    for (const d of daily.data) {
      for (const key of ['date', 'abs_profit', 'rel_profit', 'starting_balance', 'trade_count'])
        assert.ok(key in d, key);
    }
  });

  it('/daily buckets the replayed trades by the bot clock (the replay day), not the wall clock', async () => {
    const trips = tripsFromFills(alpha.store?.allFills('BTC') ?? []);
    const closed = trips.filter((t) => t.closeMs !== null);
    assert.ok(closed.length > 0, 'the replay closed round trips (bot clock)');
    const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
    // The replay skips its data's 23-hour holes, so the bot clock's day changes every few wall seconds: ask for
    // every day from the first closed trip to the bot's today, and again if its day changed during the request.
    // biome-ignore lint/suspicious/noExplicitAny: the JSON answer is checked field by field below.
    let daily: any;
    let today: number;
    for (;;) {
      today = dayOf(alpha.engine.nowMs());
      const days = (today - dayOf(closed[0].closeMs as number)) / DAY_MS + 1;
      assert.ok(days >= 1 && days <= 365, `${days} days of replay`);
      daily = await api(alpha, `daily?timescale=${days}`);
      if (dayOf(alpha.engine.nowMs()) === today) break;
    }
    // Today is the bot clock's UTC day (September 2025 and on in this replay), not the wall clock's.
    assert.equal(daily.data[0].date, new Date(today).toISOString().slice(0, 10));
    assert.notEqual(daily.data[0].date, new Date().toISOString().slice(0, 10));
    // Each day, newest first, counts the round trips closed on it by the bot clock, and every one is counted.
    for (let i = 0; i < daily.data.length; i++) {
      const dayStart = today - i * DAY_MS;
      const closedThatDay = closed.filter(
        (t) => (t.closeMs as number) >= dayStart && (t.closeMs as number) < dayStart + DAY_MS,
      );
      assert.equal(daily.data[i].date, new Date(dayStart).toISOString().slice(0, 10));
      assert.equal(daily.data[i].trade_count, closedThatDay.length, daily.data[i].date);
    }
    const counted = daily.data.reduce((n: number, d: { trade_count: number }) => n + d.trade_count, 0);
    assert.equal(counted, closed.length);
  });

  it('hlmm endpoints: quotes, orders, inventory, account, params, fills, equity and risk match the engine', async () => {
    const account = alpha.engine.account();
    const acc = await api(alpha, 'hlmm/account');
    assert.equal(acc.positionBase, account.positionBase);
    close(acc.cashQuote, account.cashQuote, 1e-9);
    assert.equal(acc.startingBalanceQuote, WALLET);
    assert.equal((await api(alpha, 'hlmm/orders')).openOrders.length, 0);
    const quotes = await api(alpha, 'hlmm/quotes');
    assert.deepEqual(quotes.openOrders, []);
    assert.ok(quotes.mid > 50_000 && quotes.mid < 200_000, `BTC mid ${quotes.mid}`);
    const inv = await api(alpha, 'hlmm/inventory');
    assert.equal(inv.positionBase, account.positionBase);
    assert.equal(inv.maxPositionLots, alpha.engine.risk().maxPositionLots);

    const params = await api(alpha, 'hlmm/params');
    const p = alpha.engine.params();
    assert.equal(params.source, p.source);
    assert.equal(params.current.sigma, p.current?.sigma);
    assert.ok(params.history.length >= 1 && params.history[0].accepted === true);
    close(params.history[0].sigma, 3.544, 1e-3); // data/sample/params_BTC.json, USDC/√s

    const fills = alpha.store?.allFills('BTC') ?? [];
    const page = await api(alpha, `hlmm/fills?since=0&limit=5000`);
    assert.equal(page.fills.length, fills.length);
    assert.deepEqual(
      page.fills.map((f: StoredFill) => f.tid),
      fills.map((f) => f.tid),
    );
    assert.equal(page.lastId, fills[fills.length - 1].id);

    const risk = await api(alpha, 'hlmm/risk');
    assert.equal(risk.quoting, false);
    assert.equal(risk.stoppedByUser, true);
    assert.ok(risk.events.some((e: { kind: string }) => e.kind === 'quotes_pulled'));

    // The equity curve: snapshots every 5 s of bot time; each point is cash + position × mid at its time.
    const equity = (await api(alpha, 'hlmm/equity')).points as PnlSnapshot[];
    assert.ok(equity.length >= 1);
    for (const pt of equity) close(pt.equityQuote, pt.cashQuote + pt.positionSz * pt.midPx, 1e-6);
    for (let i = 1; i < equity.length; i++) assert.ok(equity[i].tsMs >= equity[i - 1].tsMs);
  });

  it('hlmm pnl: one row per running replay bot, the dead URL a row saying unreachable, exit 0', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const now = Date.now();
    const botBeforeMs = alpha.engine.risk().lastMarketMs as number;
    const rows = await collectSummaries(
      [
        { url: alpha.apiUrl as string, name: 'alpha', user: USER, password: PASSWORD },
        { url: beta.apiUrl as string, name: 'beta', user: USER, password: PASSWORD },
        { url: dead, name: 'gone' },
      ],
      30_000,
      now,
    );
    const [a, b, d] = rows;
    const aTrips = tripsFromFills(alpha.store?.allFills('BTC') ?? []);
    const aTotal = aTrips.reduce((s, t) => s + t.profit, 0);
    assert.equal(a.error, null);
    assert.equal(a.dryRun, true);
    assert.equal(a.strategy, alpha.engine.info().strategy);
    assert.equal(a.tradeCount, aTrips.length);
    close(a.pnlQuote as number, aTotal);
    close(a.pnlRatio as number, aTotal / WALLET, 1e-9);
    // Replayed fills carry the replay's (2025) exchange times, and so does the bot's clock (/health's
    // last_process): "days since first fill" counts on the bot's clock, not to the wall clock (it read "Days 456").
    const botAfterMs = alpha.engine.risk().lastMarketMs as number;
    const days = a.daysSinceFirstFill as number;
    const first = aTrips[0].openMs;
    assert.ok(days >= (Math.floor(botBeforeMs / 1000) * 1000 - first) / DAY_MS - 1e-9, `days ${days}`);
    assert.ok(days <= (botAfterMs - first) / DAY_MS + 1e-9, `days ${days}`);
    assert.ok(days < (now - first) / DAY_MS - 1, `days ${days} counted to the wall clock`);
    assert.equal(b.error, null);
    assert.ok((b.tradeCount as number) >= 1);
    assert.equal(d.name, 'gone');
    assert.equal(d.error, 'unreachable (connection refused)');

    // The CLI in a child process (asynchronous: the bots live in this process): a table, exit 0 while one answers.
    const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          ...HLMM_ARGV,
          'pnl',
          '--bots',
          `${alpha.apiUrl},${beta.apiUrl},${dead}`,
          '--user',
          USER,
          '--timeout',
          '30',
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', HLMM_API_PASSWORD: PASSWORD },
          timeout: 120_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, res.stdout); // header, 3 bots, total
    assert.match(lines[1], new RegExp(`^${alpha.engine.info().botName}\\s+\\S+\\s+dry\\s`));
    assert.match(lines[2], /\sdry\s/);
    assert.match(lines[3], new RegExp(`^${new URL(dead).host}\\s+unreachable \\(connection refused\\)$`));
    assert.match(lines[4], /^TOTAL \(2\/3 up\)/);
  });

  it('a stop while the bot has pulled its quotes by itself (stale data) still stops it for good', async () => {
    const faults = (beta.fake as NonNullable<RunningBot['fake']>).faults;
    const pulledByItself = () => !beta.engine.risk().quoting && !beta.engine.risk().stoppedByUser;
    // The market goes quiet on cue (like the recording's holes, which the bot may or may not catch between two
    // timer ticks at 600×): its clock runs on, the data turns stale and the bot pulls its quotes by itself. A
    // silence of 2 s (under the feed's 5 s stall timeout) is asked for again until that shows.
    for (let attempt = 0; attempt < 20 && !pulledByItself(); attempt++) {
      faults.silence(2);
      await until('beta pulled its quotes or the silence ended', () => pulledByItself() || !faults.silent);
    }
    assert.ok(pulledByItself(), 'beta pulled its quotes by itself');
    await api(beta, 'stop', 'POST');
    assert.equal(beta.engine.risk().stoppedByUser, true, 'the operator stop is recorded');
    // The market comes back and moves on for a minute of bot time: the data is fresh again, the bot stays stopped.
    await until('the silence over', () => !faults.silent);
    await until('fresh market data again', () => !beta.engine.risk().staleData);
    await settledAfter(beta.engine, 60_000, 'a minute of market after the stop');
    assert.equal(beta.engine.risk().stoppedByUser, true);
    assert.equal(beta.engine.risk().quoting, false);
    assert.equal(beta.engine.openOrders().length, 0);
  });
});

describe('--api-host / --api-user / --api-password', () => {
  const cfg = defaultConfig();

  it('apply over the config; off with port 0; a random JWT secret on loopback when none is set', () => {
    assert.equal(monitoringApiSettings({ apiPort: 0 }, cfg), null);
    const s = monitoringApiSettings({ apiPort: 3005, apiUser: 'ops', apiPassword: 'pw' }, cfg);
    assert.ok(s);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.port, 3005);
    assert.equal(s.username, 'ops');
    assert.equal(s.password, 'pw');
    assert.match(s.jwtSecret, /^[0-9a-f]{64}$/);
    assert.notEqual(monitoringApiSettings({ apiPassword: 'pw' }, cfg)?.jwtSecret, s.jwtSecret);
    // No password at all is refused, on loopback too, in one sentence (it used to open the API to every local user).
    assert.throws(
      () => monitoringApiSettings({}, cfg),
      (e: unknown) =>
        e instanceof UserError &&
        /^the monitoring API \(127\.0\.0\.1:3004\) needs a password, on loopback too/.test(e.message),
    );
  });

  it('refuse a reachable host with an empty or default password, or no JWT secret, in one sentence', () => {
    const refuse = (o: Parameters<typeof monitoringApiSettings>[0], c = cfg) =>
      assert.throws(
        () => monitoringApiSettings(o, c),
        (e: unknown) =>
          e instanceof UserError &&
          /^the monitoring API would listen on 0\.0\.0\.0: .*--api-host, --api-password.*\)\.$/.test(
            e.message,
          ),
      );
    refuse({ apiHost: '0.0.0.0' });
    refuse({ apiHost: '0.0.0.0', apiPassword: 'password' });
    // A strong password is not enough without a random JWT secret of 32+ characters.
    refuse({ apiHost: '0.0.0.0', apiPassword: 'a-long-unguessable-pass' });
    const withSecret = {
      ...cfg,
      api_server: { ...cfg.api_server, jwt_secret_key: '0123456789abcdef0123456789abcdef' },
    };
    // 20 characters used to be enough; a probe showed how weak that is.
    refuse(
      { apiHost: '0.0.0.0', apiPassword: 'a-long-unguessable-pass' },
      { ...cfg, api_server: { ...cfg.api_server, jwt_secret_key: '0123456789abcdef0123' } },
    );
    const ok = monitoringApiSettings(
      { apiHost: '0.0.0.0', apiPassword: 'a-long-unguessable-pass' },
      withSecret,
    );
    assert.equal(ok?.jwtSecret, '0123456789abcdef0123456789abcdef');
    // The password is a secret: it is never in the refusal.
    try {
      monitoringApiSettings({ apiHost: '10.0.0.1', apiPassword: 'changeme' }, cfg);
      assert.fail('should refuse');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('changeme'), (e as Error).message);
    }
  });
});
