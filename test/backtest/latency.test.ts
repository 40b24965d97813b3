/**
 * The latency model, component by component, with hand-computed timings: feed latency (the strategy sees an event
 * at its receive time, the venue matched it at exchange time), entry latency (an order sent at t rests at
 * t + entry), response latency (its ack reaches the engine at t + entry + response), measured-latency draws
 * (seeded, in order), the percentiles backtest --json reports, and scaling every latency by a factor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import { type BacktestConfig, resolveBacktestConfig, withLatencyScaled } from '../../src/backtest/config.ts';
import { FeedDelayQueue } from '../../src/backtest/feed-latency.ts';
import { backtestJson } from '../../src/backtest/summary.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { runSettings } from '../../src/config/run-settings.ts';
import { UserError } from '../../src/core/errors.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import type { VenueReport } from '../../src/core/orders.ts';
import { SimulatedClock } from '../../src/engine/clock.ts';
import { PaperVenue } from '../../src/engine/paper-venue.ts';
import { describeFillModel, fillModelConfig, scaleLatency } from '../../src/sim/fill-model-config.ts';
import { ConstantLatency, EmpiricalLatency, MsHistogram } from '../../src/sim/latency.ts';
import { readLatencyFile, writeLatencyFile } from '../../src/sim/latency-file.ts';
import type { Strategy } from '../../src/strategy/types.ts';

/** A BBO stamped at the exchange at `exchMs` and received by the recorder at `recvMs`. */
function bbo(exchMs: number, recvMs: number, bidPx = 98, askPx = 102): MarketEvent {
  return { kind: 'bbo', exchMs, recvS: recvMs / 1000, bidPx, bidSz: 1, askPx, askSz: 1 };
}
function sell(exchMs: number, recvMs: number, px: number, sz: number): MarketEvent {
  return { kind: 'trade', exchMs, recvS: recvMs / 1000, px, sz, side: 'sell', tid: exchMs };
}

/** Bids 99 for one unit, nothing else: one order, easy to follow. */
const BID_99: Strategy = {
  name: 'bid-99',
  quote: () => ({ bid: { side: 'buy', px: 99, sz: 1 }, ask: null, explain: null }),
  onFill: () => {},
};

function backtest(fillModel: BacktestConfig['fillModel'], strategy: Strategy = BID_99) {
  const bt = new BacktestEngine({
    strategy,
    params: { sigma: 1, A: 1, k: 1, gamma: 0.1 },
    orderSizeBase: 1,
    maxPositionLots: 10,
    requoteIntervalMs: 0,
    fillModel,
  });
  const seen: Array<[number, number]> = [];
  const sent: number[] = [];
  const acks: Array<[number, number]> = [];
  const fills: Array<[number, number]> = [];
  bt.engine.subscribeEvents({
    market: (ev) => seen.push([ev.exchMs, bt.clock.nowMs()]),
    orderSent: (_a, _cloid, nowMs) => sent.push(nowMs),
    orderUpdate: (e) => {
      if (e.report.type === 'ack') acks.push([e.report.exchMs, bt.clock.nowMs()]);
    },
    fill: (f) => fills.push([f.exchMs, bt.clock.nowMs()]),
  });
  return { bt, seen, sent, acks, fills };
}

describe('feed latency: the strategy at receive time, the venue at exchange time', () => {
  it('an event stamped exchange 1000 / local 1366 reaches the strategy at 1366; the venue matched it at 1000', () => {
    const { bt, seen } = backtest({ feedLatency: 'recorded', entryLatencyMs: 0 });
    bt.onEvent(bbo(1000, 1366));
    assert.equal(bt.venue.bbo?.exchMs, 1000, 'the venue has the book of 1000');
    assert.deepEqual(seen, [], 'the strategy has not seen it yet');
    bt.onEvent(bbo(1400, 1400, 97, 103));
    assert.deepEqual(seen, [
      [1000, 1366],
      [1400, 1400],
    ]);
    const r = bt.finish();
    assert.equal(r.latency.feedMsP50, 0); // delays 366 and 0: nearest-rank median of two is the lower
    assert.equal(r.latency.feedMsP99, 366);
    assert.equal(r.latency.feedEvents, 2);
  });

  it('events reach the strategy in receive-time order, whatever their exchange-time order', () => {
    const { bt, seen } = backtest({ feedLatency: 'recorded', entryLatencyMs: 0 });
    bt.onEvent(bbo(1000, 1500)); // book: 500 ms late
    bt.onEvent(sell(1100, 1200, 90, 0.1)); // trade: 100 ms late, reaches us first
    bt.onEvent(bbo(2000, 2000));
    assert.deepEqual(seen, [
      [1100, 1200],
      [1000, 1500],
      [2000, 2000],
    ]);
  });

  it('none: the strategy sees each event at its exchange time', () => {
    const { bt, seen } = backtest({ feedLatency: 'none', entryLatencyMs: 0 });
    bt.onEvent(bbo(1000, 1366));
    assert.deepEqual(seen, [[1000, 1000]]);
    assert.equal(bt.finish().latency.feedMsP99, 0);
  });

  it('a receive time before the exchange time (clock skew) is no delay, and counted', () => {
    const { bt, seen } = backtest({ feedLatency: 'recorded', entryLatencyMs: 0 });
    bt.onEvent(bbo(1000, 900));
    assert.deepEqual(seen, [[1000, 1000]]);
    assert.equal(bt.finish().latency.feedSkewedEvents, 1);
  });
});

describe('entry and response latency', () => {
  it('an order sent at t rests at t + entry; its ack reaches the engine at t + entry + response', () => {
    // Feed 366 ms, entry 50 ms, response 30 ms: seen at 1366 → sent 1366 → rests 1416 → ack in at 1446.
    const { bt, seen, sent, acks } = backtest({
      feedLatency: 'recorded',
      entryLatencyMs: 50,
      responseLatencyMs: 30,
    });
    bt.onEvent(bbo(1000, 1366));
    bt.onEvent(bbo(1416, 1416)); // matched at 1416, before the arrival at the same ms
    assert.deepEqual(seen[0], [1000, 1366]);
    assert.deepEqual(sent, [1366]);
    assert.equal(bt.venue.openOrders().length, 0, 'an arrival at the same ms as an event comes after it');
    bt.onEvent(bbo(1417, 1417));
    assert.equal(bt.venue.openOrders().length, 1, 'resting from 1416');
    assert.deepEqual(acks, [], 'the ack is still on its way');
    bt.onEvent(bbo(1500, 1500));
    assert.deepEqual(acks, [[1416, 1446]]);
    const r = bt.finish();
    assert.equal(r.latency.entryMsP50, 50);
    assert.equal(r.latency.responseMsP50, 30);
  });

  it('a fill happens at exchange time; the engine hears of it after the response latency, the strategy sees the print later', () => {
    const { bt, seen, fills } = backtest({
      feedLatency: 'recorded',
      entryLatencyMs: 0,
      responseLatencyMs: 30,
    });
    bt.onEvent(bbo(1000, 1000)); // bid 99 sent at 1000, rests at 1000 (entry 0)
    bt.onEvent(bbo(1100, 1100)); // the arrival applied; ack due 1030
    assert.equal(bt.venue.openOrders().length, 1);
    bt.onEvent(sell(2000, 2400, 98, 5)); // through our bid: filled at 2000
    bt.onEvent(bbo(2500, 2500, 97, 103));
    assert.deepEqual(fills, [[2000, 2030]]);
    assert.ok(
      seen.some(([e, at]) => e === 2000 && at === 2400),
      'the strategy saw the print at its receive time',
    );
  });

  it('PaperVenue on a simulated clock: the ack of an order sent at 1000 (entry 50, response 30) arrives at 1080', () => {
    const clock = new SimulatedClock(1000);
    const paper = new PaperVenue({
      fillModel: { entryLatencyMs: 50, responseLatencyMs: 30 },
      tidBase: 1,
      clock,
    });
    const got: Array<[number, VenueReport['type'], number]> = [];
    paper.onReports = (events) => {
      for (const e of events) got.push([clock.nowMs(), e.report.type, e.report.exchMs]);
    };
    paper.onMarket(bbo(1000, 1000));
    paper.submit([{ type: 'place', cid: 1, side: 'buy', px: 99, sz: 1, tif: 'alo' }], 1000);
    clock.advanceTo(1080); // timers strictly before 1080: the arrival at 1050, not yet the ack
    assert.equal(paper.sim.openOrders().length, 1);
    assert.deepEqual(got, []);
    clock.advanceTo(1081);
    assert.deepEqual(got, [[1080, 'ack', 1050]]);
    assert.equal(paper.isIdle(), false, 'the order rests');
  });

  it('no response latency: reports reach the engine when the venue runs, as before', () => {
    const paper = new PaperVenue({ fillModel: { entryLatencyMs: 0 }, tidBase: 1 });
    const got: string[] = [];
    paper.onReports = (events) => {
      for (const e of events) got.push(e.report.type);
    };
    paper.onMarket(bbo(1000, 1000));
    paper.submit([{ type: 'place', cid: 1, side: 'buy', px: 99, sz: 1, tif: 'alo' }], 1000);
    assert.deepEqual(got, ['ack']);
  });

  it('a response latency without a clock is refused (it would never be delivered)', () => {
    assert.throws(() => new PaperVenue({ fillModel: { responseLatencyMs: 10 } }), /needs the bot clock/);
  });

  it('ConstantLatency: entry, cancel and response delays as given', () => {
    const l = new ConstantLatency(100, 20, 30);
    assert.equal(l.orderArrivalMs(1000), 1100);
    assert.equal(l.cancelArrivalMs(1000), 1020);
    assert.equal(l.reportArrivalMs(1100), 1130);
    assert.equal(l.instantReports, false);
    assert.equal(new ConstantLatency(100).instantReports, true);
  });
});

describe('measured latencies (--latency-file)', () => {
  const samples = { entryMs: [10, 20, 30], responseMs: [5, 500] };

  it('draws only measured values, the same sequence for the same seed, another for another seed', () => {
    const seq = (seed: number) => {
      const l = new EmpiricalLatency(samples, seed);
      const out: number[] = [];
      for (let i = 0; i < 50; i++) out.push(l.orderArrivalMs(i * 1000) - i * 1000);
      return out;
    };
    const a = seq(1);
    assert.deepEqual(seq(1), a);
    assert.notDeepEqual(seq(2), a);
    for (const x of a) assert.ok([10, 20, 30].includes(x), `drew ${x}`);
    assert.ok(new Set(a).size === 3, 'every sample drawn in 50 draws');
  });

  it('keeps order: a report never overtakes an earlier one (one connection)', () => {
    const l = new EmpiricalLatency(samples, 3);
    let last = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < 2000; t += 10) {
      const at = l.reportArrivalMs(t);
      assert.ok(at >= last, `report of ${t} at ${at} before ${last}`);
      assert.ok(at >= t + 5);
      last = at;
    }
  });

  it('the file hlmm latency writes is the file the backtest reads; a bad file is one clear sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-latency-'));
    const file = join(dir, 'latency.json');
    writeLatencyFile(file, samples, { source: 'test' });
    assert.deepEqual(readLatencyFile(file), samples);
    const s = runSettings(parseConfig({}, 'cfg'), { latencyFile: file, latencySeed: 9 });
    assert.deepEqual(s.fill.latencySamples, samples);
    assert.equal(describeFillModel(s.fill).order_latency, `file ${file} (seed 9)`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"hlmm-latency-1","entry_ms":[],"response_ms":[1]}');
    assert.throws(
      () => readLatencyFile(bad),
      (e: Error) => e instanceof UserError && /entry_ms/.test(e.message),
    );
    assert.throws(
      () => readLatencyFile(join(dir, 'missing.json')),
      (e: Error) => e instanceof UserError && /--latency-file/.test(e.message),
    );
  });
});

describe('one fill-model configuration', () => {
  it('--latency-ms is the entry latency; --entry-latency-ms the same; both disagreeing is refused', () => {
    const cfg = parseConfig({}, 'cfg');
    assert.equal(runSettings(cfg, { latencyMs: 70 }).fill.entryLatencyMs, 70);
    assert.equal(runSettings(cfg, { entryLatencyMs: 70 }).fill.entryLatencyMs, 70);
    assert.equal(runSettings(cfg, { latencyMs: 70 }).fill.cancelLatencyMs, 70);
    assert.throws(() => runSettings(cfg, { latencyMs: 70, entryLatencyMs: 80 }), UserError);
    const d = runSettings(cfg, {}).fill;
    assert.deepEqual(
      [d.feedLatency, d.entryLatencyMs, d.responseLatencyMs, d.queue],
      ['recorded', 100, 0, 'risk-averse'],
    );
    const f = runSettings(
      parseConfig({ fill_model: { response_latency_ms: 40, feed_latency: 'none' } }, 'c'),
      {},
    );
    assert.deepEqual([f.fill.responseLatencyMs, f.fill.feedLatency], [40, 'none']);
  });

  it('bad values name the setting', () => {
    assert.throws(
      () => fillModelConfig({ responseLatencyMs: -1 }),
      (e: Error) => e instanceof UserError && /responseLatencyMs/.test(e.message),
    );
  });

  it('scaleLatency: ×2 doubles every delay, ×0 removes them all', () => {
    const c = fillModelConfig({ entryLatencyMs: 100, cancelLatencyMs: 40, responseLatencyMs: 30 });
    const twice = scaleLatency(c, 2);
    assert.deepEqual(
      [twice.entryLatencyMs, twice.cancelLatencyMs, twice.responseLatencyMs, twice.feedLatencyScale],
      [200, 80, 60, 2],
    );
    const none = scaleLatency(c, 0);
    assert.deepEqual(
      [none.entryLatencyMs, none.cancelLatencyMs, none.responseLatencyMs, none.feedLatencyScale],
      [0, 0, 0, 0],
    );
  });

  it('withLatencyScaled(2): the event received 366 ms late reaches the strategy 732 ms late', () => {
    const base: BacktestConfig = {
      strategy: BID_99,
      params: { sigma: 1, A: 1, k: 1, gamma: 0.1 },
      orderSizeBase: 1,
      maxPositionLots: 10,
      requoteIntervalMs: 0,
      latencyMs: 50,
    };
    const cfg = withLatencyScaled(base, 2);
    assert.equal(resolveBacktestConfig(cfg).fillModel.entryLatencyMs, 100);
    const bt = new BacktestEngine(cfg);
    const seen: number[] = [];
    bt.engine.subscribeEvents({ market: () => seen.push(bt.clock.nowMs()) });
    bt.onEvent(bbo(1000, 1366));
    bt.onEvent(bbo(2000, 2000));
    assert.deepEqual(seen, [1732, 2000]);
  });

  it('backtest --json states the latencies it applied and the fill model', () => {
    const { bt } = backtest({ feedLatency: 'recorded', entryLatencyMs: 50, responseLatencyMs: 30 });
    bt.onEvent(bbo(1000, 1366));
    bt.onEvent(bbo(2000, 2000));
    const j = backtestJson(bt.finish()) as {
      latency: Record<string, number>;
      assumptions: { fill_model: Record<string, unknown> };
    };
    assert.deepEqual(
      [j.latency.feed_ms_p50, j.latency.feed_ms_p99, j.latency.entry_ms_p50, j.latency.response_ms_p50],
      [0, 366, 50, 30],
    );
    assert.equal(j.assumptions.fill_model.feed_latency, 'recorded');
    assert.equal(j.assumptions.fill_model.response_latency_ms, 30);
  });
});

describe('latency statistics', () => {
  it('MsHistogram: nearest-rank percentiles of 1 … 100 ms are 50 (p50) and 99 (p99)', () => {
    const h = new MsHistogram();
    for (let i = 1; i <= 100; i++) h.add(i);
    assert.equal(h.quantileMs(0.5), 50);
    assert.equal(h.quantileMs(0.99), 99);
    assert.ok(Number.isNaN(new MsHistogram().quantileMs(0.5)));
  });

  it('MsHistogram keeps delays of seconds and caps at 60 000 ms: 2, 1500, 1500, 42 000, 90 000 ms', () => {
    const h = new MsHistogram();
    for (const ms of [1500, 2, 90_000, 42_000, 1500]) h.add(ms);
    assert.equal(h.count, 5);
    assert.equal(h.quantileMs(0.2), 2);
    assert.equal(h.quantileMs(0.6), 1500);
    assert.equal(h.quantileMs(0.8), 42_000);
    assert.equal(h.quantileMs(1), 60_000);
  });

  it('FeedDelayQueue pops by delivery time, ties in arrival order', () => {
    const q = new FeedDelayQueue();
    const evs = [5, 1, 3, 1, 4, 2].map((t, i) => ({ ...bbo(i, i), tag: t }));
    evs.forEach((e, i) => {
      q.push([5, 1, 3, 1, 4, 2][i], e);
    });
    const out: number[] = [];
    while (q.size > 0) out.push(q.pop().exchMs);
    assert.deepEqual(out, [1, 3, 5, 2, 4, 0]);
  });

  it('FeedDelayQueue: lanes and heap give the order of one sort by (delivery time, push order)', () => {
    // Three kinds, delivery times mostly rising per kind with some going back (those wait in the heap), equal
    // times across kinds, pops interleaved with pushes: the order must be that of a stable sort by time.
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const q = new FeedDelayQueue();
    const waiting: { at: number; n: number }[] = [];
    const last = [0, 0, 0];
    const popped: number[] = [];
    const expected: number[] = [];
    const takeExpected = () => {
      let best = 0;
      for (let i = 1; i < waiting.length; i++)
        if (
          waiting[i].at < waiting[best].at ||
          (waiting[i].at === waiting[best].at && waiting[i].n < waiting[best].n)
        )
          best = i;
      expected.push(waiting.splice(best, 1)[0].n);
    };
    for (let n = 0; n < 3000; n++) {
      const k = Math.floor(rand() * 3);
      last[k] += rand() < 0.15 ? -Math.floor(rand() * 5) : Math.floor(rand() * 4);
      const at = last[k];
      const ev: MarketEvent =
        k === 0
          ? bbo(n, n)
          : k === 1
            ? sell(n, n, 100, 1)
            : { kind: 'book', exchMs: n, recvS: n / 1000, seq: n, bids: [], asks: [] };
      q.push(at, ev);
      waiting.push({ at, n });
      assert.equal(q.nextMs, Math.min(...waiting.map((w) => w.at)));
      while (q.size > 0 && rand() < 0.45) {
        popped.push(q.pop().exchMs);
        takeExpected();
      }
    }
    while (q.size > 0) {
      popped.push(q.pop().exchMs);
      takeExpected();
    }
    assert.equal(q.nextMs, Number.POSITIVE_INFINITY);
    assert.equal(popped.length, 3000);
    assert.deepEqual(popped, expected);
  });

  it('FeedDelayQueue: grows past its first ring with every push walking back to the head, ties stable', () => {
    // 300 events due ever earlier (each one walks over all the queued ones), pairs due at the same time: popped
    // in delivery-time order, the earlier-matched of a pair first, after the ring grew several times.
    const q = new FeedDelayQueue();
    for (let n = 0; n < 300; n++) q.push(1000 - Math.floor(n / 2), bbo(n, n));
    assert.equal(q.size, 300);
    assert.equal(q.nextMs, 1000 - 149);
    const out: number[] = [];
    while (q.size > 0) out.push(q.pop().exchMs);
    const expected = Array.from({ length: 150 }, (_, k) => [298 - 2 * k, 299 - 2 * k]).flat();
    assert.deepEqual(out, expected);
    assert.equal(q.nextMs, Number.POSITIVE_INFINITY);
  });
});
