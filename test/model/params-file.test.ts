import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { loadParamsFile, paramsFromObject } from '../../src/model/params-file.ts';
import { dailyPctFromSigma } from '../../src/model/units.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-params-'));

function goodFile(): Record<string, unknown> {
  return {
    ticker: 'BTC',
    timestamp: '2025-09-16T00:00:05Z',
    units: { sigma: 'USDC/sqrt(s)', A: 'orders/s per side', k: '1/USDC', gamma: '1/USDC' },
    market_data: {
      mid_price: 115_000,
      sigma: 3.1,
      sigma_daily_pct: dailyPctFromSigma(3.1, 115_000),
      A: 0.42,
      k: 0.05,
    },
    optimal_parameters: { gamma: 0.0012 },
    days: [
      {
        date: '2025-09-15',
        sigma: 3.1,
        A: 0.42,
        k: 0.05,
        fit_r2: 0.97,
        aggressors: 3000,
        gamma: 0.0012,
        score: 1.2,
      },
    ],
  };
}

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

function assertUserError(fn: () => unknown, ...fragments: string[]) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

describe('loadParamsFile', () => {
  it('reads the calibration file into ModelParams', () => {
    const loaded = loadParamsFile(write('good.json', goodFile()));
    assert.equal(loaded.ticker, 'BTC');
    assert.deepEqual(loaded.params, { sigma: 3.1, A: 0.42, k: 0.05, gamma: 0.0012 });
    assert.equal(loaded.midPrice, 115_000);
    assert.equal(loaded.raw.days.length, 1);
  });
  it('a missing key is named with the file', () => {
    const f = goodFile();
    delete (f.optimal_parameters as Record<string, unknown>).gamma;
    const path = write('no-gamma.json', f);
    assertUserError(() => loadParamsFile(path), path, '"optimal_parameters.gamma"', 'missing');
  });
  it('null (how JSON writers spell NaN/Infinity), strings and negatives are refused', () => {
    for (const [value, name] of [
      [null, 'null'],
      ['3.1', 'string'],
      [-3.1, 'negative'],
      [0, 'zero'],
    ] as const) {
      const f = goodFile();
      (f.market_data as Record<string, unknown>).sigma = value;
      const path = write(`sigma-${name}.json`, f);
      assertUserError(() => loadParamsFile(path), path, '"market_data.sigma"');
    }
  });
  it('σ in the wrong unit (a daily % where quote/√s is due) is refused', () => {
    const f = goodFile();
    (f.market_data as Record<string, number>).sigma = 0.9; // the daily %, not USDC/√s
    (f.market_data as Record<string, number>).sigma_daily_pct = 0.9;
    const path = write('slip.json', f);
    assertUserError(() => loadParamsFile(path), path, 'quote currency per √second');
  });
  it('missing file and bad JSON are user errors', () => {
    assertUserError(() => loadParamsFile(join(dir, 'absent.json')), 'absent.json', 'not found');
    const path = write('broken.json', '{"ticker": ');
    assertUserError(() => loadParamsFile(path), path, 'not valid JSON');
  });
  it('a missing days array is named', () => {
    const f = goodFile();
    delete f.days;
    assertUserError(() => paramsFromObject(f, 'x.json'), 'x.json', '"days"');
  });
});

describe('loadParamsFile: γ is per lot (quotes.order_size_base)', () => {
  const withLot = (lot: unknown) => ({ ...goodFile(), quotes: { model: 'as', order_size_base: lot } });

  it('the one-argument call and the same lot keep the file γ, with no note', () => {
    const path = write('lot-same.json', withLot(0.001));
    const plain = loadParamsFile(path);
    assert.equal(plain.params.gamma, 0.0012);
    assert.equal(plain.fileOrderSizeBase, 0.001);
    assert.deepEqual(plain.notes, []);
    assert.equal(loadParamsFile(path, { orderSizeBase: 0.001 }).params.gamma, 0.0012);
    assert.deepEqual(loadParamsFile(path, { orderSizeBase: 0.001 }).notes, []);
  });

  it('another lot rescales γ by lot_new / lot_old and says so', () => {
    const path = write('lot-other.json', withLot(0.001));
    const ten = loadParamsFile(path, { orderSizeBase: 0.01 });
    assert.ok(Math.abs(ten.params.gamma - 0.012) < 1e-15, String(ten.params.gamma)); // 0.0012 × 10
    assert.equal(ten.notes.length, 1);
    assert.match(
      ten.notes[0],
      /^gamma rescaled from 0\.0012 per lot of 0\.001 to 0\.012 per lot of 0\.01 \(same risk per base unit\)/,
    );
    const half = loadParamsFile(path, { orderSizeBase: 0.0005 });
    assert.ok(Math.abs(half.params.gamma - 0.0006) < 1e-15);
    // σ, A, k do not depend on the lot.
    assert.deepEqual({ ...ten.params, gamma: 0 }, { sigma: 3.1, A: 0.42, k: 0.05, gamma: 0 });
  });

  it('the rescale keeps the A–S skew per base unit: q·γ·σ²·τ with q = position ÷ lot', () => {
    const path = write('lot-skew.json', withLot(0.001));
    const sigma = 3.1;
    const tauS = 3600;
    const positionBtc = 0.01;
    const skew = (gamma: number, lot: number) => (positionBtc / lot) * gamma * sigma * sigma * tauS;
    const old = skew(0.0012, 0.001); // 10 lots × 0.0012 × 9.61 × 3600 = 415.152 USDC
    assert.ok(Math.abs(old - 415.152) < 1e-9);
    const g = loadParamsFile(path, { orderSizeBase: 0.005 }).params.gamma;
    assert.ok(Math.abs(skew(g, 0.005) - 415.152) < 1e-9);
  });

  it('a file without quotes.order_size_base: γ as is, with a note; a bad one is a UserError naming the key', () => {
    const none = loadParamsFile(write('lot-none.json', goodFile()), { orderSizeBase: 0.01 });
    assert.equal(none.params.gamma, 0.0012);
    assert.equal(none.fileOrderSizeBase, null);
    assert.match(none.notes[0], /does not say which lot gamma was calibrated for/);
    assert.throws(
      () => loadParamsFile(write('lot-bad.json', withLot(-1))),
      (err: unknown) => err instanceof UserError && err.message.includes('"quotes.order_size_base"'),
    );
    assert.throws(() => paramsFromObject(withLot(0.001), 'x.json', { orderSizeBase: 0 }), UserError);
  });
});

describe('γ not identified by the calibration', () => {
  it('exposes gammaIdentified and gammaNote, trades the file fallback or the configured one, and notes it', () => {
    const f = goodFile();
    (f.optimal_parameters as Record<string, unknown>).gamma_identified = false;
    (f.optimal_parameters as Record<string, unknown>).gamma_note = 'too few fills: most 2 of 5';
    const fromFile = paramsFromObject(f, 'p.json');
    assert.equal(fromFile.gammaIdentified, false);
    assert.equal(fromFile.gammaNote, 'too few fills: most 2 of 5');
    assert.equal(fromFile.gammaSource, 'file-fallback');
    assert.equal(fromFile.params.gamma, 0.0012);
    assert.ok(fromFile.notes.some((n) => /NOT identified .*too few fills/.test(n)));
    const configured = paramsFromObject(f, 'p.json', { fallbackGamma: 0.05 });
    assert.equal(configured.params.gamma, 0.05);
    assert.equal(configured.gammaSource, 'configured-fallback');
    assert.throws(
      () => paramsFromObject(f, 'p.json', { fallbackGamma: -1 }),
      (e: unknown) => e instanceof UserError && /fallback gamma -1/.test(e.message),
    );
    // A file without the key (older calibrations) is identified, and a configured fallback is not used.
    const old = paramsFromObject(goodFile(), 'p.json', { fallbackGamma: 0.05 });
    assert.equal(old.gammaIdentified, true);
    assert.equal(old.gammaNote, null);
    assert.equal(old.params.gamma, 0.0012);
  });
});
