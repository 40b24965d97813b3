import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import { loadParamsFile } from '../../src/model/params-file.ts';
import {
  CoinsRecalibration,
  DailyRecalibration,
  lotCalibrateArgs,
} from '../../src/trade/daily-recalibration.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';
import { until } from '../support/wait.ts';

const logger = createLogger({ component: 'test', quiet: true });
const cliArgv = [...HLMM_ARGV];

test('a new UTC day re-calibrates from the recorded folder and replaces the parameters file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-recal-'));
  const file = join(dir, 'params_BTC.json');
  writeFileSync(file, 'old');
  const recal = new DailyRecalibration({
    dataDir: 'data/sample',
    ticker: 'BTC',
    paramsFile: file,
    logger,
    cliArgv,
  });
  const day = Date.UTC(2025, 8, 1, 23, 59, 0);
  recal.onTime(day); // first sight: the day the bot started with
  recal.onTime(day + 30_000);
  assert.equal(recal.runs, 0, 'same day: nothing to do');
  recal.onTime(day + 120_000); // 00:01 UTC the next day
  await until('the re-calibration ran', () => recal.runs > 0);
  const loaded = loadParamsFile(file);
  assert.equal(loaded.ticker, 'BTC');
  assert.ok(loaded.params.sigma > 0 && loaded.params.gamma > 0);
  assert.equal(existsSync(`${file}.calibrating`), false);
});

test('a failed re-calibration leaves the current parameters file untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-recal-'));
  const file = join(dir, 'params_BTC.json');
  writeFileSync(file, 'current');
  const recal = new DailyRecalibration({
    dataDir: join(dir, 'no-such-dir'),
    ticker: 'BTC',
    paramsFile: file,
    logger,
    cliArgv,
  });
  assert.equal(await recal.run(), false);
  assert.equal(readFileSync(file, 'utf8'), 'current');
});

test('several coins: one round per new UTC day, one coin at a time; a failed coin does not stop the others', async () => {
  const calls: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const releases: (() => void)[] = [];
  const coin = (ticker: string, ok: boolean) => ({
    ticker,
    run: () =>
      new Promise<boolean>((resolve) => {
        calls.push(ticker);
        running++;
        maxRunning = Math.max(maxRunning, running);
        releases.push(() => {
          running--;
          resolve(ok);
        });
      }),
  });
  const recal = new CoinsRecalibration([coin('BTC', true), coin('ETH', false), coin('SOL', true)]);
  const day = Date.UTC(2025, 8, 1, 23, 59, 0);
  recal.onTime(day);
  recal.onTime(day + 30_000);
  assert.deepEqual(calls, [], 'the day the bot started with: nothing');
  recal.onTime(day + 120_000);
  recal.onTime(day + 121_000);
  const round = recal.runAll(); // the round in progress, not a second one
  for (let i = 0; i < 3; i++) {
    await until(`coin ${i + 1} started`, () => calls.length === i + 1);
    recal.onTime(day + 86_400_000 + 120_000); // another day while the round runs: skipped
    (releases.shift() as () => void)();
  }
  assert.deepEqual(await round, { BTC: true, ETH: false, SOL: true });
  assert.deepEqual(calls, ['BTC', 'ETH', 'SOL'], 'each coin once, in order');
  assert.equal(maxRunning, 1, 'one calibration at a time');
  assert.equal(recal.rounds, 1);
});

test('a re-calibration is sized for the lot the bot trades: its --order-size and --max-position', () => {
  assert.deepEqual(lotCalibrateArgs({ strategy: { orderSizeBase: 0.002, maxPositionLots: 5 } as never }), [
    '--order-size',
    '0.002',
    '--max-position',
    '5',
  ]);
});
