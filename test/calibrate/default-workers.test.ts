import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  defaultWorkers,
  sourceBytesOf,
  TWO_THREADS_FROM_BYTES,
} from '../../src/calibrate/default-workers.ts';

describe('the default threads of hlmm calibrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-default-workers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the recorded CSV bytes of the coin, a .gz at 8× its size, other coins and missing files not', () => {
    writeFileSync(join(dir, 'prices_BTC.csv'), 'x'.repeat(1000));
    writeFileSync(join(dir, 'trades_BTC.csv.gz'), 'x'.repeat(100));
    writeFileSync(join(dir, 'prices_ETH.csv'), 'x'.repeat(5000));
    assert.equal(sourceBytesOf(dir, 'BTC'), 1000 + 800);
    assert.equal(sourceBytesOf(dir, 'SOL'), 0);
    assert.equal(sourceBytesOf(join(dir, 'missing'), 'BTC'), 0);
  });

  it('cores − 1 (at least 1), and at least 2 threads on 2 or more cores once the data is big', () => {
    const cores = availableParallelism();
    assert.equal(defaultWorkers(0), Math.max(1, cores - 1));
    assert.equal(defaultWorkers(TWO_THREADS_FROM_BYTES - 1), Math.max(1, cores - 1));
    assert.equal(defaultWorkers(TWO_THREADS_FROM_BYTES), cores >= 2 ? Math.max(2, cores - 1) : 1);
  });
});
