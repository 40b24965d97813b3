import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import type { Bbo, TradePrint } from '../../src/core/market.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { generateSynthMarket, type SynthMarketSpec, writeSynthMarket } from '../../src/data/synth.ts';
import { SeededRandom } from '../../src/data/synth-random.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hlmm-synth-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec: SynthMarketSpec = { sigma: 2, A: 0.02, k: 0.5, tickSize: 1, days: 1, seed: 5, stepMs: 1000 };

function collect(s: SynthMarketSpec) {
  const bbos: Bbo[] = [];
  const trades: TradePrint[] = [];
  const summary = generateSynthMarket(s, {
    writeBbo: (b) => bbos.push(b),
    writeTrade: (t) => trades.push(t),
  });
  return { bbos, trades, summary };
}

describe('seeded random numbers', () => {
  it('same seed, same stream; uniform in [0, 1); normal with mean ≈ 0 and variance ≈ 1', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
    const r = new SeededRandom(1);
    let sum = 0;
    let sumSq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      sum += x;
      sumSq += x * x;
    }
    assert.ok(Math.abs(sum / n) < 0.02);
    assert.ok(Math.abs(sumSq / n - 1) < 0.02);
  });
});

describe('generateSynthMarket', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const one = collect(spec);
    const two = collect(spec);
    assert.deepEqual(one.summary, two.summary);
    assert.deepEqual(one.trades.slice(0, 50), two.trades.slice(0, 50));
    const other = collect({ ...spec, seed: 6 });
    assert.notDeepEqual(other.trades.slice(0, 20), one.trades.slice(0, 20));
  });

  it('writes a one-tick book and orders that sweep consecutive levels from the touch with one timestamp', () => {
    const { bbos, trades, summary } = collect(spec);
    assert.equal(summary.bboUpdates, bbos.length);
    assert.equal(summary.prints, trades.length);
    for (const b of bbos.slice(0, 1000)) assert.equal(b.askPx - b.bidPx, 1);
    assert.equal(new Set(trades.map((t) => t.tid)).size, trades.length, 'distinct trade ids');
    // Rebuild orders: (ms, side) groups; each starts at the touch of the last BBO before it and climbs one tick a print.
    let bi = 0;
    let multiLevel = 0;
    for (let i = 0; i < trades.length; ) {
      const t0 = trades[i] as TradePrint;
      while (bi + 1 < bbos.length && (bbos[bi + 1] as Bbo).exchMs < t0.exchMs) bi++;
      const book = bbos[bi] as Bbo;
      let j = i;
      while (j < trades.length && trades[j]?.exchMs === t0.exchMs && trades[j]?.side === t0.side) {
        const level = j - i;
        const expected = t0.side === 'buy' ? book.askPx + level : book.bidPx - level;
        assert.equal(trades[j]?.px, expected);
        j++;
      }
      if (j - i > 1) multiLevel++;
      i = j;
    }
    assert.ok(multiLevel > 100, 'several prints per order happen');
    // Orders that reach the touch (½ tick from the mid) ≈ 2·A·86 400·e^(−k·½) = 3456 × 0.7788 = 2691.5.
    assert.ok(Math.abs(summary.aggressiveOrders / 2691.5 - 1) < 0.1);
    assert.ok(bbos.every((b, i) => i === 0 || b.exchMs >= (bbos[i - 1] as Bbo).exchMs));
  });

  it('rejects a bad spec with a UserError naming the flag', () => {
    assert.throws(
      () => collect({ ...spec, sigma: -1 }),
      (e: unknown) => e instanceof UserError && /--sigma/.test(e.message),
    );
    assert.throws(
      () => collect({ ...spec, days: 0 }),
      (e: unknown) => e instanceof UserError && /--days/.test(e.message),
    );
  });

  it('a shorter market is the longer one cut short: one second more gives every event before the cut', () => {
    // What test/support/synth-events.ts relies on to generate hours, not whole days: 2 h against 1 h + 1 s, with
    // 1 s steps and 1.5 orders/s a side, so the last step before the cut holds orders.
    const dense: SynthMarketSpec = { sigma: 3, A: 1.5, k: 0.05, tickSize: 1, days: 1, seed: 5, stepMs: 1000 };
    const cutMs = Date.UTC(2025, 0, 1, 1);
    const before = <T extends { exchMs: number }>(rows: T[]) => rows.filter((r) => r.exchMs < cutMs);
    const longer = collect({ ...dense, durationS: 7200 });
    const hour = collect({ ...dense, durationS: 3601 });
    const longerTrades = before(longer.trades);
    assert.ok(
      longerTrades.some((t) => t.exchMs > cutMs - 1000),
      'orders in the last step before the cut',
    );
    assert.deepEqual(before(hour.trades), longerTrades);
    assert.deepEqual(before(hour.bbos), before(longer.bbos));
    // Cut exactly at the hour, the orders of its last step are not drawn: why the helper adds the second.
    const exact = collect({ ...dense, durationS: 3600 });
    assert.ok(before(exact.trades).length < longerTrades.length);
  });
});

describe('writeSynthMarket', () => {
  it('writes the collector layout that the market reader reads back in full', async () => {
    const dir = tempDir();
    const summary = await writeSynthMarket({ ...spec, outDir: dir, ticker: 'SYN' });
    let bbo = 0;
    let trades = 0;
    const stream = readMarket(dir, 'SYN');
    for await (const batch of stream) {
      for (const ev of batch) {
        if (ev.kind === 'bbo') bbo++;
        else if (ev.kind === 'trade') trades++;
      }
    }
    assert.equal(bbo, summary.bboUpdates);
    assert.equal(trades, summary.prints);
    assert.equal(
      stream.stats.reduce((n, s) => n + s.badRows, 0),
      0,
    );
  });

  it('refuses to append to an existing market', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'prices_SYN.csv'), 'timestamp,price,size,side,exchange_timestamp\n');
    await assert.rejects(
      writeSynthMarket({ ...spec, outDir: dir, ticker: 'SYN' }),
      (e: unknown) => e instanceof UserError && /already exists/.test(e.message),
    );
  });
});
