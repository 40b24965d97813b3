import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { type CalibrateCliOptions, runCalibrateCommand } from '../../src/calibrate/cli-run.ts';
import {
  type CoinBugForTest,
  coinThreads,
  type MultiCalibrateOptions,
  reportPathFor,
} from '../../src/calibrate/multi-calibrate.ts';
import { defineCalibrate } from '../../src/cli/commands/calibrate.ts';
import { isUserError, UserError } from '../../src/core/errors.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';
import { spawnCli } from '../support/cli-process.ts';

// Two coins in one --data folder, as `hlmm synth --ticker BTC` and `--ticker ETH` write them: two whole UTC days
// each, 1 s mid steps and a quiet book (≈ 1.5 s to calibrate a coin with the small γ grid below).
const root = mkdtempSync(join(tmpdir(), 'hlmm-calibrate-tickers-'));
const data = join(root, 'data');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  const common = { days: 2, stepMs: 1000, sizeRefreshProb: 0.02, A: 0.05, outDir: data };
  await writeSynthMarket({ ...common, ticker: 'BTC', sigma: 3, k: 0.3, tickSize: 1, seed: 3 });
  await writeSynthMarket({
    ...common,
    ticker: 'ETH',
    sigma: 0.3,
    k: 3,
    tickSize: 0.1,
    startMid: 3000,
    seed: 4,
  });
});

// A small γ search: the files are compared, not the quality of γ.
const FAST = ['--grid-points', '3', '--refine-steps', '0', '--bootstrap', '10', '--min-fills', '1'];
/** One timestamp for every file, so the files can be compared byte for byte. */
const NOW_MS = Date.UTC(2025, 0, 3, 12);

/** The options `hlmm calibrate ARGS` gives its command (the real flag definitions and defaults). */
async function optionsOf(args: string[]): Promise<CalibrateCliOptions> {
  const program = new Command('hlmm').exitOverride();
  defineCalibrate(program);
  let parsed: CalibrateCliOptions | null = null;
  program.commands[0]?.action((opts: CalibrateCliOptions) => {
    parsed = opts;
  });
  await program.parseAsync(['calibrate', ...args], { from: 'user' });
  return parsed as unknown as CalibrateCliOptions;
}

/** Runs `hlmm calibrate ARGS` in this process; its stderr lines are returned (and not printed). */
async function calibrateCli(
  args: string[],
  coinBugForTest?: CoinBugForTest,
): Promise<{ lines: string[]; error: unknown }> {
  const o: MultiCalibrateOptions = {
    ...(await optionsOf(['--data', data, ...FAST, ...args])),
    nowMs: NOW_MS,
    ...(coinBugForTest === undefined ? {} : { coinBugForTest }),
  };
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stderr.write;
  let error: unknown = null;
  try {
    await runCalibrateCommand(o);
  } catch (err) {
    error = err;
  } finally {
    process.stderr.write = write;
  }
  return { lines, error };
}

const bytes = (file: string) => readFileSync(file);

describe('hlmm calibrate --tickers', () => {
  it('writes each coin’s file byte for byte as calibrating it alone, on 2 worker threads or in this thread; a coin without data gets one sentence', async () => {
    const multi = join(root, 'multi');
    const run = await calibrateCli([
      '--tickers',
      'BTC,eth,SOL',
      '--workers',
      '2',
      '--out-dir',
      multi,
      '--report',
      join(multi, 'cal.html'),
    ]);
    assert.equal(run.error, null, String(run.error));
    assert.match(run.lines[0] ?? '', /3 coins \(BTC,ETH,SOL\) .* on 2 worker threads/);
    for (const t of ['BTC', 'ETH'])
      assert.ok(
        run.lines.some((l) => l.startsWith(`hlmm calibrate: ${t}: wrote ${join(multi, `params_${t}.json`)}`)),
        `${t}'s summary line`,
      );
    const sol = run.lines.filter((l) => l.startsWith('hlmm calibrate: SOL: not calibrated:'));
    assert.equal(sol.length, 1, 'one sentence for the coin without data');
    assert.match(sol[0] as string, /No prices file for SOL in .*; record one with "hlmm collect"/);
    assert.match(run.lines.at(-1) ?? '', /2 of 3 coins calibrated in .* s; not calibrated: SOL$/);
    assert.ok(!existsSync(join(multi, 'params_SOL.json')));

    for (const t of ['BTC', 'ETH']) {
      const alone = join(root, `alone-${t}`);
      const single = await calibrateCli([
        '--ticker',
        t,
        '--workers',
        '1',
        '--out',
        `${alone}.json`,
        '--report',
        `${alone}.html`,
      ]);
      assert.equal(single.error, null, String(single.error));
      const file = bytes(join(multi, `params_${t}.json`));
      assert.ok(
        file.equals(bytes(`${alone}.json`)),
        `params_${t}.json is the file of calibrating ${t} alone`,
      );
      assert.ok(bytes(join(multi, `cal_${t}.html`)).equals(bytes(`${alone}.html`)), `${t}'s report`);
      const json = JSON.parse(file.toString('utf8'));
      assert.equal(json.ticker, t);
      assert.equal(json.timestamp, new Date(NOW_MS).toISOString());
      assert.ok(json.market_data.sigma > 0 && json.days.length === 2);
    }
    // One coin after another in this thread (--workers 1): the same files again.
    const seq = join(root, 'sequential');
    // (No report here: the parameters file does not depend on one.)
    const inThread = await calibrateCli(['--tickers', 'ETH,BTC', '--workers', '1', '--out-dir', seq]);
    assert.equal(inThread.error, null, String(inThread.error));
    assert.match(inThread.lines[0] ?? '', /one after another in this thread/);
    for (const t of ['BTC', 'ETH'])
      assert.ok(bytes(join(seq, `params_${t}.json`)).equals(bytes(join(multi, `params_${t}.json`))), t);
    // The two coins really differ (σ 3 vs 0.3 USDC/√s): no file was written from the other coin's data.
    const sigma = (t: string) =>
      JSON.parse(bytes(join(multi, `params_${t}.json`)).toString('utf8')).market_data.sigma;
    assert.ok(Math.abs(sigma('BTC') / 3 - 1) < 0.05 && Math.abs(sigma('ETH') / 0.3 - 1) < 0.05);
  });

  it('fails (exit 2) when no coin can be calibrated, naming each coin', async () => {
    const run = await calibrateCli(['--tickers', 'SOL,DOGE', '--out-dir', join(root, 'none')]);
    assert.ok(run.error instanceof UserError);
    assert.equal((run.error as UserError).exitCode, 2);
    assert.match((run.error as Error).message, /^no coin of SOL,DOGE could be calibrated/);
    for (const t of ['SOL', 'DOGE'])
      assert.equal(run.lines.filter((l) => l.startsWith(`hlmm calibrate: ${t}: not calibrated: `)).length, 1);
  });

  it('a coin whose thread crashes on a bug is reported with its stack; the other coins are still written (exit 0)', async () => {
    const out = join(root, 'crash');
    const run = await calibrateCli(['--tickers', 'BTC,ETH,SOL', '--workers', '2', '--out-dir', out], {
      ticker: 'ETH',
      how: 'thread',
    });
    // No error out of the command: the CLI exits 0, as at least one coin was written.
    assert.equal(run.error, null, String(run.error));
    const eth = run.lines.filter((l) =>
      l.startsWith('hlmm calibrate: ETH: not calibrated: internal error: '),
    );
    assert.equal(eth.length, 1, 'one line for the crashed coin');
    assert.match(eth[0] as string, /TypeError: test: ETH's coin thread crashed/);
    assert.ok(
      run.lines.some((l) => /^\s+at /.test(l)),
      "the bug's stack is printed (it is a bug, not bad input)",
    );
    assert.ok(!existsSync(join(out, 'params_ETH.json')), 'nothing written for the crashed coin');
    // The surviving thread went on: BTC calibrated, SOL got its own sentence (not "not started").
    const btc = JSON.parse(readFileSync(join(out, 'params_BTC.json'), 'utf8'));
    assert.equal(btc.ticker, 'BTC');
    assert.ok(Math.abs(btc.market_data.sigma / 3 - 1) < 0.05, `BTC σ ${btc.market_data.sigma}`);
    assert.equal(
      run.lines.filter((l) => /^hlmm calibrate: SOL: not calibrated: No prices file for SOL/.test(l)).length,
      1,
    );
    assert.match(run.lines.at(-1) ?? '', /1 of 3 coins calibrated in .* s; not calibrated: ETH, SOL$/);
  });

  it('a bug of the only coin that had data is an internal error (exit 70), not a user error; its thread serves the next coin', async () => {
    for (const workers of ['2', '1']) {
      const run = await calibrateCli(
        ['--tickers', 'BTC,SOL,DOGE', '--workers', workers, '--out-dir', join(root, `bug-${workers}`)],
        { ticker: 'BTC', how: 'throw' },
      );
      // Not a UserError: the CLI's entry (src/cli/main.ts) prints it with its stack and exits 70.
      assert.ok(
        run.error instanceof Error && !isUserError(run.error),
        `--workers ${workers}: ${String(run.error)}`,
      );
      assert.match(
        (run.error as Error).message,
        /^no coin of BTC,SOL,DOGE was calibrated; at least one failed on an internal error \(above\)\.$/,
      );
      assert.equal(
        run.lines.filter((l) =>
          l.startsWith(
            "hlmm calibrate: BTC: not calibrated: internal error: TypeError: test: BTC's calibration failed on a bug",
          ),
        ).length,
        1,
        `--workers ${workers}`,
      );
      for (const t of ['SOL', 'DOGE'])
        assert.equal(
          run.lines.filter((l) =>
            l.startsWith(`hlmm calibrate: ${t}: not calibrated: No prices file for ${t}`),
          ).length,
          1,
          `--workers ${workers}: ${t} calibrated (and refused) on its own, not "not started"`,
        );
    }
  });

  it('takes the coins from the config’s tickers when no flag names one', async () => {
    const cfg = join(root, 'config.json');
    writeFileSync(cfg, JSON.stringify({ tickers: ['SOL', 'DOGE'] }));
    const run = await calibrateCli(['--config', cfg, '--workers', '1', '--out-dir', join(root, 'none')]);
    assert.match((run.error as Error).message, /^no coin of SOL,DOGE could be calibrated/);
    assert.match(run.lines[0] ?? '', /2 coins \(SOL,DOGE\)/);
  });

  it('refuses contradictory flags with one sentence', async () => {
    const refused = async (args: string[], re: RegExp) => {
      const run = await calibrateCli(args);
      assert.ok(run.error instanceof UserError, `${args.join(' ')}: ${String(run.error)}`);
      assert.match((run.error as Error).message, re);
      assert.deepEqual(run.lines, [], 'nothing ran');
    };
    await refused(
      ['--ticker', 'BTC', '--tickers', 'BTC,ETH'],
      /^pass --ticker .* or --tickers .*, not both\.$/,
    );
    await refused(['--tickers', 'BTC,ETH', '--out', 'x.json'], /^--out names one file; .* --out-dir DIR/);
    await refused(['--tickers', 'BTC,ETH,btc'], /^--tickers BTC,ETH,BTC names a coin twice/);
    await refused(
      ['--ticker', 'BTC', '--out', 'x.json', '--out-dir', 'd'],
      /^pass --out FILE .* or --out-dir DIR/,
    );
  });

  it('exits 2 from the command line with a sentence and no stack trace', async () => {
    const cli = spawnCli([
      'calibrate',
      '--data',
      data,
      '--tickers',
      'SOL,DOGE',
      '--out-dir',
      join(root, 'none'),
    ]);
    assert.equal(await cli.exit, 2);
    assert.match(cli.err(), /hlmm: no coin of SOL,DOGE could be calibrated/);
    assert.doesNotMatch(cli.err(), /\n\s+at /);
  });
});

describe('coin threads and report names', () => {
  it('uses --workers threads in all, else the cores, never more than the coins', () => {
    assert.equal(coinThreads(3, undefined, 2), 2);
    assert.equal(coinThreads(2, undefined, 8), 2);
    assert.equal(coinThreads(4, 3, 2), 3);
    assert.equal(coinThreads(2, 1, 8), 1);
    assert.equal(coinThreads(1, 6, 8), 1);
  });
  it('puts the coin before the report’s extension', () => {
    assert.equal(reportPathFor('out/cal.html', 'BTC'), 'out/cal_BTC.html');
    assert.equal(reportPathFor('report', 'ETH'), 'report_ETH');
    assert.equal(reportPathFor('a.b/c.x.html', 'SOL'), 'a.b/c.x_SOL.html');
  });
});
