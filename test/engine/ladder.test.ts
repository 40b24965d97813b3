/**
 * The order ladder end to end: a 3-level ladder in the backtest (simulated clock, paper venue) rests 3 orders a
 * side and re-prices them; the paper engine of `hlmm trade` sends exactly the same actions (parity with levels).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import { backtestConfigFor } from '../../src/backtest/settings.ts';
import { paperVenueFor, tradingEngineFor } from '../../src/config/engine-setup.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { runSettings } from '../../src/config/run-settings.ts';
import { SimulatedClock } from '../../src/engine/clock.ts';
import { btcInstrument } from '../support/instruments.ts';
import { synthEventsFor } from '../support/synth-events.ts';

const SPEC = { sigma: 3, A: 1.5, k: 0.05, tickSize: 1, days: 1, seed: 5, startMid: 100_000 };

const PARAMS = { sigma: 3, A: 1.5, k: 0.05, gamma: 0.00002 };
const VENUE = btcInstrument;

describe('3-level ladder in the backtest and in paper', () => {
  const events = synthEventsFor(SPEC, 2);
  const s = runSettings(parseConfig({ strategy: { levels: 2 } }, 'cfg'), {
    levels: 3,
    levelSpacingTicks: 2,
    maxPosition: 10,
    // In-process paper is fed at exchange time (see test/engine/parity.test.ts).
    feedLatency: 'none',
  });

  it('--levels over the config: 3 levels, 2 ticks apart', () => {
    assert.equal(s.strategy.levels, 3);
    assert.equal(s.strategy.levelSpacingTicks, 2);
  });

  it('rests 3 orders a side, never crossing, re-priced by modifies; paper sends the same actions', () => {
    const bt = new BacktestEngine(backtestConfigFor(s, { params: PARAMS, instrument: VENUE, coin: 'BTC' }));
    const btActions: string[] = [];
    bt.engine.subscribeEvents({
      orderSent: (a, _c, t) => btActions.push(`${t} ${JSON.stringify(a)}`),
    });
    let maxBids = 0;
    let maxAsks = 0;
    let threeEach = 0;
    for (const ev of events) {
      bt.onEvent(ev);
      const open = bt.venue.openOrders();
      const bids = open.filter((o) => o.side === 'buy');
      const asks = open.filter((o) => o.side === 'sell');
      maxBids = Math.max(maxBids, bids.length);
      maxAsks = Math.max(maxAsks, asks.length);
      if (bids.length === 3 && asks.length === 3) threeEach++;
      if (bids.length > 0 && asks.length > 0)
        assert.ok(Math.max(...bids.map((o) => o.px)) < Math.min(...asks.map((o) => o.px)), 'bid below ask');
    }
    const result = bt.finish();
    assert.equal(maxBids, 3);
    assert.equal(maxAsks, 3);
    assert.ok(threeEach > 100, `3 orders a side rested after ${threeEach} events`);
    assert.ok(result.modifies > 10, `modifies ${result.modifies}`);
    assert.ok(result.fills > 0);

    const clock = new SimulatedClock();
    const engine = tradingEngineFor(s, {
      venue: paperVenueFor(s, 1),
      clock,
      coin: 'BTC',
      instrument: VENUE,
      info: {
        botName: 't',
        ticker: 'BTC',
        mode: 'dry',
        model: 'as',
        stakeCurrency: 'USDC',
        version: 't',
        feed: 't',
      },
      store: null,
      logger: null,
    });
    const paperActions: string[] = [];
    engine.subscribeEvents({ orderSent: (a, _c, t) => paperActions.push(`${t} ${JSON.stringify(a)}`) });
    engine.acceptParams({ params: PARAMS, notes: [] } as never, 'test');
    engine.start();
    for (const ev of events) {
      clock.advanceTo(ev.exchMs);
      engine.onMarket(ev);
    }
    assert.deepEqual(paperActions, btActions);
  });
});
