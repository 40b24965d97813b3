import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dailyPctFromSigma } from '../../src/model/units.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';

// Runs the real CLI, ./bin/hlmm (the production bundle: test/support/hlmm-cli.ts).
function hlmm(args: string[]) {
  const run = spawnSync(process.execPath, [...HLMM_ARGV, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const PARAMS = ['--gamma', '0.00001', '--sigma', '3', '--A', '1', '--k', '0.5'];
const tmp = mkdtempSync(join(tmpdir(), 'hlmm-bt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('hlmm backtest on the bundled BTC sample', () => {
  for (const mode of ['two-sided', 'long-only']) {
    it(`--mode ${mode} --json prints one JSON object with the contract fields`, () => {
      const r = hlmm([
        'backtest',
        '--data',
        'data/sample',
        '--ticker',
        'BTC',
        ...PARAMS,
        '--mode',
        mode,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const j = JSON.parse(lines[0]);
      for (const key of [
        'events',
        'fills',
        'buy_fills',
        'sell_fills',
        'pnl',
        'fees',
        'final_position',
        'max_abs_position',
        'sharpe',
        'max_drawdown',
      ]) {
        assert.ok(key in j, `missing ${key}`);
      }
      assert.ok(j.events > 39_000);
      assert.ok(j.fills > 0);
      assert.equal(j.fills, j.buy_fills + j.sell_fills);
      assert.equal(j.strategy, `as-${mode}`);
      assert.ok(Math.abs(j.pnl - (j.spread_capture + j.inventory_pnl - j.fees)) < 0.01);
      assert.ok(Math.abs(j.pnl - (j.cash + j.final_position * j.last_mid)) < 0.01);
      assert.match(r.stderr, /skipped 5 malformed rows/); // the sample has 5 unpaired BBO rows
    });
  }

  it('--report writes a self-contained HTML file and the text summary names it', () => {
    const file = join(tmp, 'bt.html');
    const r = hlmm([
      'backtest',
      ...PARAMS,
      '--queue',
      'prob',
      '--from',
      '2025-09-02',
      '--to',
      '2025-09-03',
      '--report',
      file,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backtest BTC as-two-sided: 2025-09-02T/);
    assert.match(r.stdout, /report +.*bt\.html/);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /<!doctype html>/);
    assert.ok(html.includes('uPlot'), 'uPlot inlined');
    assert.ok(!/<script[^>]+src=/.test(html), 'no external script');
    assert.ok(html.includes('Mid price, our resting quotes and fills'));
  });

  it('--from/--to select a period (a date alone in --to includes that day)', () => {
    const r = hlmm(['backtest', ...PARAMS, '--from', '2025-09-03', '--to', '2025-09-03', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.start.startsWith('2025-09-03'));
    assert.ok(j.end.startsWith('2025-09-03'));
  });

  it('--params reads a calibration file (flags override it) and refuses one for another ticker', () => {
    const file = join(tmp, 'params_BTC.json');
    const paramsFile = (ticker: string) => ({
      ticker,
      timestamp: '2025-09-07T00:00:00Z',
      units: { sigma: 'USDC/sqrt(s)' },
      market_data: {
        mid_price: 110_000,
        sigma: 3,
        sigma_daily_pct: dailyPctFromSigma(3, 110_000),
        A: 1,
        k: 0.5,
      },
      optimal_parameters: { gamma: 0.00001 },
      days: [],
    });
    writeFileSync(file, JSON.stringify(paramsFile('BTC')));
    const r = hlmm(['backtest', '--params', file, '--gamma', '0.00002', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).settings.params, { sigma: 3, A: 1, k: 0.5, gamma: 0.00002 });
    writeFileSync(file, JSON.stringify(paramsFile('ETH')));
    const wrong = hlmm(['backtest', '--params', file]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /parameters are for ETH but --ticker is BTC/);
  });

  it("--ticker takes the config's coins.<TICKER> lot and limits, as --tickers does", () => {
    const cfg = join(tmp, 'coins.json');
    // Lower case on purpose: the backtest upper-cases the ticker and the entry is found ignoring case.
    writeFileSync(cfg, JSON.stringify({ coins: { btc: { order_size: 0.002, max_position_lots: 2 } } }));
    const fills = join(tmp, 'coin-fills.csv');
    const r = hlmm([
      'backtest',
      '--config',
      cfg,
      '--ticker',
      'BTC',
      ...PARAMS,
      '--from',
      '2025-09-02',
      '--to',
      '2025-09-03',
      '--fills-out',
      fills,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.settings.order_size, 0.002);
    assert.equal(j.settings.max_position_lots, 2);
    assert.ok(j.max_abs_position <= 0.004 + 1e-12, `max |position| ${j.max_abs_position} within 2 lots`);
    const sizes = readFileSync(fills, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[3]));
    assert.ok(sizes.length > 0, 'it filled');
    assert.equal(Math.max(...sizes), 0.002, 'its orders are one coins.btc lot');
  });

  it('missing parameters: one clear sentence, exit 2', () => {
    const r = hlmm(['backtest', '--gamma', '0.1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^hlmm: missing --sigma, --A, --k: pass --params FILE/);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });

  it('bad flag values and an empty period are user errors', () => {
    assert.equal(hlmm(['backtest', ...PARAMS, '--queue', 'fifo']).code, 2);
    const empty = hlmm(['backtest', ...PARAMS, '--from', '2030-01-01']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no BTC market events in the chosen period/);
    const noData = hlmm(['backtest', ...PARAMS, '--data', join(tmp, 'nowhere')]);
    assert.equal(noData.code, 2);
    assert.ok(!noData.stderr.includes('    at '));
  });
});
