import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../src/core/errors.ts';
import { loadParamsFile, paramsFromObject } from '../src/model/params-file.ts';
import { dailyPctFromSigma } from '../src/model/units.ts';

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
