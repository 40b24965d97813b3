import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CalibrationResult, calibrate } from '../../src/calibrate/calibrate.ts';
import type { DayBacktester } from '../../src/calibrate/day-backtest.ts';
import { utcDateKey } from '../../src/calibrate/trading-day.ts';
import { UserError } from '../../src/core/errors.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';
import type { ModelParams } from '../../src/model/params.ts';
import { loadParamsFile } from '../../src/model/params-file.ts';
import { totalSpreadFor } from '../../src/model/spread-target.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-calibrate-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * A stand-in backtester for the walk-forward tests: it records which parameters each day was traded with and
 * scores γ by a smooth curve peaking at γ = 1e-3 (deterministic, instant).
 */
function recordingBacktester(log: Map<string, ModelParams[]>): DayBacktester {
  return (events, params) => {
    const date = utcDateKey(events.firstMs);
    log.set(date, [...(log.get(date) ?? []), params]);
    const pnl = -((Math.log10(params.gamma) + 3) ** 2) + events.length * 1e-6;
    return { pnl, fills: 20, minutes: 1440, minuteStd: 0, equityCurve: null };
  };
}

describe('walk-forward without look-ahead', () => {
  const base = join(root, 'wf-base');
  const changed = join(root, 'wf-changed');
  const day3 = Date.UTC(2025, 0, 3);
  before(async () => {
    await writeSynthMarket({
      sigma: 2,
      A: 0.03,
      k: 0.5,
      tickSize: 1,
      outDir: base,
      ticker: 'SYN',
      days: 3,
      seed: 9,
      stepMs: 1000,
    });
    // The same market with day 3 altered: every other trade and every third BBO update of day 3 removed.
    mkdirSync(changed, { recursive: true });
    const alter = (file: string, rowsPerRecord: number, keep: (i: number) => boolean) => {
      const lines = readFileSync(join(base, file), 'utf8').trimEnd().split('\n');
      const out = [lines[0]];
      let record = 0;
      for (let i = 1; i < lines.length; i += rowsPerRecord) {
        const group = lines.slice(i, i + rowsPerRecord);
        const ms = Number(group[0]?.split(',').at(-1));
        if (ms < day3 || keep(record++)) out.push(...group);
      }
      writeFileSync(join(changed, file), `${out.join('\n')}\n`);
    };
    alter('prices_SYN.csv', 2, (i) => i % 3 !== 0);
    alter('trades_SYN.csv', 1, (i) => i % 2 === 0);
  });

  it("changing day N's data moves neither the parameters day N trades with nor any earlier day", async () => {
    const logA = new Map<string, ModelParams[]>();
    const logB = new Map<string, ModelParams[]>();
    const a = await calibrate({
      dataDir: base,
      ticker: 'SYN',
      tickSize: 1,
      backtest: recordingBacktester(logA),
    });
    const b = await calibrate({
      dataDir: changed,
      ticker: 'SYN',
      tickSize: 1,
      backtest: recordingBacktester(logB),
    });
    assert.deepEqual(
      a.days.map((d) => d.date),
      ['2025-01-01', '2025-01-02', '2025-01-03'],
    );
    const strip = (r: CalibrationResult, i: number) => {
      const d = r.days[i];
      return { sigma: d?.sigma, A: d?.fit?.A, k: d?.fit?.k, gamma: d?.gamma?.best?.gamma };
    };
    // Days 1 and 2: identical estimates and γ.
    assert.deepEqual(strip(b, 0), strip(a, 0));
    assert.deepEqual(strip(b, 1), strip(a, 1));
    // Day 3 is traded with day 2's σ, A, k in both runs…
    const traded = (r: CalibrationResult) => r.days[2]?.gamma?.params;
    assert.deepEqual(traded(b), traded(a));
    assert.deepEqual(traded(a), { sigma: a.days[1]?.sigma, A: a.days[1]?.fit?.A, k: a.days[1]?.fit?.k });
    // Every walk-forward backtest of day 3 uses day 2's σ; the only others are the explicitly in-sample search
    // with the published σ, A, k (which include day 3), one backtest per γ of its curve.
    const day3Runs = logB.get('2025-01-03') ?? [];
    const walkForward = day3Runs.filter((p) => p.sigma !== b.headline.sigma);
    for (const p of walkForward) assert.equal(p.sigma, a.days[1]?.sigma);
    assert.equal(day3Runs.length - walkForward.length, b.headlineSearch?.curve.length);
    assert.ok(walkForward.length >= (b.days[2]?.gamma?.curve.length ?? 0) && walkForward.length > 0);
    // …while day 3's own estimates (which trade day 4) did change.
    assert.notEqual(b.days[2]?.fit?.A, a.days[2]?.fit?.A);
    // The first day has no previous day: no γ search.
    assert.equal(a.days[0]?.gamma, null);
    assert.ok((logA.get('2025-01-01') ?? []).length === 0);
  });

  it('headline: σ = mean of the daily σ, A and k of the last day, γ backtested with exactly those', async () => {
    const log = new Map<string, ModelParams[]>();
    const r = await calibrate({
      dataDir: base,
      ticker: 'SYN',
      tickSize: 1,
      backtest: recordingBacktester(log),
    });
    const sigmas = r.days.map((d) => d.sigma);
    assert.ok(Math.abs(r.headline.sigma - sigmas.reduce((x, y) => x + y, 0) / sigmas.length) < 1e-12);
    assert.equal(r.headline.A, r.days[2]?.fit?.A);
    // The published γ comes from a search run with the published σ, A, k on the last day (no re-solve: the old
    // rule published a γ that quoted the tested spread with other parameters, a γ no backtest had tried).
    const search = r.headlineSearch;
    assert.ok(search);
    assert.deepEqual(search.params, { sigma: r.headline.sigma, A: r.headline.A, k: r.headline.k });
    const tested = r.headline.gammaChoice.tested;
    assert.ok(tested);
    assert.equal(tested.gamma, search.best?.gamma);
    const published = { sigma: r.headline.sigma, A: r.headline.A, k: r.headline.k };
    const runs = (log.get('2025-01-03') ?? []).filter(
      (p) => p.sigma === published.sigma && p.k === published.k,
    );
    assert.ok(
      runs.some((p) => p.gamma === tested.gamma),
      'the tested γ was backtested with the published σ, k',
    );
    assert.equal(r.headline.gammaChoice.identified, r.headline.gammaChoice.note === null);
    if (r.headline.gammaChoice.identified) {
      assert.equal(r.headline.gamma, tested.gamma);
      const spread = totalSpreadFor(r.headline.gamma, r.headline.sigma, r.tauS, r.headline.k, 'as');
      assert.ok(Math.abs(r.headline.gammaChoice.publishedSpreadQuote / spread - 1) < 1e-12);
    } else assert.equal(r.headline.gamma, r.headline.gammaChoice.fallbackGamma);
    // The stand-in score peaks at γ = 1e-3: the search lands near it when the grid covers it.
    const best = r.days[2]?.gamma?.best;
    assert.ok(best);
    const range = r.days[2]?.gamma?.range;
    if (range && range.gammaLow < 1e-3 && range.gammaHigh > 1e-3)
      assert.ok(Math.abs(Math.log10(best.gamma) + 3) < 0.1);
    if (search.range.gammaLow < 1e-3 && search.range.gammaHigh > 1e-3) {
      assert.ok(Math.abs(Math.log10(tested.gamma) + 3) < 0.1);
      assert.equal(r.headline.gammaChoice.identified, true);
    }
    // Walk-forward out of sample: day 3 trades day 2's chosen γ with day 2's σ, A, k.
    const oos = r.days[2]?.oos;
    assert.ok(oos);
    assert.equal(oos.gamma, r.days[1]?.gamma?.best?.gamma);
    assert.equal(oos.chosenOn, '2025-01-02');
    assert.ok(
      (log.get('2025-01-03') ?? []).some((p) => p.gamma === oos.gamma && p.sigma === r.days[1]?.sigma),
    );
    assert.equal(r.oosSummary.days, 1);
  });
});

describe('γ eligibility: a minimum number of fills', () => {
  const dir = join(root, 'fills');
  before(() =>
    writeSynthMarket({
      sigma: 2,
      A: 0.03,
      k: 0.5,
      tickSize: 1,
      outDir: dir,
      ticker: 'SYN',
      days: 3,
      seed: 5,
      stepMs: 1000,
    }),
  );
  it('a γ that never trades (score 0) does not beat a losing γ that trades; all-idle days are flagged', async () => {
    // γ ≥ 1e-3: no fills, PnL 0 (score 0, the old winner). γ < 1e-3: 20 fills and a loss of 1 USDC.
    const idleAbove: DayBacktester = (_e, p) =>
      p.gamma >= 1e-3
        ? { pnl: 0, fills: 0, minutes: 1440, minuteStd: 0, equityCurve: null }
        : { pnl: -1, fills: 20, minutes: 1440, minuteStd: 0, equityCurve: null };
    const r = await calibrate({ dataDir: dir, ticker: 'SYN', tickSize: 1, backtest: idleAbove, minFills: 5 });
    for (const d of r.days.slice(1)) {
      assert.ok(d.gamma?.best, `${d.date} has an eligible γ`);
      assert.ok((d.gamma?.best?.gamma ?? 1) < 1e-3 && d.gamma?.best?.fills === 20);
      assert.ok(d.gamma?.curve.some((p) => !p.eligible && p.score === 0));
    }
    const idle: DayBacktester = () => ({ pnl: 0, fills: 0, minutes: 1440, minuteStd: 0, equityCurve: null });
    await assert.rejects(
      calibrate({ dataDir: dir, ticker: 'SYN', tickSize: 1, backtest: idle }),
      (e: unknown) =>
        e instanceof UserError && /no backtested day had a γ with at least 5 fills/.test(e.message),
    );
  });
});

describe('too little or bad data', () => {
  it('fewer than two complete days: one clear UserError', async () => {
    const dir = join(root, 'one-day');
    await writeSynthMarket({
      sigma: 2,
      A: 0.03,
      k: 0.5,
      tickSize: 1,
      outDir: dir,
      ticker: 'SYN',
      days: 1,
      seed: 3,
      stepMs: 1000,
    });
    await assert.rejects(
      calibrate({ dataDir: dir, ticker: 'SYN', searchGamma: false, tickSize: 1 }),
      (e: unknown) =>
        e instanceof UserError && /1 complete UTC day; calibration needs at least two/.test(e.message),
    );
  });

  it('a day without enough aggressive orders: UserError naming the day', async () => {
    const dir = join(root, 'thin');
    await writeSynthMarket({
      sigma: 2,
      A: 0.00005,
      k: 0.5,
      tickSize: 1,
      outDir: dir,
      ticker: 'SYN',
      days: 2,
      seed: 4,
      stepMs: 1000,
    });
    await assert.rejects(
      calibrate({ dataDir: dir, ticker: 'SYN', searchGamma: false, tickSize: 1 }),
      (e: unknown) =>
        e instanceof UserError && /day 2025-01-01 has too few aggressive orders/.test(e.message),
    );
  });

  it('a missing directory or symbol: UserError naming the file expected', async () => {
    await assert.rejects(
      calibrate({ dataDir: join(root, 'nowhere'), ticker: 'BTC', searchGamma: false }),
      (e: unknown) => e instanceof UserError && /prices_BTC\.csv/.test(e.message),
    );
  });

  it('an incomplete last day is left out', async () => {
    const dir = join(root, 'partial');
    mkdirSync(dir, { recursive: true });
    const src = join(root, 'wf-base');
    copyFileSync(join(src, 'prices_SYN.csv'), join(dir, 'prices_SYN.csv'));
    // Trades only; cut the prices file at noon of day 3.
    const lines = readFileSync(join(src, 'prices_SYN.csv'), 'utf8').trimEnd().split('\n');
    const noon = Date.UTC(2025, 0, 3, 12);
    writeFileSync(
      join(dir, 'prices_SYN.csv'),
      `${lines.filter((l, i) => i === 0 || Number(l.split(',').at(-1)) < noon).join('\n')}\n`,
    );
    const trades = readFileSync(join(src, 'trades_SYN.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(
      join(dir, 'trades_SYN.csv'),
      `${trades.filter((l, i) => i === 0 || Number(l.split(',').at(-1)) < noon).join('\n')}\n`,
    );
    const r = await calibrate({ dataDir: dir, ticker: 'SYN', searchGamma: false, tickSize: 1 });
    assert.equal(r.days.length, 2);
    assert.equal(r.droppedIncompleteDay, '2025-01-03');
  });
});

describe('hlmm calibrate on the bundled real BTC sample', () => {
  it('writes a parameters file the bot loads, with material inventory skew, and a report', () => {
    const out = join(root, 'params_BTC.json');
    const report = join(root, 'calibrate.html');
    const run = spawnSync(
      process.execPath,
      [
        ...HLMM_ARGV,
        'calibrate',
        '--data',
        'data/sample',
        '--ticker',
        'BTC',
        '--out',
        out,
        '--report',
        report,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /2025-09-06 is incomplete|wrote/);
    const loaded = loadParamsFile(out);
    assert.equal(loaded.ticker, 'BTC');
    assert.ok(loaded.params.sigma > 0.5 && loaded.params.sigma < 20, `σ ${loaded.params.sigma} USDC/√s`);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(
      json.days.map((d: { date: string }) => d.date),
      ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04', '2025-09-05', '2025-09-06'],
    );
    assert.equal(json.calibration.left_out_incomplete_day, '2025-09-07');
    assert.equal(json.days[0].gamma, null);
    assert.ok(json.days[1].gamma_curve.length >= 7);
    // One lot of inventory moves the reservation price by q·γ·σ²·τ: dollars, not 1e-7.
    const skew = json.quotes.q_0.reservation_price - json.quotes.q_plus_1.reservation_price;
    assert.ok(skew > 0.01, `skew ${skew}`);
    assert.ok(
      json.quotes.q_0.bid < json.market_data.mid_price && json.quotes.q_0.ask > json.market_data.mid_price,
    );
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<html/i);
    assert.match(html, /λ\(δ\)/);
    assert.doesNotMatch(html, /<script[^>]+src=["']https?:/i);
  });

  it('bad flag: exit 2 without a stack trace', () => {
    const run = spawnSync(process.execPath, [...HLMM_ARGV, 'calibrate', '--data', join(root, 'none')], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /hlmm: No prices file for BTC/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });
});
