import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startBacktestPool } from '../../src/calibrate/backtest-pool.ts';
import { calibrate } from '../../src/calibrate/calibrate.ts';
import { createDayBacktester, type DayBacktestSettings } from '../../src/calibrate/day-backtest.ts';
import { DaySlots } from '../../src/calibrate/day-slots.ts';
import { searchGamma, searchGammaBatched } from '../../src/calibrate/gamma-search.ts';
import { CACHE_DIR_NAME } from '../../src/data/event-cache.ts';
import { btcInstrument } from '../support/instruments.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'data', 'sample');
const root = mkdtempSync(join(tmpdir(), 'hlmm-workers-'));
after(() => rmSync(root, { recursive: true, force: true }));

const settings: DayBacktestSettings = {
  model: 'as',
  mode: 'two-sided',
  orderSizeBase: 0.001,
  maxPositionLots: 5,
  horizon: { kind: 'end-of-day-utc' },
  instrument: btcInstrument,
  makerFeeRate: 0.00015,
  takerFeeRate: 0.00045,
  latencyMs: 100,
  queue: 'risk-averse',
  minSpreadBps: 0,
};

describe('γ search in batches', () => {
  // Score curves with several peaks, plateaus (equal neighbours), ineligible (−∞) stretches and NaN.
  const curves: Record<string, (g: number) => number> = {
    bumpy: (g) => Math.sin(3 * Math.log(g)) + 0.1 * Math.log(g),
    plateau: (g) => Math.round(Math.log(g)) % 2,
    ineligibleLow: (g) => (g < 1e-4 ? Number.NEGATIVE_INFINITY : -Math.abs(Math.log(g / 3e-3))),
    allIneligible: () => Number.NEGATIVE_INFINITY,
    nan: (g) => (g > 1e-2 ? Number.NaN : g),
    flat: () => 1,
  };
  for (const [name, f] of Object.entries(curves)) {
    it(`tries the same γ and chooses the same as the one-at-a-time search: ${name}`, async () => {
      for (const [grid, refine] of [
        [7, 4],
        [3, 0],
        [5, 9],
        [9, 2],
        [4, 12],
      ] as const) {
        const seq: number[] = [];
        const a = searchGamma(
          1e-5,
          1e-1,
          (g) => {
            seq.push(g);
            return { score: f(g), result: g };
          },
          grid,
          refine,
        );
        const batches: number[][] = [];
        const b = await searchGammaBatched(
          1e-5,
          1e-1,
          async (gs) => {
            batches.push(gs);
            return gs.map((g) => ({ score: f(g), result: g }));
          },
          grid,
          refine,
        );
        assert.deepEqual(b, a, `${name} grid ${grid} refine ${refine}`);
        assert.deepEqual(batches.flat(), seq, 'the same γ in the same order');
        assert.equal(batches[0]?.length, grid, 'the grid goes out as one batch');
      }
    });
  }
});

describe('calibration on worker threads', () => {
  it('gives exactly the single-threaded result (CSV, cache, and cache on 3 and 2 threads)', async () => {
    const dir = join(root, 'sample');
    cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !src.includes(CACHE_DIR_NAME) });
    const backtest = createDayBacktester(settings);
    const base = { dataDir: dir, ticker: 'BTC', backtest, keepEquity: true, bootstrapReplicates: 50 };
    // Progress lines without the search's timing ("[11 backtests, 0.3 s]"): the same lines in the same order.
    const linesOf = (lines: string[]) => lines.map((l) => l.replace(/ \[[^\]]*\]$/, ''));
    const csvLines: string[] = [];
    const csv = await calibrate({ ...base, cache: false, progress: (l) => csvLines.push(l) });
    const cachedLines: string[] = [];
    const cached = await calibrate({ ...base, cache: true, progress: (l) => cachedLines.push(l) });
    // A calibration on a pool of `threads` (this one included), as `hlmm calibrate --workers N` runs it: days in
    // shared memory, two days' searches at once; the pool closed afterwards.
    const onPool = async (threads: number, more: Partial<Parameters<typeof calibrate>[0]> = {}) => {
      const pool = startBacktestPool(settings, threads, backtest);
      try {
        return await calibrate({
          ...base,
          cache: true,
          backtestMany: pool.runMany,
          shareColumns: pool.shareColumns,
          daysInFlight: 2,
          ...more,
        });
      } finally {
        await pool.close();
      }
    };
    // This thread and two workers: jobs of one search spread over three threads.
    const threadedLines: string[] = [];
    const threaded = await onPool(3, { progress: (l) => threadedLines.push(l) });
    // As `hlmm calibrate --workers 2` runs it now: each day read straight into one of two reused shared slots
    // (more days than slots: a slot is reused while the workers still hold the previous day's views).
    const sharedSlots = new DaySlots(2, (n) => new SharedArrayBuffer(n));
    const slotted = await onPool(2, { daySlots: sharedSlots });
    // And in this thread (`--workers 1`): two slots of plain memory.
    const plainSlots = new DaySlots(2, (n) => new ArrayBuffer(n));
    const slottedHere = await calibrate({ ...base, cache: true, daySlots: plainSlots });
    assert.deepEqual(slotted, csv);
    assert.deepEqual(slottedHere, csv);
    // Every day's slot was given back once its searches ended.
    assert.equal(sharedSlots.held, 0);
    assert.equal(plainSlots.held, 0);
    assert.ok(csvLines.some((l) => /out of sample/.test(l)));
    assert.deepEqual(linesOf(cachedLines), linesOf(csvLines));
    assert.deepEqual(linesOf(threadedLines), linesOf(csvLines));
    assert.ok(csv.days.length >= 5);
    assert.ok(csv.days.some((d) => d.gamma !== null && d.gamma.curve.length === 11));
    assert.deepEqual(cached, csv);
    assert.deepEqual(threaded, csv);
    // A window that cuts days (the cache is read a day at a time): the CSV stream's result too.
    const win = { fromMs: Date.UTC(2025, 8, 2, 6), toMs: Date.UTC(2025, 8, 5, 12) };
    // (The bad-row line differs by design: the cache counts whole files, a windowed CSV read the rows it read.)
    const withoutRowStats = (r: Awaited<ReturnType<typeof calibrate>>) => ({
      ...r,
      notes: r.notes.filter((n) => !/malformed rows/.test(n)),
    });
    const csvWin = await calibrate({ ...base, ...win, cache: false });
    const cacheWin = await calibrate({ ...base, ...win, cache: true });
    assert.ok(csvWin.days.filter((d) => d.gamma !== null).length >= 1);
    assert.deepEqual(withoutRowStats(cacheWin), withoutRowStats(csvWin));
    // The window on workers: each day's range within its shared columns reaches the workers.
    const threadedWin = await onPool(2, win);
    assert.deepEqual(threadedWin, cacheWin);
    const slottedWin = await onPool(2, {
      ...win,
      daySlots: new DaySlots(2, (n) => new SharedArrayBuffer(n)),
    });
    assert.deepEqual(slottedWin, cacheWin);
  });
});
