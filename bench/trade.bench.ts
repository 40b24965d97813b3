/**
 * `hlmm trade` hot path, in process: a Hyperliquid WebSocket text frame (bbo / trades) → parse → MarketEvent →
 * engine (risk gate, QuotingLoop: strategy + OrderManager) → order actions handed to the venue (the paper venue,
 * SimVenue). Frames are the bundled real BTC sample turned back into Hyperliquid's wire format.
 *
 * Prints: tick-to-quote latency p50/p99/max over the frames that produced order actions, the mean cost of a frame
 * (once with one bid and one ask, once with a 3-level ladder: 3 orders a side, re-priced together),
 * and the CPU share of one core when frames arrive at 1,000 per second for 10 s (engine timer running).
 */

import { createLogger } from '../src/core/log.ts';
import type { MarketEvent } from '../src/core/market.ts';
import { readMarket } from '../src/data/market-stream.ts';
import { TradingEngine } from '../src/engine/trading-engine.ts';
import { loadParamsFile } from '../src/model/params-file.ts';
import type { OrderAction } from '../src/sim/orders.ts';
import { createStrategy } from '../src/strategy/index.ts';
import { HyperliquidFeed } from '../src/trade/market-feed.ts';
import { PaperVenue } from '../src/trade/paper-venue.ts';
import { peakRssMb, report } from './measure.ts';

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

function build(levels = 1) {
  const venue = new TimedVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 100 });
  let now = Number.NaN;
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
    strategy: createStrategy({ orderSizeBase: 0.001, szDecimals: 5, levels }),
    lotBase: 0.001,
    venue,
    // The bench sets `now` itself; timers are not needed (every step is driven by a frame).
    clock: { nowMs: () => now, setTimeout: () => 0, setInterval: () => 0, clearTimer: () => {} },
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
      if (!(ev.exchMs <= now)) now = ev.exchMs;
      engine.onMarket(ev);
    },
  });
  return { venue, engine, feed };
}

const frames: string[] = [];
for await (const batch of readMarket('data/sample', 'BTC')) {
  for (const ev of batch) {
    const f = frameOf(ev);
    if (f !== null) frames.push(f);
  }
}

// ---- latency: every frame, synchronously, timing frame-in → actions-out (1 level, then a 3-level ladder)
for (const levels of [1, 3]) {
  const tag = levels === 1 ? '' : ` (${levels} levels)`;
  const { venue, feed } = build(levels);
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
