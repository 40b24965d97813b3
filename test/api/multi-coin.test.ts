/**
 * The monitoring API of a REAL three-coin paper bot (`hlmm trade --tickers BTC,ETH,BNB --replay DIR`, synthetic
 * markets, looping): one server for every coin. Freqtrade's routes answer per pair — whitelist, status, trades,
 * trade/{id}, profit, performance, count, balance, show_config, pair_candles, the message WebSocket — checked
 * against the bot's own SQLite fills (round trips per coin); hlmm's routes answer per coin (?coin=) and the
 * overview for all; the controls act on one coin or every coin (stop, start, flatten, kill).
 *
 * The replay loops, so the market keeps moving however long the test takes; every wait is for a condition.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { type RoundTrip, roundTrips } from '../../src/store/round-trips.ts';
import {
  MULTI_PASSWORD,
  MULTI_TICKERS,
  MULTI_USER,
  type MultiCoin,
  startMultiBot,
  writeMultiReplay,
} from '../support/multi-coin-bot.ts';
import { settledAfter, until } from '../support/wait.ts';

const PAIRS = MULTI_TICKERS.map((t) => `${t}/USDC:USDC`);
/** Freqtrade's pydantic field lists (as test/api/frequi.test.ts checks one coin against). */
const SCHEMAS = JSON.parse(
  readFileSync(new URL('../fixtures/freqtrade-schemas-2.40.json', import.meta.url), 'utf8'),
).schemas as Record<string, string[]>;
/** hlmm's documented additions (docs/frequi.md; `tickers` with several coins, docs/api.md). */
const EXTRAS: Record<string, string[]> = {
  TradeSchema: ['fees_quote', 'fills', 'max_position_base'],
  OpenTradeSchema: ['fees_quote', 'fills', 'max_position_base'],
  ShowConfig: ['margin_mode', 'ticker', 'model', 'feed', 'tickers'],
  Balance: ['leverage'],
};
function assertShape(obj: unknown, schema: string) {
  const got = Object.keys(obj as object);
  const want = SCHEMAS[schema];
  assert.deepEqual(
    want.filter((k) => !got.includes(k)),
    [],
    `${schema}: missing fields`,
  );
  assert.deepEqual(
    got.filter((k) => !want.includes(k) && !(EXTRAS[schema] ?? []).includes(k)),
    [],
    `${schema}: extra fields`,
  );
}
const pairOf = (t: string) => `${t}/USDC:USDC`;

describe('hlmm trade --tickers: one API for three coins (paper, replay)', () => {
  let replay: string;
  let bot: Awaited<ReturnType<typeof startMultiBot>>;
  let url: string;
  let token: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, checked field by field
  const messages: any[] = [];
  let ws: WebSocket;

  const call = async (
    path: string,
    init: { method?: string; body?: unknown } = {},
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes
  ): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
  const get = async (path: string) => {
    const r = await call(path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const post = (path: string, body: unknown = {}) => call(path, { method: 'POST', body });
  const engine = (t: MultiCoin) => {
    const e = bot.engines.get(t);
    assert.ok(e);
    return e;
  };
  const tripsOf = (t: MultiCoin): RoundTrip[] => roundTrips(bot.store.allFills(t));
  /** Waits until every coin's orders sent before now have landed (market data past now on each coin). */
  const settled = async () => {
    for (const t of MULTI_TICKERS) await settledAfter(engine(t), 1_000, `${t} market data`);
  };

  before(async () => {
    replay = await writeMultiReplay();
    bot = await startMultiBot(replay);
    assert.ok(bot.apiUrl, 'the API is on');
    url = bot.apiUrl as string;
    const login = await fetch(`${url}/api/v1/token/login`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${MULTI_USER}:${MULTI_PASSWORD}`).toString('base64')}`,
      },
    });
    token = ((await login.json()) as { access_token: string }).access_token;
    ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/message/ws?token=${token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (raw) => messages.push(JSON.parse(String(raw))));
    ws.send(JSON.stringify({ type: 'subscribe', data: ['entry_fill', 'exit_fill', 'new_candle', 'status'] }));
    ws.send(JSON.stringify({ type: 'whitelist' }));
    await until('a closed round trip on every coin', () =>
      MULTI_TICKERS.every((t) => tripsOf(t).some((x) => !x.isOpen)),
    );
  });
  after(async () => {
    ws?.close();
    await bot?.stop('test done');
    if (bot) rmSync(bot.dir, { recursive: true, force: true });
    if (replay) rmSync(replay, { recursive: true, force: true });
  });

  it('the message WebSocket carries every pair: whitelist, fills with their pair, candles', async () => {
    await until('entry and exit fills of every pair', () =>
      PAIRS.every(
        (p) =>
          messages.some((m) => m.type === 'entry_fill' && m.pair === p) &&
          messages.some((m) => m.type === 'exit_fill' && m.pair === p) &&
          messages.some((m) => m.type === 'new_candle' && m.data[0] === p),
      ),
    );
    assert.deepEqual(
      messages.find((m) => m.type === 'whitelist')?.data,
      PAIRS,
      'the whitelist message lists every pair',
    );
    for (const m of messages.filter((x) => x.type === 'entry_fill' || x.type === 'exit_fill')) {
      assert.equal(m.base_currency, m.pair.split('/')[0]);
      assert.ok(Number.isInteger(m.trade_id) && m.trade_id >= 1);
    }
  });

  it("the dashboard WebSocket: one coin's stream with ?coin=, every coin's (tagged) without", async () => {
    const open = (query: string) => {
      const sock = new WebSocket(`${url.replace('http', 'ws')}/api/v1/hlmm/ws?token=${token}${query}`);
      // biome-ignore lint/suspicious/noExplicitAny: JSON messages of several shapes
      const got: any[] = [];
      sock.on('message', (raw) => got.push(JSON.parse(String(raw))));
      return { sock, got };
    };
    const all = open('');
    const eth = open('&coin=ETH');
    const bad = open('&coin=SOL');
    try {
      await until('the overview and events of every coin', () =>
        MULTI_TICKERS.every((t) => all.got.some((m) => m.type === 'status' && m.coin === t)),
      );
      assert.equal(all.got[0].type, 'overview');
      assert.deepEqual(
        all.got[0].data.coins.map((c: { coin: string }) => c.coin),
        MULTI_TICKERS,
      );
      await until("ETH's snapshot and a quote", () => eth.got.some((m) => m.type === 'quotes'));
      assert.equal(eth.got[0].type, 'snapshot');
      assert.equal(eth.got[0].data.info.ticker, 'ETH');
      assert.ok(
        eth.got.every((m) => m.coin === undefined),
        "one coin's stream: events as one coin's",
      );
      await until('the unknown coin refused', () => bad.sock.readyState === WebSocket.CLOSED);
      assert.match(bad.got[0]?.detail ?? '', /does not trade SOL; it trades BTC, ETH, BNB/);
    } finally {
      all.sock.close();
      eth.sock.close();
    }
  });

  it('after a stop on every coin, status/trades/performance/count/profit match the store per pair', async () => {
    const stop = await post('/api/v1/stop');
    assert.equal(stop.status, 200);
    assert.equal(stop.body.status, 'stopping trader ...');
    for (const t of MULTI_TICKERS) assert.equal(engine(t).risk().stoppedByUser, true, `${t} stopped`);
    await until('no order rests on any coin', () =>
      MULTI_TICKERS.every((t) => engine(t).openOrders().length === 0),
    );
    await settled();
    assert.equal((await post('/api/v1/stop')).body.status, 'already stopped');

    const per = Object.fromEntries(MULTI_TICKERS.map((t) => [t, tripsOf(t)])) as Record<
      MultiCoin,
      RoundTrip[]
    >;
    const closedOf = (t: MultiCoin) => per[t].filter((x) => !x.isOpen);
    const openOf = (t: MultiCoin) => per[t].filter((x) => x.isOpen);

    const wl = await get('/api/v1/whitelist');
    assert.deepEqual(wl, { whitelist: PAIRS, length: 3, method: ['StaticPairList'] });

    const cfg = await get('/api/v1/show_config');
    assert.equal(cfg.max_open_trades, 3, 'one open round trip per coin');
    assert.deepEqual(cfg.tickers, MULTI_TICKERS);
    assert.equal(cfg.state, 'stopped');
    assert.equal(cfg.dry_run, true);

    const trades = await get('/api/v1/trades?limit=0');
    const totalClosed = MULTI_TICKERS.reduce((s, t) => s + closedOf(t).length, 0);
    assert.equal(trades.total_trades, totalClosed);
    assert.equal(trades.trades.length, totalClosed);
    for (const t of MULTI_TICKERS) {
      const mine = trades.trades.filter((x: { pair: string }) => x.pair === pairOf(t));
      assert.equal(mine.length, closedOf(t).length, `${t}: every closed round trip listed under its pair`);
      const want = closedOf(t).reduce((s, x) => s + x.profitQuote, 0);
      const got = mine.reduce((s: number, x: { profit_abs: number }) => s + x.profit_abs, 0);
      assert.ok(Math.abs(want - got) < 1e-9, `${t}: profit ${got} vs ${want}`);
    }

    const status = await get('/api/v1/status');
    const wantOpen = MULTI_TICKERS.filter((t) => openOf(t).length > 0);
    assert.deepEqual(
      status.map((x: { pair: string }) => x.pair).sort(),
      wantOpen.map(pairOf).sort(),
      'one open trade per coin holding a position',
    );
    for (const s of status) {
      const t = s.base_currency as MultiCoin;
      assert.ok(Math.abs(s.amount - Math.abs(engine(t).account().positionBase)) < 1e-8, `${t} amount`);
    }
    const ids = [...status, ...trades.trades].map((x: { trade_id: number }) => x.trade_id);
    assert.equal(new Set(ids).size, ids.length, 'trade ids are unique across coins');
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      Array.from({ length: ids.length }, (_, i) => i + 1),
      'one sequence 1…n over every coin',
    );
    for (const x of [status[0], trades.trades[0], trades.trades[trades.trades.length - 1]].filter(Boolean)) {
      const one = await get(`/api/v1/trade/${x.trade_id}`);
      assert.equal(one.pair, x.pair, `trade ${x.trade_id} is found on its coin`);
    }

    const perf = await get('/api/v1/performance');
    assert.deepEqual(perf.map((r: { pair: string }) => r.pair).sort(), [...PAIRS].sort());
    for (let i = 1; i < perf.length; i++)
      assert.ok(perf[i - 1].profit_abs >= perf[i].profit_abs, 'best first');
    for (const r of perf) assert.equal(r.count, closedOf(r.pair.split('/')[0] as MultiCoin).length);

    const count = await get('/api/v1/count');
    assert.equal(count.current, status.length);
    assert.equal(count.max, 3);

    const profit = await get('/api/v1/profit');
    assert.equal(
      profit.trade_count,
      MULTI_TICKERS.reduce((s, t) => s + per[t].length, 0),
    );
    assert.equal(profit.closed_trade_count, totalClosed);
    const closedSum = MULTI_TICKERS.reduce(
      (s, t) => s + closedOf(t).reduce((a, x) => a + x.profitQuote, 0),
      0,
    );
    assert.ok(Math.abs(profit.profit_closed_coin - closedSum) < 1e-9);
    // Freqtrade's best pair: the largest Σ closed profit ratio.
    const ratioSum = (t: MultiCoin) => closedOf(t).reduce((a, x) => a + x.profitRatio, 0);
    const best = [...MULTI_TICKERS].sort((a, b) => ratioSum(b) - ratioSum(a))[0];
    assert.equal(profit.best_pair, pairOf(best));

    // Cash still moves while stopped: an open position's funding falls due each hour of the replayed market. The
    // answer is compared with the engines' cash read just before and after it, and asked again when the two differ
    // (a payment landed while the request was on its way).
    const start = engine('BTC').account().startingBalanceQuote;
    const cashNow = () => MULTI_TICKERS.reduce((s, t) => s + engine(t).account().cashQuote - start, start);
    let balance: Awaited<ReturnType<typeof get>>;
    let before: number;
    let cash: number;
    let tries = 0;
    do {
      before = cashNow();
      balance = await get('/api/v1/balance');
      cash = cashNow();
    } while (cash !== before && ++tries < 20);
    assert.equal(balance.currencies[0].currency, 'USDC');
    const positions = balance.currencies.slice(1).map((c: { currency: string }) => c.currency);
    assert.deepEqual(
      positions,
      MULTI_TICKERS.filter((t) => engine(t).account().positionBase !== 0).map(pairOf),
      'one position row per coin holding one',
    );
    // The one account's cash is the starting balance plus every coin's change.
    assert.ok(
      Math.abs(balance.currencies[0].balance - cash) < 1e-6,
      `cash ${balance.currencies[0].balance} vs ${cash}`,
    );
    assert.equal(balance.starting_capital, start);

    for (const p of PAIRS) {
      const candles = await get(`/api/v1/pair_candles?pair=${encodeURIComponent(p)}&timeframe=1m`);
      assert.equal(candles.pair, p);
      assert.ok(candles.length >= 1, `${p}: live candles`);
      const close = candles.columns.indexOf('close');
      const mid = engine(p.split('/')[0] as MultiCoin).account().mid as number;
      const last = candles.data[candles.data.length - 1][close];
      assert.ok(Math.abs(last - mid) / mid < 0.05, `${p}: candles of its own market (${last} near ${mid})`);
    }
    const unknown = await call(
      `/api/v1/pair_candles?pair=${encodeURIComponent('SOL/USDC:USDC')}&timeframe=1m`,
    );
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.detail, /BTC\/USDC:USDC, ETH\/USDC:USDC, BNB\/USDC:USDC/);
    const avail = await get('/api/v1/available_pairs');
    assert.deepEqual(avail.pairs, PAIRS);
    // Every answer in Freqtrade's own shapes, as for one coin.
    assertShape(cfg, 'ShowConfig');
    assertShape(trades, 'TradeResponse');
    for (const x of trades.trades) assertShape(x, 'TradeSchema');
    for (const x of status) assertShape(x, 'OpenTradeSchema');
    for (const r of perf) assertShape(r, 'PerformanceEntry');
    assertShape(count, 'Count');
    assertShape(profit, 'Profit');
    assertShape(balance, 'Balances');
    for (const c of balance.currencies) assertShape(c, 'Balance');
    assertShape(wl, 'WhitelistResponse');
    assertShape(avail, 'AvailablePairs');
    const daily = await get('/api/v1/daily?timescale=2');
    assertShape(daily, 'DailyWeeklyMonthly');
    const logs = await get('/api/v1/logs?limit=50');
    assert.ok(logs.logs.every((l: unknown[]) => /^hlmm\.(BTC|ETH|BNB)$/.test(String(l[2]))));
  });

  it("hlmm's routes answer per coin (?coin=), the overview for all", async () => {
    const none = await call('/api/v1/hlmm/snapshot');
    assert.equal(none.status, 422);
    assert.match(none.body.detail, /this bot trades BTC, ETH, BNB: add \?coin=BTC/);
    const wrong = await call('/api/v1/hlmm/snapshot?coin=SOL');
    assert.equal(wrong.status, 404);
    for (const t of MULTI_TICKERS) {
      const snap = await get(`/api/v1/hlmm/snapshot?coin=${t}`);
      assert.equal(snap.info.ticker, t);
      assert.ok(snap.recentFills.length >= 1);
      assert.ok(
        snap.recentFills.every((f: { coin: string }) => f.coin === t),
        `${t}: only its fills`,
      );
      assert.ok(
        snap.equity.every((p: { coin: string }) => p.coin === t),
        `${t}: only its equity points`,
      );
      const fills = await get(`/api/v1/hlmm/fills?coin=${t}&limit=5000`);
      assert.equal(fills.fills.length, bot.store.allFills(t).length, `${t}: every fill of the coin`);
      const since = await get(`/api/v1/hlmm/fills?coin=${t}&since=0&limit=3`);
      assert.deepEqual(
        since.fills.map((f: { id: number }) => f.id),
        bot.store
          .allFills(t)
          .slice(0, 3)
          .map((f) => f.id),
      );
      const account = await get(`/api/v1/hlmm/account?coin=${encodeURIComponent(pairOf(t))}`);
      assert.equal(account.positionBase, engine(t).account().positionBase, 'a pair names the coin too');
      const hist = await get(`/api/v1/hlmm/history?coin=${t}&minutes=60`);
      assert.ok(hist.rows.tMs.length > 0, `${t}: market history`);
      const mid = engine(t).account().mid as number;
      const lastBid = hist.rows.bidPx.filter((x: number | null) => x !== null).at(-1);
      assert.ok(Math.abs(lastBid - mid) / mid < 0.05, `${t}: its own book in the history`);
      const mk = await get(`/api/v1/hlmm/markouts?coin=${t}`);
      assert.ok(mk.fills >= 1, `${t}: markouts of its fills`);
      const params = await get(`/api/v1/hlmm/params?coin=${t}`);
      assert.match(params.source, new RegExp(`params_${t}\\.json$`));
      assert.ok(params.history.every((p: { source: string }) => p.source.endsWith(`params_${t}.json`)));
    }
    const ov = await get('/api/v1/hlmm/overview');
    assert.equal(ov.multi, true);
    assert.deepEqual(ov.tickers, MULTI_TICKERS);
    assert.deepEqual(
      ov.coins.map((c: { coin: string }) => c.coin),
      MULTI_TICKERS,
    );
    for (const row of ov.coins) {
      const e = engine(row.coin);
      assert.equal(row.status, 'stopped');
      assert.equal(row.positionBase, e.account().positionBase);
      assert.equal(row.params.sigma, e.params().current?.sigma);
    }
    assert.equal(ov.account.coins, 3);
    assert.equal(ov.account.startingBalanceQuote, bot.account.startingBalanceQuote);
    assert.equal(ov.account.killSwitch.tripped, false);
    const notional = ov.coins.reduce(
      (s: number, c: { positionBase: number; mid: number }) => s + Math.abs(c.positionBase) * c.mid,
      0,
    );
    assert.ok(Math.abs(ov.account.totalNotionalQuote - notional) / Math.max(1, notional) < 0.05);
  });

  it('controls: one coin where the route names it, every coin without', async () => {
    const startEth = await post('/api/v1/hlmm/start?coin=ETH');
    assert.equal(startEth.status, 200);
    assert.deepEqual(startEth.body.coins, ['ETH']);
    assert.equal(engine('ETH').risk().stoppedByUser, false);
    assert.equal(engine('BTC').risk().stoppedByUser, true, 'BTC left stopped');
    assert.equal(engine('BNB').risk().stoppedByUser, true, 'BNB left stopped');
    await until('ETH quotes again', () => engine('ETH').openOrders().length > 0);
    const stopEth = await post('/api/v1/hlmm/stop?coin=ETH');
    assert.equal(stopEth.status, 200);
    assert.equal(engine('ETH').risk().stoppedByUser, true);
    assert.equal((await post('/api/v1/hlmm/stop?coin=DOGE')).status, 404);

    // The Freqtrade start resumes every coin.
    assert.equal((await post('/api/v1/start')).body.status, 'starting trader ...');
    for (const t of MULTI_TICKERS) assert.equal(engine(t).risk().stoppedByUser, false);
    // Flatten one coin: only that coin's position is closed. Stopped first, so no quote fill moves it meanwhile.
    let held: MultiCoin | undefined;
    for (let attempt = 0; held === undefined; attempt++) {
      assert.ok(attempt < 50, 'a coin keeps a position after a stop');
      await until('a coin holding a position', () =>
        MULTI_TICKERS.some((t) => Math.abs(engine(t).account().positionBase) > 0),
      );
      await post('/api/v1/stop');
      await until('no order rests', () => MULTI_TICKERS.every((t) => engine(t).openOrders().length === 0));
      await settled();
      held = MULTI_TICKERS.find((t) => engine(t).account().positionBase !== 0);
      if (held === undefined) await post('/api/v1/start');
    }
    const others = MULTI_TICKERS.filter((t) => t !== held).map((t) => [t, engine(t).account().positionBase]);
    const flat = await post(`/api/v1/hlmm/flatten?coin=${held}`);
    assert.ok([200, 409].includes(flat.status), JSON.stringify(flat.body));
    assert.match(JSON.stringify(flat.body), new RegExp(`${held}: `));
    if (flat.status === 200) assert.equal(engine(held).account().positionBase, 0, `${held} flat`);
    assert.deepEqual(
      MULTI_TICKERS.filter((t) => t !== held).map((t) => [t, engine(t).account().positionBase]),
      others,
      'the other coins keep their positions',
    );
    await post('/api/v1/start');

    // The account kill switch: every coin pulled, the account says why; /start re-arms it.
    const kill = await post('/api/v1/hlmm/kill');
    assert.equal(kill.status, 200);
    assert.match(kill.body.status, /every coin/);
    for (const t of MULTI_TICKERS) assert.equal(engine(t).risk().killSwitch.tripped, true, `${t} killed`);
    await until('nothing rests on any coin', () =>
      MULTI_TICKERS.every((t) => engine(t).openOrders().length === 0),
    );
    assert.match(bot.account.killSwitch?.reason ?? '', /account kill switch through the API/);
    const ov = await get('/api/v1/hlmm/overview');
    assert.equal(ov.account.killSwitch.tripped, true);
    assert.ok(ov.coins.every((c: { status: string }) => c.status === 'kill switch'));
    assert.equal((await post('/api/v1/start')).status, 200);
    assert.equal(bot.account.killSwitch, null, 'the account kill switch is re-armed');
    for (const t of MULTI_TICKERS) assert.equal(engine(t).risk().killSwitch.tripped, false);

    // forceexit "all": every coin holding a position flattens; a trade id, that trade's coin.
    await post('/api/v1/stop');
    await until('no order rests on any coin', () =>
      MULTI_TICKERS.every((t) => engine(t).openOrders().length === 0),
    );
    await settled();
    const status = await get('/api/v1/status');
    if (status.length > 0) {
      const one = status[0];
      const exit = await post('/api/v1/forceexit', { tradeid: String(one.trade_id) });
      assert.ok([200, 409].includes(exit.status), JSON.stringify(exit.body));
      assert.match(JSON.stringify(exit.body), new RegExp(`${one.base_currency}: `));
    }
    const bad = await post('/api/v1/forceexit', { tradeid: '999999' });
    assert.equal(bad.status, 400);
    const all = await post('/api/v1/forceexit', { tradeid: 'all' });
    assert.ok([200, 400, 409].includes(all.status), JSON.stringify(all.body));
    const enter = await post('/api/v1/forceenter', { pair: 'SOL/USDC:USDC', side: 'long' });
    assert.equal(enter.status, 422);
    assert.match(enter.body.detail, /BTC\/USDC:USDC, ETH\/USDC:USDC, BNB\/USDC:USDC/);
  });
});
