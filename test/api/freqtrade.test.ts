import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ftDate, ftDuration, pct } from '../../src/api/freqtrade-shapes.ts';
import type { FlattenOutcome } from '../../src/engine/flatten.ts';
import { BotDouble, startTestServer, type TestServer } from '../support/api-bot-double.ts';

/**
 * A session with known fills (hand-computed below), starting balance 1000 USDC, mark 100 050:
 *  trade 1 long : buy 0.01 @ 100 000 (fee 0.1), sell 0.01 @ 100 100 (fee 0.1)  → gross +1.0, profit +0.8
 *  trade 2 short: sell 0.02 @ 100 200 (fee 0.2), buy 0.02 @ 100 300 (fee 0.2)  → gross −2.0, profit −2.4
 *  trade 3 long : buy 0.01 @ 100 000 (fee 0.1), still open                      → realized −0.1, unrealized +0.5
 * cash = 1000 + 3005 − 4006 − 0.7 = −1.7; equity = −1.7 + 0.01·100 050 = 998.8 (= 1000 − 1.2).
 */
const DAY = 86_400_000;
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 3_600_000; // yesterday 01:00 UTC
/** Today (UTC, as the file loaded): the bot clock stops at its last ms, so a run across midnight sees the same days. */
const TODAY_MS = T0 - 3_600_000 + DAY;
const botNowMs = () => Math.min(Date.now(), TODAY_MS + DAY - 1);
const FILLS = [
  { tid: 1, side: 'buy', px: 100_000, sz: 0.01, feeQuote: 0.1, tsMs: T0 },
  { tid: 2, side: 'sell', px: 100_100, sz: 0.01, feeQuote: 0.1, tsMs: T0 + 60_000 },
  { tid: 3, side: 'sell', px: 100_200, sz: 0.02, feeQuote: 0.2, tsMs: T0 + 120_000 },
  { tid: 4, side: 'buy', px: 100_300, sz: 0.02, feeQuote: 0.2, tsMs: T0 + 180_000 },
  { tid: 5, side: 'buy', px: 100_000, sz: 0.01, feeQuote: 0.1, tsMs: T0 + 240_000 },
] as const;

const close = (actual: unknown, expected: number, what: string, tol = 1e-9) => {
  assert.equal(typeof actual, 'number', `${what} is not a number: ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= tol, `${what}: ${actual} ≠ ${expected}`);
};

describe('Freqtrade endpoints against a store of known fills', () => {
  let s: TestServer;
  const get = async (path: string) => {
    const res = await fetch(`${s.server.url}/api/v1/${path}`, { headers: { authorization: s.basic } });
    assert.equal(res.status, 200, `${path} → ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const post = (path: string, body?: unknown) =>
    fetch(`${s.server.url}/api/v1/${path}`, {
      method: 'POST',
      headers: { authorization: s.basic, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });

  before(async () => {
    const view = new BotDouble({ startedMs: T0 - 1000 });
    view.nowMs = botNowMs;
    view.accountState = {
      ...view.accountState,
      positionBase: 0.01,
      cashQuote: -1.7,
      equityQuote: 998.8,
      mid: 100_050,
    };
    view.orders = [{ oid: 7, cloid: null, side: 'sell', px: 100_060, sz: 0.01, filledSz: 0, createdMs: T0 }];
    view.logs = [{ tsMs: T0, level: 'info', msg: 'quoting BTC' }];
    s = await startTestServer({ view });
    for (const f of FILLS) {
      s.store.recordFill({ ...f, coin: 'BTC', oid: f.tid, cloid: null, liquidity: 'maker' });
    }
  });
  after(async () => {
    await s.close();
  });

  it('formats dates, durations and percents as Freqtrade does', () => {
    assert.equal(ftDate(Date.UTC(2025, 8, 1, 2, 3, 4)), '2025-09-01 02:03:04');
    assert.equal(ftDuration(60_000), '0:01:00');
    assert.equal(ftDuration(DAY + 3_723_000), '1 day, 1:02:03');
    assert.equal(pct(-0.0016), -0.16);
  });

  it('/show_config reports api_version 2.40, futures on hyperliquid, dry run', async () => {
    const c = await get('show_config');
    assert.equal(c.api_version, 2.4);
    assert.equal(c.dry_run, true);
    assert.equal(c.trading_mode, 'futures');
    assert.equal(c.exchange, 'hyperliquid');
    assert.equal(c.bot_name, 'hlmm-test');
    assert.equal(c.strategy, 'AvellanedaStoikov');
    assert.equal(c.stake_currency, 'USDC');
    assert.equal(c.state, 'running');
    assert.equal(c.runmode, 'dry_run');
    assert.equal(c.max_open_trades, 1);
  });

  it('/profit: counts, profit, winrate, profit factor, drawdown', async () => {
    const p = await get('profit');
    assert.equal(p.trade_count, 3);
    assert.equal(p.closed_trade_count, 2);
    assert.equal(p.winning_trades, 1);
    assert.equal(p.losing_trades, 1);
    close(p.winrate, 0.5, 'winrate');
    close(p.profit_factor, 0.8 / 2.4, 'profit_factor');
    close(p.profit_closed_coin, -1.6, 'profit_closed_coin');
    close(p.profit_closed_ratio, -0.0016, 'profit_closed_ratio');
    assert.equal(p.profit_closed_percent, -0.16);
    // closed −1.6, open trade −0.1 realized + 0.01·(100 050 − 100 000) = 0.5 unrealized.
    close(p.profit_all_coin, -1.2, 'profit_all_coin');
    close(p.profit_all_ratio, -0.0012, 'profit_all_ratio');
    close(p.profit_closed_ratio_mean, (0.8 / 1000 + -2.4 / 2004) / 2, 'profit_closed_ratio_mean');
    // Cumulative balance 1000 → 1000.8 → 998.4: drawdown 2.4 from the 1000.8 peak.
    close(p.max_drawdown_abs, 2.4, 'max_drawdown_abs');
    close(p.max_drawdown, 2.4 / 1000.8, 'max_drawdown');
    assert.equal(p.max_drawdown_start_timestamp, T0 + 60_000);
    assert.equal(p.max_drawdown_end_timestamp, T0 + 180_000);
    assert.equal(p.first_trade_timestamp, T0);
    assert.equal(p.first_trade_date, ftDate(T0));
    assert.equal(p.latest_trade_timestamp, T0 + 240_000);
    assert.equal(p.avg_duration, '0:01:00');
    assert.equal(p.bot_start_timestamp, T0 - 1000);
    close(p.expectancy, 0.5 * 0.8 - 0.5 * 2.4, 'expectancy');
    close(p.expectancy_ratio, (1 + 0.8 / 2.4) * 0.5 - 1, 'expectancy_ratio');
    close(p.trading_volume, 1000 + 1001 + 2004 + 2006 + 1000, 'trading_volume', 1e-6);
    assert.equal(p.best_pair, 'BTC/USDC:USDC');
  });

  it('/trades: closed round trips, oldest first, paged', async () => {
    const all = await get('trades');
    assert.equal(all.total_trades, 2);
    assert.equal(all.trades_count, 2);
    assert.equal(all.offset, 0);
    const [t1, t2] = all.trades as Record<string, unknown>[];
    assert.equal(t1.trade_id, 1);
    assert.equal(t1.pair, 'BTC/USDC:USDC');
    assert.equal(t1.is_open, false);
    assert.equal(t1.is_short, false);
    close(t1.amount, 0.01, 'amount');
    close(t1.open_rate, 100_000, 'open_rate');
    close(t1.close_rate, 100_100, 'close_rate');
    close(t1.profit_abs, 0.8, 'profit_abs');
    close(t1.close_profit_abs, 0.8, 'close_profit_abs');
    close(t1.profit_ratio, 0.0008, 'profit_ratio');
    close(t1.stake_amount, 1000, 'stake_amount', 1e-9);
    assert.equal(t1.open_timestamp, T0);
    assert.equal(t1.close_timestamp, T0 + 60_000);
    assert.equal(t1.open_date, ftDate(T0));
    assert.equal(t1.exit_reason, 'flat');
    assert.equal(t1.trading_mode, 'futures');
    assert.equal(t2.trade_id, 2);
    assert.equal(t2.is_short, true);
    close(t2.profit_abs, -2.4, 'short profit_abs');
    const page = await get('trades?limit=1&offset=1');
    assert.equal(page.trades_count, 1);
    assert.equal(page.total_trades, 2);
    assert.equal((page.trades as Record<string, unknown>[])[0].trade_id, 2);
    const bad = await fetch(`${s.server.url}/api/v1/trades?limit=abc`, {
      headers: { authorization: s.basic },
    });
    assert.equal(bad.status, 422);
  });

  it('/status: the open round trip with its current profit; /trade/{id}; /count', async () => {
    const status = (await get('status')) as unknown as Record<string, unknown>[];
    assert.equal(status.length, 1);
    const open = status[0];
    assert.equal(open.trade_id, 3);
    assert.equal(open.is_open, true);
    close(open.amount, 0.01, 'amount');
    close(open.open_rate, 100_000, 'open_rate');
    close(open.current_rate, 100_050, 'current_rate');
    // As Freqtrade: current profit = what is held (0.01 × 50), total adds the realized −0.1 (the entry fee),
    // relative to the largest stake held (0.01 × 100 000).
    close(open.profit_abs, 0.5, 'profit_abs');
    close(open.profit_ratio, 0.0005, 'profit_ratio');
    close(open.total_profit_abs, 0.4, 'total_profit_abs');
    close(open.total_profit_ratio, 0.0004, 'total_profit_ratio');
    close(open.realized_profit, -0.1, 'realized_profit');
    assert.equal(open.has_open_orders, true);
    assert.equal(open.close_date, null);
    const t2 = await get('trade/2');
    assert.equal(t2.trade_id, 2);
    const missing = await fetch(`${s.server.url}/api/v1/trade/99`, { headers: { authorization: s.basic } });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { detail: 'Trade not found.' });
    const count = await get('count');
    assert.equal(count.current, 1);
    assert.equal(count.max, 1);
    close(count.total_stake, 1000, 'total_stake');
  });

  it('/balance: USDC cash and the position, against the starting capital', async () => {
    const b = await get('balance');
    close(b.total, 998.8, 'total');
    close(b.starting_capital, 1000, 'starting_capital');
    close(b.starting_capital_ratio, -0.0012, 'starting_capital_ratio');
    assert.equal(b.starting_capital_pct, -0.12);
    assert.equal(b.stake, 'USDC');
    const [usdc, pos] = b.currencies as Record<string, unknown>[];
    assert.equal(usdc.currency, 'USDC');
    close(usdc.balance, -1.7, 'cash');
    assert.equal(pos.is_position, true);
    assert.equal(pos.side, 'long');
    close(pos.position, 0.01, 'position');
  });

  it('/daily: closed-trade profit per UTC day, newest first', async () => {
    const d = await get('daily?timescale=3');
    const data = d.data as Record<string, unknown>[];
    assert.equal(data.length, 3);
    assert.equal(d.stake_currency, 'USDC');
    const today = new Date(TODAY_MS).toISOString().slice(0, 10);
    const yesterday = new Date(TODAY_MS - DAY).toISOString().slice(0, 10);
    assert.equal(data[0].date, today);
    assert.equal(data[0].trade_count, 0);
    close(data[0].starting_balance, 998.4, 'today start');
    assert.equal(data[1].date, yesterday);
    assert.equal(data[1].trade_count, 2);
    close(data[1].abs_profit, -1.6, 'abs_profit');
    close(data[1].rel_profit, -0.0016, 'rel_profit');
    close(data[1].starting_balance, 1000, 'yesterday start');
  });

  it('/performance, /whitelist, /blacklist (read-only), /locks, /logs, /health, /sysinfo', async () => {
    const perf = (await get('performance')) as unknown as Record<string, unknown>[];
    assert.equal(perf.length, 1);
    assert.equal(perf[0].pair, 'BTC/USDC:USDC');
    assert.equal(perf[0].count, 2);
    close(perf[0].profit_abs, -1.6, 'perf profit_abs');
    close(perf[0].profit_ratio, 0.0008 - 2.4 / 2004, 'perf profit_ratio');
    assert.deepEqual(await get('whitelist'), {
      whitelist: ['BTC/USDC:USDC'],
      length: 1,
      method: ['StaticPairList'],
    });
    const bl = await get('blacklist');
    assert.deepEqual(bl.blacklist, []);
    assert.equal((await post('blacklist', { blacklist: ['ETH/USDC:USDC'] })).status, 405);
    assert.deepEqual(await get('locks'), { lock_count: 0, locks: [] });
    const logs = await get('logs?limit=10');
    assert.equal(logs.log_count, 1);
    assert.deepEqual((logs.logs as unknown[][])[0], [ftDate(T0), T0, 'hlmm', 'INFO', 'quoting BTC']);
    const health = await get('health');
    assert.equal(health.bot_start_ts, Math.floor((T0 - 1000) / 1000));
    assert.equal(health.last_process_ts, 1_700_000_000);
    const sys = await get('sysinfo');
    assert.ok(Array.isArray(sys.cpu_pct));
    assert.ok(typeof sys.ram_pct === 'number' && sys.ram_pct > 0 && sys.ram_pct <= 100);
  });

  it('controls: stop/start/stopentry/reload_config/forceexit call the bot', async () => {
    const view = s.view;
    assert.deepEqual(await (await post('stop')).json(), { status: 'stopping trader ...' });
    assert.equal(view.riskState.quoting, false);
    assert.deepEqual(await (await post('stop')).json(), { status: 'already stopped' });
    assert.deepEqual(await (await post('start')).json(), { status: 'starting trader ...' });
    assert.equal(view.riskState.quoting, true);
    const stopentry = (await (await post('stopentry')).json()) as { status: string };
    assert.match(stopentry.status, /No more entries/);
    assert.deepEqual(await (await post('reload_config')).json(), { status: 'Reloading config ...' });
    assert.equal((await post('forceexit', { tradeid: 2 })).status, 400);
    assert.equal((await post('forceexit', {})).status, 422);
    assert.deepEqual(await (await post('forceexit', { tradeid: '3' })).json(), {
      result:
        'Created exit order for trade 3: filled 0.001 of 0.001 at avg 100000 (1 reduce-only IOC order, limit); position now 0.',
    });
    // A second exit while the first works: the answer says no second order was sent, and how the exit ended.
    view.flattenOutcome = {
      ...(view.flattenOutcome as FlattenOutcome & { status: 'sent' }),
      status: 'in-flight',
    };
    assert.match(
      ((await (await post('forceexit', { tradeid: '3' })).json()) as { result: string }).result,
      /already working .* no second order was sent\. It ended: filled 0\.001 of 0\.001/,
    );
    assert.deepEqual(view.calls, [
      'stopQuoting:stopped through the API',
      'startQuoting',
      // stopentry stops entries only (exits still quoted), as Freqtrade: no longer a full stop.
      'stopEntries',
      'reloadConfig',
      // A reload ends the stopentry (Freqtrade's reload restores max_open_trades from the config).
      'startQuoting',
      'flatten',
      'flatten',
    ]);
  });
});

describe('Freqtrade endpoints on an empty store', () => {
  it('answer with zero trades, not errors', async () => {
    const s = await startTestServer();
    try {
      const get = async (path: string) =>
        (await (
          await fetch(`${s.server.url}/api/v1/${path}`, { headers: { authorization: s.basic } })
        ).json()) as Record<string, unknown>;
      const p = await get('profit');
      assert.equal(p.trade_count, 0);
      assert.equal(p.profit_all_coin, 0);
      assert.equal(p.first_trade_timestamp, 0);
      assert.equal(p.profit_factor, null);
      assert.equal(p.winrate, 0);
      assert.deepEqual(await get('status'), [] as unknown as Record<string, unknown>);
      const t = await get('trades');
      assert.equal(t.total_trades, 0);
      const flat = await fetch(`${s.server.url}/api/v1/forceexit`, {
        method: 'POST',
        headers: { authorization: s.basic, 'content-type': 'application/json' },
        body: JSON.stringify({ tradeid: 'all' }),
      });
      assert.equal(flat.status, 400);
    } finally {
      await s.close();
    }
  });
});
