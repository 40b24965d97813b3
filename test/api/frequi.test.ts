import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  CandleBuilder,
  MarketTape,
  pairHistoryOf,
  resample,
  timeframeMs,
  withGapBreaks,
} from '../../src/api/candles.ts';
import { parseTimerange } from '../../src/api/freqtrade-chart-routes.ts';
import { baseAmount, tradeToFreqtrade } from '../../src/api/freqtrade-shapes.ts';
import { periodStartMs, timeUnitProfit } from '../../src/api/freqtrade-stats.ts';
import { planForceEntry } from '../../src/engine/force-entry.ts';
import { RiskGuard, type RiskLimits } from '../../src/engine/risk.ts';
import { botNowMs } from '../../src/pnl/bot-summary.ts';
import { type RoundTrip, roundTrips, type TradeFill } from '../../src/store/round-trips.ts';
import { BotDouble, quotesAt, startTestServer, type TestServer } from '../support/api-bot-double.ts';
import { btcInstrument } from '../support/instruments.ts';

/**
 * What FreqUI and Freqtrade's REST client call at api_version 2.40, against a store of known fills (the same
 * session as api-freqtrade.test.ts: three round trips, the third open) and the field lists of Freqtrade's pydantic
 * models (test/fixtures/freqtrade-schemas-2.40.json, transcribed from freqtrade 2024.10-dev).
 */
const FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/freqtrade-schemas-2.40.json', import.meta.url), 'utf8'),
).schemas as Record<string, string[]>;

/** hlmm's documented additions per schema (docs/frequi.md); anything else beyond Freqtrade's fields fails. */
const EXTRAS: Record<string, string[]> = {
  TradeSchema: ['fees_quote', 'fills', 'max_position_base'],
  OpenTradeSchema: ['fees_quote', 'fills', 'max_position_base'],
  ShowConfig: ['margin_mode', 'ticker', 'model', 'feed'],
  Balance: ['leverage'],
};

function assertShape(obj: unknown, schema: string) {
  assert.ok(obj !== null && typeof obj === 'object', `${schema}: not an object`);
  const want = FIXTURE[schema];
  assert.ok(want, `no fixture for ${schema}`);
  const got = Object.keys(obj as object);
  const missing = want.filter((k) => !got.includes(k));
  const extra = got.filter((k) => !want.includes(k) && !(EXTRAS[schema] ?? []).includes(k));
  assert.deepEqual(missing, [], `${schema}: missing ${missing.join(', ')}`);
  assert.deepEqual(extra, [], `${schema}: extra ${extra.join(', ')}`);
}

const DAY = 86_400_000;
// Wednesday 2025-09-17 12:00 UTC is the bot's clock; trips yesterday (Tuesday).
const NOW = Date.UTC(2025, 8, 17, 12, 0, 0);
const T0 = NOW - DAY;
const FILLS = [
  { tid: 1, side: 'buy', px: 100_000, sz: 0.01, feeQuote: 0.1, tsMs: T0 },
  { tid: 2, side: 'sell', px: 100_100, sz: 0.01, feeQuote: 0.1, tsMs: T0 + 60_000 },
  { tid: 3, side: 'sell', px: 100_200, sz: 0.02, feeQuote: 0.2, tsMs: T0 + 120_000 },
  { tid: 4, side: 'buy', px: 100_300, sz: 0.02, feeQuote: 0.2, tsMs: T0 + 180_000 },
  { tid: 5, side: 'buy', px: 100_000, sz: 0.01, feeQuote: 0.1, tsMs: T0 + 240_000 },
] as const;

describe('FreqUI endpoints (api_version 2.40)', () => {
  let s: TestServer;
  let view: BotDouble;
  const tape = new MarketTape();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.server.url}/api/v1/${path}`, {
      method,
      headers: {
        authorization: s.basic,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, checked field by field
    return { status: res.status, body: (await res.json()) as any };
  };
  const get = async (path: string) => {
    const r = await call('GET', path);
    assert.equal(r.status, 200, `${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    view = new BotDouble({ startedMs: T0 - 1000 });
    view.nowMs = () => NOW;
    view.accountState = {
      ...view.accountState,
      positionBase: 0.01,
      cashQuote: -1.7,
      equityQuote: 998.8,
      mid: 100_050,
      bbo: { exchMs: NOW, recvS: NOW / 1000, bidPx: 100_045, bidSz: 1, askPx: 100_055, askSz: 1 },
    };
    view.orders = [{ oid: 7, cloid: null, side: 'sell', px: 100_060, sz: 0.01, filledSz: 0, createdMs: T0 }];
    view.quotesState = quotesAt(100_050);
    // Two minutes of tape: prints 100 000 → 100 020 in the first, a mid only in the second, our quote and a fill.
    const m0 = Math.floor(NOW / 60_000) * 60_000 - 120_000;
    tape.market({ kind: 'trade', exchMs: m0 + 1000, recvS: 0, px: 100_000, sz: 0.5, side: 'buy', tid: 1 });
    tape.market({ kind: 'trade', exchMs: m0 + 2000, recvS: 0, px: 100_020, sz: 0.25, side: 'buy', tid: 2 });
    tape.market({ kind: 'trade', exchMs: m0 + 3000, recvS: 0, px: 99_990, sz: 0.25, side: 'sell', tid: 3 });
    tape.quote(quotesAt(100_000, 5), m0 + 4000);
    tape.market({
      kind: 'bbo',
      exchMs: m0 + 61_000,
      recvS: 0,
      bidPx: 100_040,
      bidSz: 1,
      askPx: 100_050,
      askSz: 1,
    });
    tape.fill({
      tid: 9,
      oid: 1,
      cid: 1,
      cloid: null,
      side: 'buy',
      px: 100_040,
      sz: 0.01,
      feeQuote: 0,
      liquidity: 'maker',
      exchMs: m0 + 62_000,
      positionBase: 0.01,
      closedPnlQuote: null,
      hash: null,
    });
    s = await startTestServer({ view, tape });
    for (const f of FILLS)
      s.store.recordFill({ ...f, coin: 'BTC', oid: f.tid, cloid: null, liquidity: 'maker' });
  });
  after(async () => {
    await s.close();
  });

  it('every answer has exactly the fields of Freqtrade’s schema (plus hlmm’s documented extras)', async () => {
    assertShape(await get('ping'), 'Ping');
    assertShape(await get('version'), 'Version');
    assertShape(await get('show_config'), 'ShowConfig');
    assertShape(await get('profit'), 'Profit');
    const bal = await get('balance');
    assertShape(bal, 'Balances');
    for (const c of bal.currencies) assertShape(c, 'Balance');
    assertShape(await get('count'), 'Count');
    for (const p of await get('performance')) assertShape(p, 'PerformanceEntry');
    for (const unit of ['daily', 'weekly', 'monthly']) {
      const d = await get(`${unit}?timescale=2`);
      assertShape(d, 'DailyWeeklyMonthly');
      for (const r of d.data) assertShape(r, 'DailyWeeklyMonthlyRecord');
    }
    const stats = await get('stats');
    assertShape(stats, 'Stats');
    for (const r of Object.values(stats.exit_reasons)) assertShape(r, 'SellReason');
    for (const e of await get('entries')) assertShape(e, 'Entry');
    for (const e of await get('exits')) assertShape(e, 'Exit');
    for (const e of await get('mix_tags')) assertShape(e, 'MixTag');
    const status = await get('status');
    assert.equal(status.length, 1);
    assertShape(status[0], 'OpenTradeSchema');
    for (const o of status[0].orders) assertShape(o, 'OrderSchema');
    const trades = await get('trades');
    assertShape(trades, 'TradeResponse');
    for (const t of trades.trades) assertShape(t, 'TradeSchema');
    assertShape(await get('trade/1'), 'OpenTradeSchema');
    assertShape(await get('locks'), 'Locks');
    assertShape(await get('logs'), 'Logs');
    assertShape(await get('blacklist'), 'BlacklistResponse');
    assertShape(await get('whitelist'), 'WhitelistResponse');
    assertShape(await get('strategies'), 'StrategyListResponse');
    assertShape(await get('strategy/AvellanedaStoikov'), 'StrategyResponse');
    assertShape(await get('available_pairs'), 'AvailablePairs');
    assertShape(await get('pair_candles?pair=BTC/USDC:USDC&timeframe=1m'), 'PairHistory');
    assertShape(await get('sysinfo'), 'SysInfo');
    assertShape(await get('health'), 'Health');
  });

  it('a missing or an extra field fails the shape check', () => {
    assert.throws(() => assertShape({}, 'Ping'), /missing status/);
    assert.throws(() => assertShape({ status: 'pong', extra: 1 }, 'Ping'), /extra extra/);
  });

  it('/trade/{closed id} carries current_rate (the close rate) and total_profit_abs', async () => {
    const t = await get('trade/1');
    assert.equal(t.is_open, false);
    assert.equal(t.current_rate, 100_100);
    assert.ok(Math.abs(t.total_profit_abs - 0.8) < 1e-9, String(t.total_profit_abs));
    assert.deepEqual(t.orders, []);
    assert.equal(t.has_open_orders, false);
  });

  it('has_open_orders agrees with orders: the open trade lists the resting quote', async () => {
    const [open] = await get('status');
    assert.equal(open.has_open_orders, true);
    assert.equal(open.orders.length, 1);
    assert.equal(open.orders[0].order_id, '7');
    assert.equal(open.orders[0].ft_order_side, 'sell');
    assert.equal(open.orders[0].safe_price, 100_060);
    assert.equal(open.orders[0].remaining, 0.01);
  });

  it('/trades takes limit 0 (every closed trade, newest close first) and limits above 500', async () => {
    const all = await get('trades?limit=0');
    assert.deepEqual(
      all.trades.map((t: { trade_id: number }) => t.trade_id),
      [2, 1],
    );
    assert.equal((await get('trades?limit=600')).trades_count, 2);
    const bad = await call('GET', 'trades?limit=-1');
    assert.equal(bad.status, 422);
    assert.equal(typeof bad.body.detail, 'string');
  });

  it('/daily takes a timescale above 365; /weekly and /monthly bucket by Monday and the 1st', async () => {
    assert.equal((await get('daily?timescale=400')).data.length, 400);
    const w = await get('weekly?timescale=2');
    // Wednesday 17 Sep → week of Monday 15 Sep; both trips closed Tuesday 16th: −1.6 USDC.
    assert.equal(w.data[0].date, '2025-09-15');
    assert.equal(w.data[1].date, '2025-09-08');
    assert.equal(w.data[0].trade_count, 2);
    assert.ok(Math.abs(w.data[0].abs_profit - -1.6) < 1e-9);
    assert.equal(w.data[0].starting_balance, 1000);
    const m = await get('monthly?timescale=3');
    assert.deepEqual(
      m.data.map((r: { date: string }) => r.date),
      ['2025-09-01', '2025-08-01', '2025-07-01'],
    );
    const bad = await call('GET', 'weekly?timescale=0');
    assert.equal(bad.status, 422);
  });

  it('/stats, /entries, /exits, /mix_tags from the closed trades', async () => {
    const st = await get('stats');
    assert.deepEqual(st.exit_reasons, { flat: { wins: 1, losses: 1, draws: 0 } });
    assert.deepEqual(st.durations, { wins: 60, draws: null, losses: 60 });
    const [e] = await get('entries');
    assert.equal(e.enter_tag, 'market_making');
    assert.equal(e.count, 2);
    assert.ok(Math.abs(e.profit_abs - -1.6) < 1e-9);
    assert.equal((await get('mix_tags'))[0].mix_tag, 'market_making flat');
    assert.deepEqual(await get('exits?pair=ETH/USDC:USDC'), []);
  });

  it('errors read {"detail": …}, unknown paths included', async () => {
    const r = await call('GET', 'no_such_endpoint');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { detail: 'Not Found' });
    const t = await call('GET', 'trade/99');
    assert.equal(t.status, 404);
    assert.equal(t.body.detail, 'Trade not found.');
  });

  it('pair_candles: OHLCV from the feed with our quotes, reservation price, fills and position', async () => {
    const h = await get('pair_candles?pair=BTC/USDC:USDC&timeframe=1m');
    assert.equal(h.length, 2);
    const col = (name: string) => h.columns.indexOf(name);
    const [c1, c2] = h.data;
    assert.deepEqual(
      [c1[col('open')], c1[col('high')], c1[col('low')], c1[col('close')], c1[col('volume')]],
      [100_000, 100_020, 99_990, 99_990, 1],
    );
    assert.equal(c1[col('our_bid')], 99_995);
    assert.equal(c1[col('our_ask')], 100_005);
    assert.equal(c1[col('reservation_price')], 100_000);
    // Second minute: no print, so the mid (100 045), volume 0; our buy fill at 100 040 and the position after it.
    assert.deepEqual([c2[col('open')], c2[col('close')], c2[col('volume')]], [100_045, 100_045, 0]);
    assert.equal(c2[col('buy_fill')], 100_040);
    assert.equal(c2[col('our_bid')], 99_995, 'the quote in force carries into the next candle');
    assert.equal(c2[col('position')], 0.01);
    assert.equal(c2[col('__date_ts')] - c1[col('__date_ts')], 60_000);
    const post = await call('POST', 'pair_candles', { pair: 'BTC/USDC:USDC', timeframe: '5m', limit: 1 });
    assert.equal(post.status, 200);
    assert.equal(post.body.length, 1);
    const plot = await get('plot_config');
    for (const k of ['our_bid', 'our_ask', 'reservation_price', 'buy_fill', 'sell_fill'])
      assert.ok(k in plot.main_plot, k);
    // FreqUI draws a scatter at 3 px unless told: the fills must stand out from the candles.
    for (const k of ['buy_fill', 'sell_fill']) {
      assert.equal(plot.main_plot[k].type, 'scatter', k);
      assert.ok(plot.main_plot[k].scatterSymbolSize >= 8, k);
    }
    assert.equal((await call('GET', 'pair_candles?pair=ETH/USDC:USDC&timeframe=1m')).status, 404);
  });

  it('pair_history without recorded files says how to get them', async () => {
    const r = await call(
      'GET',
      'pair_history?pair=BTC/USDC:USDC&timeframe=1m&timerange=20250901-&strategy=x',
    );
    assert.equal(r.status, 404);
    assert.match(r.body.detail, /--replay DIR|collect_dir/);
  });

  it('forceenter: a taker entry for the stake (USDC ÷ price), validated', async () => {
    const ok = await call('POST', 'forceenter', {
      pair: 'BTC/USDC:USDC',
      side: 'long',
      price: 100_000,
      stakeamount: 200,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match(ok.body.status, /buy 0.002 at 100000/);
    assert.ok(view.calls.includes('forceEnter:buy:0.002:100000'));
    assert.equal(
      (await call('POST', 'forceenter', { pair: 'BTC/USDC:USDC', ordertype: 'bogus' })).status,
      422,
    );
    assert.equal((await call('POST', 'forceenter', { pair: 'ETH/USDC:USDC' })).status, 422);
    view.forceEntryOutcome = { status: 'refused', reason: 'entries are stopped' };
    const no = await call('POST', 'forcebuy', { pair: 'BTC/USDC:USDC', side: 'short' });
    assert.equal(no.status, 400);
    assert.match(no.body.detail, /entries are stopped/);
    assert.equal(no.body.error, no.body.detail);
    view.forceEntryOutcome = null;
    assert.equal((await get('show_config')).force_entry_enable, true);
  });

  it('stopbuy keeps exits: the bot stops entries only; show_config max_open_trades 0; /start undoes it', async () => {
    const r = await call('POST', 'stopbuy', {});
    assert.equal(r.status, 200);
    assert.ok(view.calls.includes('stopEntries'));
    assert.ok(!view.calls.some((c) => c.startsWith('stopQuoting')));
    assert.equal((await get('show_config')).max_open_trades, 0);
    assert.equal((await call('POST', 'start', {})).body.status, 'starting trader ...');
  });

  it('FreqUI’s Reload Config (POST /reload_config) ends a stopbuy, but not an operator’s stop', async () => {
    await call('POST', 'stopbuy', {});
    assert.equal((await get('show_config')).max_open_trades, 0);
    view.calls.length = 0;
    const r = await call('POST', 'reload_config', {});
    assert.deepEqual([r.status, r.body], [200, { status: 'Reloading config ...' }]);
    assert.deepEqual(view.calls, ['reloadConfig', 'startQuoting']);
    assert.equal((await get('show_config')).max_open_trades, 1);
    // Stopped by hand (entries stopped too): the reload leaves both.
    const resting = view.orders;
    await call('POST', 'stop', {});
    await call('POST', 'stopbuy', {});
    view.calls.length = 0;
    await call('POST', 'reload_config', {});
    assert.deepEqual(view.calls, ['reloadConfig']);
    assert.equal((await get('show_config')).max_open_trades, 0);
    await call('POST', 'start', {});
    view.orders = resting;
  });

  it('DELETE /trades/{id} hides a closed trade (the fills stay); the open one is refused; reload re-reads', async () => {
    const del = await call('DELETE', 'trades/2');
    assert.equal(del.status, 200);
    assertShape(del.body, 'DeleteTrade');
    assert.equal(del.body.trade_id, 2);
    assert.deepEqual(
      (await get('trades')).trades.map((t: { trade_id: number }) => t.trade_id),
      [1],
    );
    assert.equal(s.store.hiddenTrades().size, 1);
    assert.equal((await call('DELETE', 'trades/3')).status, 400);
    const reload = await call('POST', 'trades/1/reload');
    assert.equal(reload.status, 200);
    assertShape(reload.body, 'OpenTradeSchema');
    // Still hidden after the reload (the list is kept in the store).
    assert.equal((await get('trades')).total_trades, 1);
  });

  it('DELETE /trades/{open id}/open-order cancels the resting orders and answers the trade', async () => {
    const r = await call('DELETE', 'trades/3/open-order');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(view.calls.includes('cancelOpenOrders'));
    assert.equal(r.body.has_open_orders, false);
    assert.equal((await call('DELETE', 'trades/3/open-order')).body.detail, 'No open order for trade_id.');
  });
});

describe('pair_history from recorded files, and CORS for a FreqUI on another origin', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ dataDir: 'data/sample', corsOrigins: ['http://localhost:3000'] });
    // One of our fills inside the window, stored as the bot would.
    s.store.recordFill({
      tid: 1,
      coin: 'BTC',
      oid: 1,
      cloid: null,
      side: 'sell',
      px: 109_200,
      sz: 0.001,
      feeQuote: 0,
      liquidity: 'maker',
      tsMs: 1_756_771_230_000,
    });
  });
  after(async () => {
    await s.close();
  });

  it('candles the bundled BTC sample in a timerange, with our stored fill in its candle', async () => {
    // 2025-09-02 00:00–00:05 UTC, as awk over trades_BTC.csv.gz (tids de-duplicated) counts it:
    // 1937 prints, open 109 222, high 109 251, low 109 032, close 109 098, Σ size 421.3143.
    const res = await fetch(
      `${s.server.url}/api/v1/pair_history?pair=BTC/USDC:USDC&timeframe=5m&timerange=1756771200-1756771500&strategy=AvellanedaStoikov`,
      { headers: { authorization: s.basic } },
    );
    assert.equal(res.status, 200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, checked field by field
    const h = (await res.json()) as any;
    assertShape(h, 'PairHistory');
    assert.equal(h.length, 1);
    const row = h.data[0];
    const col = (n: string) => row[h.columns.indexOf(n)];
    assert.deepEqual(
      [col('open'), col('high'), col('low'), col('close')],
      [109_222, 109_251, 109_032, 109_098],
    );
    assert.ok(Math.abs(col('volume') - 421.3143) < 1e-6, String(col('volume')));
    assert.equal(col('sell_fill'), 109_200);
    assert.equal(col('position'), -0.001);
    assert.equal(col('__date_ts'), 1_756_771_200_000);
    assert.equal(h.data_start, '2025-09-02 00:00:00+00:00');
  });

  it('hlmm trade --api-cors refuses a value that is not an origin, in one sentence, exit 2', () => {
    const r = spawnSync(process.execPath, ['bin/hlmm', 'trade', '--api-cors', 'localhost:3000/ui'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--api-cors.*is not an origin; write scheme:\/\/host\[:port\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('answers a CORS preflight for DELETE from the allowed origin only', async () => {
    const pre = (origin: string) =>
      fetch(`${s.server.url}/api/v1/trades/1`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await pre('http://localhost:3000');
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /DELETE/);
    const other = await pre('http://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('FreqUI helpers, hand-computed', () => {
  it('periods start on the UTC day, the Monday and the 1st', () => {
    const wed = Date.UTC(2025, 8, 17, 12);
    assert.equal(periodStartMs(wed, 'days', 0), Date.UTC(2025, 8, 17));
    assert.equal(periodStartMs(wed, 'weeks', 0), Date.UTC(2025, 8, 15));
    assert.equal(periodStartMs(Date.UTC(2025, 8, 21, 23), 'weeks', 0), Date.UTC(2025, 8, 15)); // Sunday
    assert.equal(periodStartMs(wed, 'months', 9), Date.UTC(2024, 11, 1));
  });

  it('timeUnitProfit: a period’s starting balance adds the profit closed before it', () => {
    const trip = (closeMs: number, profitQuote: number) =>
      ({ isOpen: false, closeMs, profitQuote }) as unknown as RoundTrip;
    const now = Date.UTC(2025, 8, 17, 12);
    const r = timeUnitProfit([trip(Date.UTC(2025, 8, 15, 1), 10), trip(Date.UTC(2025, 8, 17, 1), -4)], {
      timescale: 3,
      unit: 'days',
      startingBalanceQuote: 1000,
      nowMs: now,
      stake: 'USDC',
    });
    assert.deepEqual(
      r.data.map((d) => [d.date, d.abs_profit, d.starting_balance, d.trade_count]),
      [
        ['2025-09-17', -4, 1010, 1],
        ['2025-09-16', 0, 1010, 0],
        ['2025-09-15', 10, 1000, 1],
      ],
    );
    assert.equal(r.data[0].rel_profit, Math.round((-4 / 1010) * 1e8) / 1e8);
  });

  it('the tape samples the engine’s last quote at each market event (its quote hook is throttled)', () => {
    let q = quotesAt(100_000, 5);
    const tape = new MarketTape(() => q);
    tape.market({ kind: 'bbo', exchMs: 0, recvS: 0, bidPx: 99_999, bidSz: 1, askPx: 100_001, askSz: 1 });
    q = quotesAt(100_010, 3);
    tape.market({ kind: 'bbo', exchMs: 1000, recvS: 0, bidPx: 100_009, bidSz: 1, askPx: 100_011, askSz: 1 });
    const [c] = tape.builder.candles;
    assert.deepEqual([c.bidPx, c.askPx, c.reservationPx], [100_007, 100_013, 100_010]);
  });

  it('candles: 1m candles resample into 5m, prints winning over mids; timeframe and timerange text', () => {
    const b = new CandleBuilder();
    b.mid(0, 100);
    b.mid(30_000, 102);
    b.trade(60_000, 101, 2);
    b.trade(61_000, 99, 1);
    const five = resample(b.candles, 300_000);
    assert.equal(five.length, 1);
    assert.deepEqual(
      [five[0].open, five[0].high, five[0].low, five[0].close, five[0].volume],
      [101, 101, 99, 99, 3],
    );
    assert.deepEqual([b.candles[0].open, b.candles[0].high, b.candles[0].close], [100, 102, 102]);
    assert.equal(timeframeMs('15m'), 900_000);
    assert.equal(timeframeMs('1x'), null);
    assert.deepEqual(parseTimerange('20250901-20250903'), {
      fromMs: Date.UTC(2025, 8, 1),
      toMs: Date.UTC(2025, 8, 3),
    });
    assert.deepEqual(parseTimerange('20250901-'), { fromMs: Date.UTC(2025, 8, 1), toMs: undefined });
    assert.equal(parseTimerange('yesterday'), null);
  });

  it('a gap in the data answers one filler candle so FreqUI breaks its quote lines there', () => {
    // As FreqUI's chart receives it (POST /pair_candles): minutes 0 and 1 quoted, nothing until minute 10.
    const b = new CandleBuilder();
    b.mid(0, 100);
    b.mid(60_000, 101);
    b.mid(600_000, 105);
    const rows = pairHistoryOf(b.candles, {
      pair: 'BTC/USDC:USDC',
      timeframe: '1m',
      tfMs: 60_000,
      strategy: 'as-two-sided',
      lastAnalyzedMs: 600_000,
    });
    const col = (name: string) => rows.columns.indexOf(name as (typeof rows.columns)[number]);
    assert.deepEqual(
      rows.data.map((r) => r[col('__date_ts')]),
      [0, 60_000, 120_000, 600_000],
    );
    const filler = rows.data[2];
    // Freqtrade's filler: the previous close, volume 0, no indicator values.
    assert.deepEqual(
      [
        filler[col('open')],
        filler[col('high')],
        filler[col('low')],
        filler[col('close')],
        filler[col('volume')],
      ],
      [101, 101, 101, 101, 0],
    );
    for (const k of ['our_bid', 'our_ask', 'reservation_price', 'buy_fill', 'sell_fill', 'position'])
      assert.equal(filler[col(k)], null, k);
    assert.equal(rows.length, 4);
    // In 5m candles minutes 5–9 are the gap: one filler at 300 000 between the candles at 0 and 600 000.
    assert.deepEqual(
      withGapBreaks(resample(b.candles, 300_000), 300_000).map((c) => [c.tMs, c.volume, c.bidPx]),
      [
        [0, 0, null],
        [300_000, 0, null],
        [600_000, 0, null],
      ],
    );
  });
});

describe('force entry and stopentry in the engine’s risk rules', () => {
  const limits: RiskLimits = {
    maxPositionLots: 5,
    maxNotionalQuote: 1000,
    maxOrderSizeBase: null,
    dailyLossLimitQuote: null,
    maxDrawdownQuote: null,
    staleDataMs: 10_000,
    lotBase: 0.001,
    instrument: btcInstrument,
  };
  const bbo = { exchMs: 0, recvS: 0, bidPx: 100_000, bidSz: 1, askPx: 100_010, askSz: 1 };
  const plan = (over: Partial<Parameters<typeof planForceEntry>[0]>) =>
    planForceEntry({
      side: 'buy',
      sz: 0.002,
      positionBase: 0,
      bbo,
      limits,
      pull: null,
      entriesStopped: false,
      ...over,
    });

  it('a buy takes the best ask, its size on the 5-decimal grid', () => {
    assert.deepEqual(plan({ sz: 0.0021234 }), { ok: true, side: 'buy', sz: 0.00212, px: 100_010 });
    assert.deepEqual(plan({ side: 'sell', limitPx: 99_000 }), {
      ok: true,
      side: 'sell',
      sz: 0.002,
      px: 99_000,
    });
  });

  it('refuses beyond max position (5 lots) or max notional, when stopped, or with entries stopped', () => {
    const over = plan({ sz: 0.002, positionBase: 0.004 });
    assert.equal(over.ok, false);
    assert.match((over as { reason: string }).reason, /max position of 5 lots/);
    const notional = planForceEntry({
      ...{ side: 'buy', sz: 0.005, positionBase: 0, bbo, pull: null, entriesStopped: false },
      limits: { ...limits, maxNotionalQuote: 400 },
    });
    assert.match((notional as { reason: string }).reason, /max notional of 400 USDC/);
    assert.match((plan({ pull: 'kill-switch' }) as { reason: string }).reason, /not running/);
    assert.match((plan({ entriesStopped: true }) as { reason: string }).reason, /entries are stopped/);
    // Reducing a long with a sell is an exit: allowed with entries stopped.
    assert.equal(plan({ side: 'sell', positionBase: 0.003, entriesStopped: true }).ok, true);
    assert.equal(plan({ bbo: null }).ok, false);
  });

  it('stopentry: only the side that reduces the position rests, cut so that it never crosses zero', () => {
    const g = new RiskGuard(limits);
    g.entriesStopped = true;
    const q = quotesAt(100_000, 5);
    const long = g.filter(q, 0.002, 100_000);
    assert.equal(long.bid, null);
    assert.notEqual(long.ask, null);
    const flat = g.filter(quotesAt(100_000, 5), 0, 100_000);
    assert.equal(flat.bid, null);
    assert.equal(flat.ask, null);
    // Long 0.0005 and a 0.001 ask: a full fill would go short, so the ask is cut to the 0.0005 left to close
    // (50 USDC, above the minimum): its fill ends flat, never short.
    const small = g.filter(quotesAt(100_000, 5), 0.0005, 100_000);
    assert.equal(small.ask?.sz, 0.0005);
    assert.equal(small.ask?.px, 100_005);
    assert.equal(small.bid, null);
    // Long 0.00005 (5 USDC): below the 10 USDC minimum order, nothing can rest; the note says to flatten.
    const dust = g.filter(quotesAt(100_000, 5), 0.00005, 100_000);
    assert.equal(dust.ask, null);
    assert.match(dust.explain?.note ?? '', /below the minimum order; flatten to close it/);
  });
});

describe('hlmm pnl counts days on the bot’s clock', () => {
  it('takes /health last_process_ts when it is not before the first fill, else the wall clock', () => {
    const wall = Date.UTC(2026, 11, 1);
    const replayNow = Date.UTC(2025, 8, 20);
    const first = replayNow - 3_600_000;
    assert.equal(
      botNowMs({ last_process_ts: replayNow / 1000 }, { first_trade_timestamp: first }, wall),
      replayNow,
    );
    assert.equal(botNowMs({}, { first_trade_timestamp: first }, wall), wall);
    assert.equal(
      botNowMs({ last_process_ts: (first - 1000) / 1000 }, { first_trade_timestamp: first }, wall),
      wall,
    );
  });
});

describe('what FreqUI’s Open Trades row shows (GET /api/v1/status)', () => {
  const info = {
    botName: 'hlmm-test',
    ticker: 'BTC',
    mode: 'dry',
    strategy: 'as-two-sided',
    model: 'as',
    stakeCurrency: 'USDC',
    startedMs: 0,
    version: 'test',
    feed: 'replay:test',
  } as const;
  const fill = (tid: number, side: 'buy' | 'sell', px: number, sz: number, feeQuote: number) => ({
    tid,
    side,
    px,
    sz,
    feeQuote,
    tsMs: T0 + tid * 1000,
  });

  it('current profit is that of what is held; total adds what the round trip realized', () => {
    // Short 0.003 @ 110 000, bought back 0.002 @ 109 000: realized 2 − fees 0.08 = 1.92; 0.001 still short.
    const [trip] = roundTrips([
      fill(1, 'sell', 110_000, 0.003, 0.05),
      fill(2, 'buy', 109_000, 0.002, 0.03),
    ] as TradeFill[]);
    const t = tradeToFreqtrade(trip, { info, markPx: 109_900, startingBalanceQuote: 1000 }, [], {
      status: true,
    }) as unknown as Record<string, number>;
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) < 1e-9, `${what}: ${got} ≠ ${want}`);
    near(t.amount, 0.001, 'amount');
    near(t.stake_amount, 110, 'stake_amount');
    near(t.realized_profit, 1.92, 'realized_profit');
    // Held: 0.001 × (110 000 − 109 900) = 0.1 on a stake of 110.
    near(t.profit_abs, 0.1, 'profit_abs');
    near(t.profit_ratio, 0.1 / 110, 'profit_ratio');
    assert.equal(t.profit_pct, 0.09);
    // Total 1.92 + 0.1 over the largest stake held, 0.003 × 110 000 = 330.
    near(t.total_profit_abs, 2.02, 'total_profit_abs');
    near(t.total_profit_ratio, 2.02 / 330, 'total_profit_ratio');
  });

  it('sizes summed from lots print without floating-point noise', () => {
    const [trip] = roundTrips([
      fill(1, 'sell', 110_000, 0.0011, 0),
      fill(2, 'sell', 110_000, 0.0002, 0),
    ] as TradeFill[]);
    assert.notEqual(trip.openPositionBase, 0.0013, 'the sum itself carries the noise');
    const t = tradeToFreqtrade(trip, { info, markPx: 110_000, startingBalanceQuote: 1000 }, [], {
      status: true,
    }) as unknown as Record<string, number>;
    assert.equal(t.amount, 0.0013);
    assert.equal(t.amount_requested, 0.0013);
    assert.equal(t.max_position_base, 0.0013);
    assert.equal(baseAmount(0.0014600000000000008), 0.00146);
  });
});
