/**
 * `hlmm trade` hot path, in process: a Hyperliquid WebSocket text frame (bbo / trades) → parse → MarketEvent →
 * engine (risk gate, QuotingLoop: strategy + OrderManager) → order actions handed to the venue (the paper venue,
 * SimVenue). Frames are the bundled real BTC sample turned back into Hyperliquid's wire format.
 *
 * Prints: tick-to-quote latency p50/p99/max over the frames that produced order actions, the mean cost of a frame,
 * the same with online parameters on (plus the cost of each refresh of the online estimate), and the CPU share of one core when frames arrive at 1,000 per second for 10 s (engine timer running); and once more with a 3-level ladder (3 orders a side, re-priced together).
 * Last, the several-coin bot (`hlmm trade --tickers`): 3 coins × 3 levels with online parameters on, one frame
 * stream carrying the 3 coins through one SharedMarketFeed (each frame handed to every coin's feed, as its socket
 * does).
 */

import type { Instrument } from '../src/core/instrument.ts';
import { createLogger } from '../src/core/log.ts';
import type { MarketEvent } from '../src/core/market.ts';
import type { OrderAction } from '../src/core/orders.ts';
import { readMarket } from '../src/data/market-stream.ts';
import { PaperVenue } from '../src/engine/paper-venue.ts';
import { TradingEngine } from '../src/engine/trading-engine.ts';
import { hyperliquidInstrument } from '../src/exchange/hyperliquid/rules.ts';
import { HyperliquidFeed, SharedMarketFeed } from '../src/exchange/hyperliquid/trading/market-feed.ts';
import { knownPerpInstrument } from '../src/exchange/hyperliquid/universe.ts';
import { parseServerMessage } from '../src/exchange/hyperliquid/ws-messages.ts';
import type { ModelParams } from '../src/model/params.ts';
import { loadParamsFile } from '../src/model/params-file.ts';
import { createStrategy } from '../src/strategy/index.ts';
import { ONLINE_DEFAULTS, OnlineParams, type ParamsInUse } from '../src/strategy/online-params.ts';
import { peakRssMb, report } from './measure.ts';

const BTC = hyperliquidInstrument({ name: 'BTC', szDecimals: 5, maxLeverage: 50 });

function frameOf(ev: MarketEvent): string | null {
  if (ev.kind === 'bbo') {
    return JSON.stringify({
      channel: 'bbo',
      data: {
        coin: 'BTC',
        time: ev.exchMs,
        bbo: [
          { px: String(ev.bidPx), sz: String(ev.bidSz), n: 1 },
          { px: String(ev.askPx), sz: String(ev.askSz), n: 1 },
        ],
      },
    });
  }
  if (ev.kind === 'trade') {
    return JSON.stringify({
      channel: 'trades',
      data: [
        {
          coin: 'BTC',
          side: ev.side === 'buy' ? 'B' : 'A',
          px: String(ev.px),
          sz: String(ev.sz),
          hash: '0x0',
          time: ev.exchMs,
          tid: ev.tid,
          users: ['0x0', '0x0'],
        },
      ],
    });
  }
  return null;
}

class TimedVenue extends PaperVenue {
  lastActionNs = 0n;
  actions = 0;
  override submit(actions: readonly OrderAction[], nowMs: number): void {
    this.lastActionNs = process.hrtime.bigint();
    this.actions += actions.length;
    super.submit(actions, nowMs);
  }
}

/** Times each refresh of the online estimate (the window's σ, A, k fit). */
class TimedOnlineParams extends OnlineParams {
  readonly refreshUs: number[] = [];
  override refresh(nowMs: number, calibrated: ModelParams): ParamsInUse {
    const t0 = process.hrtime.bigint();
    const p = super.refresh(nowMs, calibrated);
    this.refreshUs.push(Number(process.hrtime.bigint() - t0) / 1000);
    return p;
  }
}

/**
 * Timers as a live bot has them: callbacks that run between frames (the wall clock's timers never interrupt a
 * frame being handled), fired by the bench when bot time reaches them. Only `online` builds use them.
 */
interface BenchTimer {
  id: number;
  dueMs: number;
  periodMs: number;
  fn: () => void;
}

/**
 * The bot's timers on bot time: `runTimers(t)` runs those due by `t` in due order between frames, moving bot time
 * to each firing (a timer that re-arms itself from now is then due later, not again at once); `observe` moves bot
 * time forward to a frame's exchange time.
 */
function benchTimers() {
  let now = Number.NaN;
  const timers: BenchTimer[] = [];
  let nextId = 1;
  const add = (fn: () => void, delayMs: number, periodMs: number) => {
    timers.push({ id: nextId, dueMs: now + delayMs, periodMs, fn });
    return nextId++;
  };
  const clock = {
    nowMs: () => now,
    setTimeout: (fn: () => void, ms: number) => add(fn, ms, 0),
    setInterval: (fn: () => void, ms: number) => add(fn, ms, ms),
    clearTimer: (id: number) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const runTimers = (t: number) => {
    for (;;) {
      let i = -1;
      for (let j = 0; j < timers.length; j++)
        if (
          (timers[j] as BenchTimer).dueMs <= t &&
          (i < 0 || (timers[j] as BenchTimer).dueMs < (timers[i] as BenchTimer).dueMs)
        )
          i = j;
      if (i < 0) return;
      const timer = timers[i] as BenchTimer;
      const firesMs = timer.dueMs;
      if (timer.periodMs > 0) timer.dueMs += timer.periodMs;
      else timers.splice(i, 1);
      if (firesMs > now || Number.isNaN(now)) now = firesMs;
      timer.fn();
    }
  };
  const observe = (exchMs: number) => {
    if (!(exchMs <= now)) now = exchMs;
  };
  return { clock, runTimers, observe };
}

/**
 * `online`: σ, A, k re-estimated over a 10-minute window every 5 s of exchange time (params_source online). Each
 * frame feeds the estimator inside its tick-to-quote time; the refreshes run on their own timer between frames,
 * as the wall clock's timers do live, and are timed on their own.
 */
function build(online: TimedOnlineParams | null = null, levels = 1) {
  const venue = new TimedVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 100 });
  const botTime = benchTimers();
  const timedClock = botTime.clock;
  const runTimers = botTime.runTimers;
  const engine = new TradingEngine({
    info: {
      botName: 'bench',
      ticker: 'BTC',
      mode: 'dry',
      strategy: 'as',
      model: 'as',
      stakeCurrency: 'USDC',
      version: '0',
      feed: 'bench',
    },
    coin: 'BTC',
    strategy: createStrategy({
      orderSizeBase: 0.001,
      instrument: BTC,
      levels,
    }),
    lotBase: 0.001,
    venue,
    // The bench sets `now` itself; timers are not needed (every step is driven by a frame) unless online.
    clock:
      online !== null
        ? timedClock
        : { nowMs: timedClock.nowMs, setTimeout: () => 0, setInterval: () => 0, clearTimer: () => {} },
    onlineParams: online,
    risk: {
      maxPositionLots: 10,
      maxNotionalQuote: 1e9,
      maxOrderSizeBase: 0.001,
      dailyLossLimitQuote: null,
      maxDrawdownQuote: null,
      staleDataMs: 1e12,
      lotBase: 0.001,
    },
    startingBalanceQuote: 1000,
    store: null,
    logger: createLogger({ component: 'bench', quiet: true }),
  });
  const loaded = loadParamsFile('data/sample/params_BTC.json');
  engine.acceptParams(loaded, 'bench');
  const feed = new HyperliquidFeed({
    url: 'ws://unused',
    coin: 'BTC',
    onEvent: (ev) => {
      botTime.observe(ev.exchMs);
      engine.onMarket(ev);
    },
  });
  return { venue, engine, feed, runTimers };
}

const frames: string[] = [];
/** Exchange time of each frame, ms (when its timers fall due). */
const frameMs: number[] = [];
for await (const batch of readMarket('data/sample', 'BTC')) {
  for (const ev of batch) {
    const f = frameOf(ev);
    if (f !== null) {
      frames.push(f);
      frameMs.push(ev.exchMs);
    }
  }
}

// ---- latency: every frame, synchronously, timing frame-in → actions-out (1 level, then a 3-level ladder)
for (const levels of [1, 3]) {
  const tag = levels === 1 ? '' : ` (${levels} levels)`;
  const { venue, feed } = build(null, levels);
  const lat: number[] = [];
  let total = 0n;
  // One pass in time order (the market cannot be replayed backwards); the first 5,000 frames warm the JIT up.
  const warm = 5_000;
  for (let k = 0; k < frames.length; k++) {
    const before = venue.lastActionNs;
    const t0 = process.hrtime.bigint();
    feed.handleFrame(frames[k], Date.now() / 1000);
    const t1 = process.hrtime.bigint();
    if (k >= warm) {
      total += t1 - t0;
      if (venue.lastActionNs !== before) lat.push(Number(venue.lastActionNs - t0) / 1000);
    }
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  report(
    `trade tick-to-quote p50${tag}`,
    q(0.5),
    'µs',
    `${lat.length.toLocaleString('en-US')} frames that produced actions`,
  );
  report(`trade tick-to-quote p99${tag}`, q(0.99), 'µs', `max ${q(1).toFixed(0)} µs`);
  report(
    `trade frame cost mean${tag}`,
    Number(total) / 1000 / (frames.length - 5_000),
    'µs',
    `${(frames.length - 5_000).toLocaleString('en-US')} frames after warm-up, parse + engine + paper venue`,
  );
}

// ---- the same with online parameters on (10-minute window, refreshed every 5 s of exchange time)
{
  const online = new TimedOnlineParams({ source: 'online', ...ONLINE_DEFAULTS }, BTC);
  const { venue, feed, runTimers } = build(online);
  const lat: number[] = [];
  const all: number[] = [];
  const warm = 5_000;
  for (let k = 0; k < frames.length; k++) {
    runTimers((frameMs[k] as number) - 1); // the timers due before this frame arrives (untimed here)
    const before = venue.lastActionNs;
    const t0 = process.hrtime.bigint();
    feed.handleFrame(frames[k], Date.now() / 1000);
    const t1 = process.hrtime.bigint();
    if (k >= warm) {
      all.push(Number(t1 - t0) / 1000);
      if (venue.lastActionNs !== before) lat.push(Number(venue.lastActionNs - t0) / 1000);
    }
  }
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
  lat.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  const busy = online.refreshUs.filter((_, i) => i > 0).sort((a, b) => a - b);
  report(
    'trade tick-to-quote p50, online params',
    pct(lat, 0.5),
    'µs',
    `${lat.length.toLocaleString('en-US')} frames that produced actions`,
  );
  report('trade tick-to-quote p99, online params', pct(lat, 0.99), 'µs', `max ${pct(lat, 1).toFixed(0)} µs`);
  report(
    'trade frame cost p99, online params',
    pct(all, 0.99),
    'µs',
    `all ${all.length.toLocaleString('en-US')} frames after warm-up, estimator fed in each`,
  );
  report(
    'online refresh p50',
    pct(busy, 0.5),
    'µs',
    `${online.refreshUs.length.toLocaleString('en-US')} refreshes on their own timer, p99 ${pct(busy, 0.99).toFixed(0)} µs, max ${pct(busy, 1).toFixed(0)} µs wall`,
  );
}

// ---- CPU at 1,000 frames/s for 10 s (10 frames every 10 ms), engine timer on
{
  const { engine, feed } = build();
  engine.start();
  const rate = 1000;
  const seconds = 10;
  let i = 0;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(rate * seconds, Math.floor(((Date.now() - t0) / 1000) * rate));
      while (i < due) feed.handleFrame(frames[i++ % frames.length], Date.now() / 1000);
      if (i >= rate * seconds) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const wall = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await engine.stop('bench');
  report(
    'trade CPU at 1,000 msg/s',
    ((cpu.user + cpu.system) / 1e6 / wall) * 100,
    '% of one core',
    `${i.toLocaleString('en-US')} frames in ${wall.toFixed(1)} s, peak RSS ${peakRssMb().toFixed(0)} MB`,
  );
}

// ---- several coins, one bot: 3 coins × 3 levels, online parameters on, one frame stream carrying the 3 coins
{
  /**
   * The 3 coins: the BTC sample itself and two copies of it at another price scale (÷32 on ETH's grid, ÷500 on
   * SOL's), sizes scaled the other way, so every coin quotes a real market's shape at its own grid. Parameters
   * scale with the price: σ ÷ f, k × f, γ × f (A is a rate, unchanged). Each coin's lot is worth about 100, 34 and
   * 22 USDC, above the 10 USDC minimum.
   */
  const COINS: { coin: string; factor: number; lotBase: number; pxDecimals: number }[] = [
    { coin: 'BTC', factor: 1, lotBase: 0.001, pxDecimals: 0 },
    { coin: 'ETH', factor: 32, lotBase: 0.01, pxDecimals: 1 },
    { coin: 'SOL', factor: 500, lotBase: 0.1, pxDecimals: 2 },
  ];
  const LEVELS = 3;
  const round = (x: number, d: number) => Number(x.toFixed(d));

  // One stream in time order: each sample event once per coin, BTC then ETH then SOL.
  const multiFrames: string[] = [];
  const multiMs: number[] = [];
  for await (const batch of readMarket('data/sample', 'BTC')) {
    for (const ev of batch) {
      if (ev.kind !== 'bbo' && ev.kind !== 'trade') continue;
      for (const c of COINS) {
        const scaled: MarketEvent =
          ev.kind === 'bbo'
            ? {
                ...ev,
                bidPx: round(ev.bidPx / c.factor, c.pxDecimals),
                askPx: round(ev.askPx / c.factor, c.pxDecimals),
                bidSz: round(ev.bidSz * c.factor, 4),
                askSz: round(ev.askSz * c.factor, 4),
              }
            : { ...ev, px: round(ev.px / c.factor, c.pxDecimals), sz: round(ev.sz * c.factor, 4) };
        const f = frameOf(scaled);
        if (f === null) continue;
        multiFrames.push(c.coin === 'BTC' ? f : f.replace('"coin":"BTC"', `"coin":"${c.coin}"`));
        multiMs.push(ev.exchMs);
      }
    }
  }

  // Timers as a live bot has them (see benchTimers()): run between frames when bot time reaches them.
  const botTime = benchTimers();
  const clock = botTime.clock;
  const runTimers = botTime.runTimers;

  /** The moment any coin's venue last received actions (a frame carries one coin: only its engine acts). */
  const acted = { ns: 0n, actions: 0 };
  /** Actions per coin: every coin must quote for the figure to be the 3-coin one. */
  const actionsOf = new Map<string, number>();
  class SharedTimedVenue extends PaperVenue {
    coin = '';
    override submit(actions: readonly OrderAction[], nowMs: number): void {
      acted.ns = process.hrtime.bigint();
      acted.actions += actions.length;
      actionsOf.set(this.coin, (actionsOf.get(this.coin) ?? 0) + actions.length);
      super.submit(actions, nowMs);
    }
  }
  const base = loadParamsFile('data/sample/params_BTC.json');
  const engines = new Map<string, TradingEngine>();
  const onlines: TimedOnlineParams[] = [];
  for (const c of COINS) {
    const instrument = knownPerpInstrument(c.coin) as Instrument;
    const online = new TimedOnlineParams({ source: 'online', ...ONLINE_DEFAULTS }, instrument);
    onlines.push(online);
    const venue = new SharedTimedVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 100 });
    venue.coin = c.coin;
    const engine = new TradingEngine({
      info: {
        botName: 'bench',
        ticker: c.coin,
        mode: 'dry',
        strategy: 'as',
        model: 'as',
        stakeCurrency: 'USDC',
        version: '0',
        feed: 'bench',
      },
      coin: c.coin,
      strategy: createStrategy({ orderSizeBase: c.lotBase, instrument, levels: LEVELS }),
      lotBase: c.lotBase,
      venue,
      clock,
      onlineParams: online,
      risk: {
        maxPositionLots: 10,
        maxNotionalQuote: 1e9,
        maxOrderSizeBase: c.lotBase,
        dailyLossLimitQuote: null,
        maxDrawdownQuote: null,
        staleDataMs: 1e12,
        lotBase: c.lotBase,
      },
      startingBalanceQuote: 1000,
      store: null,
      logger: createLogger({ component: 'bench', quiet: true }),
    });
    const p = base.params;
    engine.acceptParams(
      {
        ...base,
        ticker: c.coin,
        midPrice: base.midPrice / c.factor,
        params: { sigma: p.sigma / c.factor, A: p.A, k: p.k * c.factor, gamma: p.gamma * c.factor },
      },
      'bench',
    );
    engines.set(c.coin, engine);
  }
  const shared = new SharedMarketFeed({
    url: 'ws://unused',
    coins: COINS.map((c) => c.coin),
    onEvent: (coin, ev) => {
      botTime.observe(ev.exchMs);
      engines.get(coin)?.onMarket(ev);
    },
  });
  const feeds = shared.feeds;
  const lat: number[] = [];
  const all: number[] = [];
  const warm = 15_000; // 5,000 events of each coin
  for (let k = 0; k < multiFrames.length; k++) {
    runTimers((multiMs[k] as number) - 1);
    const before = acted.ns;
    const t0 = process.hrtime.bigint();
    // What SharedMarketFeed's socket does with one text frame: parse once, hand it to every coin's feed.
    const recvS = Date.now() / 1000;
    const msg = parseServerMessage(multiFrames[k] as string, recvS);
    for (let i = 0; i < feeds.length; i++) (feeds[i] as HyperliquidFeed).handleMessage(msg, recvS);
    const t1 = process.hrtime.bigint();
    if (k >= warm) {
      all.push(Number(t1 - t0) / 1000);
      if (acted.ns !== before) lat.push(Number(acted.ns - t0) / 1000);
    }
  }
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
  lat.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  const refreshes = onlines.flatMap((o) => o.refreshUs.filter((_, i) => i > 0)).sort((a, b) => a - b);
  const tag = `${COINS.length} coins × ${LEVELS} levels, online params`;
  report(
    `trade tick-to-quote p50, ${tag}`,
    pct(lat, 0.5),
    'µs',
    `${lat.length.toLocaleString('en-US')} frames that produced actions, ${acted.actions.toLocaleString('en-US')} actions (${COINS.map((c) => `${c.coin} ${actionsOf.get(c.coin) ?? 0}`).join(', ')})`,
  );
  report(`trade tick-to-quote p99, ${tag}`, pct(lat, 0.99), 'µs', `max ${pct(lat, 1).toFixed(0)} µs`);
  report(
    `trade frame cost p99, ${tag}`,
    pct(all, 0.99),
    'µs',
    `all ${all.length.toLocaleString('en-US')} frames after warm-up (one stream, 3 coins), mean ${(all.reduce((x, y) => x + y, 0) / all.length).toFixed(1)} µs`,
  );
  report(
    `online refresh p50, ${COINS.length} coins`,
    pct(refreshes, 0.5),
    'µs',
    `${refreshes.length.toLocaleString('en-US')} refreshes on their own timers, p99 ${pct(refreshes, 0.99).toFixed(0)} µs, max ${pct(refreshes, 1).toFixed(0)} µs wall`,
  );
}
