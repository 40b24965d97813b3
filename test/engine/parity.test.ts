/**
 * Parity: `hlmm backtest` (BacktestEngine from the configuration) and paper trading as `hlmm trade` builds it
 * (tradingEngineFor + paperVenueFor from the same configuration), fed the same events in process on a simulated
 * clock, must send the same order actions and get the same fills — count, side, price, size and time. This test
 * fails the day the two paths diverge again (a default defined twice, a risk limit only one of them applies…).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import { backtestConfigFor } from '../../src/backtest/settings.ts';
import { paperVenueFor, tradingEngineFor } from '../../src/config/engine-setup.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { type RunSettings, runSettings } from '../../src/config/run-settings.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { SimulatedClock } from '../../src/engine/clock.ts';
import type { TradingEngine } from '../../src/engine/trading-engine.ts';
import type { ModelParams } from '../../src/model/params.ts';
import { loadParamsFile } from '../../src/model/params-file.ts';
import { perpInstrument } from '../support/instruments.ts';
import { synthEventsFor } from '../support/synth-events.ts';

interface Trace {
  actions: string[];
  fills: string[];
  warnings: string[];
}

/** Every order action and fill the engine causes, as comparable text (time, side, price, size). */
function trace(engine: TradingEngine): Trace {
  const t: Trace = { actions: [], fills: [], warnings: [] };
  engine.subscribeEvents({
    orderSent: (a, _cloid, nowMs) => {
      t.actions.push(
        a.type === 'cancel'
          ? `${nowMs} cancel ${a.cid}`
          : `${nowMs} ${a.type} ${a.type === 'modify' ? `${a.cid}→${a.newCid}` : a.cid} ${a.side} ${a.px} ${a.sz}`,
      );
    },
    fill: (f) => {
      t.fills.push(`${f.exchMs} ${f.side} ${f.px} ${f.sz} ${f.liquidity}`);
    },
    log: (level, msg) => {
      if (level === 'warn') t.warnings.push(msg);
    },
  });
  return t;
}

/**
 * Paper trading in process is fed each event at its exchange time (as below), so both paths run with feed latency
 * `none`: with `recorded` the backtest shows the strategy each event at its receive time, which a feed driven at
 * exchange time does not. The recorded feed delay has its own tests (test/backtest/latency.test.ts).
 */
const FEED_AT_EXCHANGE_TIME = { feedLatency: 'none' } as const;

function viaBacktest(
  events: readonly MarketEvent[],
  s: RunSettings,
  params: ModelParams,
  coin: string,
  sz: number,
) {
  const bt = new BacktestEngine(
    backtestConfigFor(s, { params, instrument: perpInstrument(sz, coin), coin, keepFills: true }),
  );
  const t = trace(bt.engine);
  for (const ev of events) bt.onEvent(ev);
  return { trace: t, result: bt.finish() };
}

function viaPaper(
  events: readonly MarketEvent[],
  s: RunSettings,
  params: ModelParams,
  coin: string,
  sz: number,
) {
  const clock = new SimulatedClock();
  const engine = tradingEngineFor(s, {
    venue: paperVenueFor(s, 1, clock),
    clock,
    coin,
    instrument: perpInstrument(sz, coin),
    info: {
      botName: 'parity',
      ticker: coin,
      mode: 'dry',
      model: 'as',
      stakeCurrency: 'USDC',
      version: 't',
      feed: 'test',
    },
    store: null,
    logger: null,
  });
  const t = trace(engine);
  engine.acceptParams({ params, notes: [] } as never, 'test');
  engine.start();
  for (const ev of events) {
    clock.advanceTo(ev.exchMs);
    engine.onMarket(ev);
  }
  return { trace: t, summary: engine.summary(), engine, clock };
}

async function sampleEvents(): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const batch of readMarket('data/sample', 'BTC')) for (const ev of batch) out.push(ev);
  return out;
}

const ETH = { sigma: 0.15, A: 2, k: 2, tickSize: 0.1, days: 1, seed: 7, startMid: 3000 };
const ETH_PARAMS: ModelParams = { sigma: 0.15, A: 2, k: 2, gamma: 0.0005 };

describe('backtest = paper trading in process (same configuration, same events)', () => {
  it('bundled BTC sample: identical order actions and fills', async () => {
    const s = runSettings(parseConfig({}, 'defaults'), FEED_AT_EXCHANGE_TIME);
    const params = loadParamsFile('data/sample/params_BTC.json', {
      orderSizeBase: s.strategy.orderSizeBase,
    }).params;
    const events = await sampleEvents();
    const bt = viaBacktest(events, s, params, 'BTC', 5);
    const paper = viaPaper(events, s, params, 'BTC', 5);
    assert.ok(bt.trace.fills.length > 10, `expected fills, got ${bt.trace.fills.length}`);
    assert.deepEqual(paper.trace.actions, bt.trace.actions);
    assert.deepEqual(paper.trace.fills, bt.trace.fills);
    // The counts both commands print mean the same.
    assert.equal(paper.summary.fills, bt.result.fills);
    assert.equal(paper.summary.orders_placed, bt.result.ordersPlaced);
    assert.equal(paper.summary.modifies, bt.result.modifies);
    assert.equal(paper.summary.cancels, bt.result.cancels);
    // pnl: paper's equity − wallet = the backtest ledger's equity (both start flat, fees in).
    assert.ok(
      Math.abs(paper.summary.pnl - bt.result.pnlQuote) < 1e-6,
      `${paper.summary.pnl} vs ${bt.result.pnlQuote}`,
    );
  });

  it('a synthetic market with flags over the config (prob queue, tolerance, latency): identical', () => {
    const s = runSettings(parseConfig({ strategy: { order_size: 0.001 } }, 'cfg'), {
      ...FEED_AT_EXCHANGE_TIME,
      queue: 'prob',
      toleranceBps: 0,
      latencyMs: 50,
      requoteMs: 500,
      maxPosition: 3,
    });
    const spec = { sigma: 3, A: 1.5, k: 0.05, tickSize: 1, days: 1, seed: 11, startMid: 100_000 };
    const events = synthEventsFor(spec, 3);
    const params = { sigma: 3, A: 1.5, k: 0.05, gamma: 0.00002 };
    const bt = viaBacktest(events, s, params, 'BTC', 5);
    const paper = viaPaper(events, s, params, 'BTC', 5);
    assert.ok(bt.trace.fills.length > 10, `expected fills, got ${bt.trace.fills.length}`);
    assert.deepEqual(paper.trace.actions, bt.trace.actions);
    assert.deepEqual(paper.trace.fills, bt.trace.fills);
  });
});

describe('online parameters, inventory target and fill delay: the same in backtest and paper', () => {
  it('synthetic market, --params-source online --inventory-target 1 --filled-order-delay-s 2: identical', () => {
    const s = runSettings(parseConfig({ strategy: { order_size: 0.001 } }, 'cfg'), {
      ...FEED_AT_EXCHANGE_TIME,
      paramsSource: 'online',
      onlineWindowS: 300,
      onlineRefreshS: 5,
      inventoryTarget: 1,
      filledOrderDelayS: 2,
    });
    const spec = { sigma: 3, A: 1.5, k: 0.05, tickSize: 1, days: 1, seed: 5, startMid: 50_000 };
    const events = synthEventsFor(spec, 0.5);
    const params = { sigma: 2, A: 1.5, k: 0.05, gamma: 0.00002 };
    const bt = viaBacktest(events, s, params, 'BTC', 5);
    const paper = viaPaper(events, s, params, 'BTC', 5);
    assert.ok(bt.trace.fills.length > 10, `expected fills, got ${bt.trace.fills.length}`);
    assert.deepEqual(paper.trace.actions, bt.trace.actions);
    assert.deepEqual(paper.trace.fills, bt.trace.fills);
    // The window's σ (≈ 3) is what both quote with, not the file's 2; the file's values stay on record.
    const inUse = paper.engine.params().inUse;
    assert.equal(inUse?.source, 'online');
    assert.equal(inUse?.sigmaFrom, 'online');
    assert.ok(Math.abs((inUse?.sigma ?? 0) / 3 - 1) < 0.2, `σ in use ${inUse?.sigma}`);
    assert.equal(paper.engine.params().current?.sigma, 2);
    assert.equal(bt.result.paramsInUse?.source, 'online');
    // The quote log line names the source of the values it shows.
    const quoteLines: Record<string, unknown>[] = [];
    paper.engine.subscribeEvents({ log: (_l, msg, f) => (msg === 'quote' && f ? quoteLines.push(f) : 0) });
    const atMs = (events[events.length - 1] as MarketEvent).exchMs + 5_000;
    const mid = paper.engine.account().mid ?? Number.NaN;
    paper.clock.advanceTo(atMs);
    paper.engine.onMarket({
      kind: 'bbo',
      exchMs: atMs,
      recvS: atMs / 1000,
      bidPx: Math.floor(mid) + 5,
      bidSz: 1,
      askPx: Math.floor(mid) + 6,
      askSz: 1,
    });
    const line = quoteLines[quoteLines.length - 1];
    assert.equal(line?.params, 'online');
    const now = paper.engine.params().inUse;
    assert.equal(line?.sigma, Number((now?.sigma ?? 0).toPrecision(4)));
  });
});

describe('backtest = paper trading with entry and response latency', () => {
  it('bundled BTC sample, entry 80 ms, response 120 ms: identical order actions and fills', async () => {
    const s = runSettings(parseConfig({}, 'defaults'), {
      ...FEED_AT_EXCHANGE_TIME,
      entryLatencyMs: 80,
      responseLatencyMs: 120,
    });
    const params = loadParamsFile('data/sample/params_BTC.json', {
      orderSizeBase: s.strategy.orderSizeBase,
    }).params;
    const events = await sampleEvents();
    const bt = viaBacktest(events, s, params, 'BTC', 5);
    const paper = viaPaper(events, s, params, 'BTC', 5);
    assert.ok(bt.trace.fills.length > 10, `expected fills, got ${bt.trace.fills.length}`);
    assert.deepEqual(paper.trace.actions, bt.trace.actions);
    assert.deepEqual(paper.trace.fills, bt.trace.fills);
    assert.equal(bt.result.latency.entryMsP50, 80);
    assert.equal(bt.result.latency.responseMsP50, 120);
  });
});

describe('the ETH case: a lot worth less than the 10 USDC minimum', () => {
  const events = synthEventsFor(ETH, 4);

  it('out of the box (order size 0.001 ETH ≈ 3 USDC): quotes the 10 USDC minimum, in paper exactly as in backtest', () => {
    const s = runSettings(parseConfig({ ticker: 'ETH' }, 'cfg'), FEED_AT_EXCHANGE_TIME);
    const bt = viaBacktest(events, s, ETH_PARAMS, 'ETH', 4);
    const paper = viaPaper(events, s, ETH_PARAMS, 'ETH', 4);
    assert.ok(bt.result.ordersPlaced > 0, 'the backtest places orders');
    assert.ok(bt.result.fills > 10, `backtest fills: ${bt.result.fills}`);
    assert.deepEqual(paper.trace.actions, bt.trace.actions);
    assert.deepEqual(paper.trace.fills, bt.trace.fills);
    assert.ok(paper.summary.orders_placed > 0, 'paper places orders (it placed none before)');
    // Sized up to the venue minimum: 10 USDC at ≈ 3000 is 0.0034 ETH on the 4-decimal lot grid (not 0.001).
    const orders = bt.trace.actions.filter((a) => !a.includes(' cancel ')).map((a) => a.split(' '));
    for (const [, , , , px, sz] of orders) {
      assert.ok(Number(px) * Number(sz) >= 10 - 1e-9, `order ${sz} @ ${px} below 10 USDC`);
      assert.ok(Number(px) * (Number(sz) - 0.0001) < 10, `order ${sz} @ ${px} larger than the minimum`);
    }
    assert.equal(bt.result.pulledSeconds['max order size'], undefined);
  });

  it('an explicit max order size below the minimum: nothing quoted, and both say why (warn once, pulled time)', () => {
    const s = runSettings(
      parseConfig({ ticker: 'ETH', risk: { max_order_size: 0.002 } }, 'cfg'),
      FEED_AT_EXCHANGE_TIME,
    );
    const bt = viaBacktest(events, s, ETH_PARAMS, 'ETH', 4);
    const paper = viaPaper(events, s, ETH_PARAMS, 'ETH', 4);
    assert.equal(bt.result.ordersPlaced, 0);
    assert.equal(paper.summary.orders_placed, 0);
    const why = (w: string[]) => w.filter((m) => m.startsWith('quotes pulled (max order size)'));
    assert.equal(why(bt.trace.warnings).length, 1, bt.trace.warnings.join('\n'));
    assert.equal(why(paper.trace.warnings).length, 1, paper.trace.warnings.join('\n'));
    assert.ok(why(bt.trace.warnings)[0].includes('above max order size 0.002'));
    // Withheld from the first quote to the last event: the whole run, per reason.
    const span = (bt.result.endMs - bt.result.startMs) / 1000;
    assert.ok(
      bt.result.pulledSeconds['max order size'] > span * 0.99,
      JSON.stringify(bt.result.pulledSeconds),
    );
    assert.equal(paper.engine.quotingState(), 'pulled (max order size)');
    assert.equal(paper.engine.risk().state, 'pulled (max order size)');
  });
});
