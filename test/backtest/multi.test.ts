import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BacktestResult } from '../../src/backtest/backtest.ts';
import { type CoinBacktestConfig, runMultiBacktest } from '../../src/backtest/multi.ts';
import { runBacktest } from '../../src/backtest/run.ts';
import { backtestConfigFor } from '../../src/backtest/settings.ts';
import { defaultConfig } from '../../src/config/load-config.ts';
import { runSettings } from '../../src/config/run-settings.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';
import {
  AccountRisk,
  accountKillReason,
  exceedsAccountNotional,
  NO_ACCOUNT_LIMITS,
} from '../../src/engine/account-risk.ts';
import { knownPerpInstrument } from '../../src/exchange/hyperliquid/universe.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';
import { paramsFileFor } from '../support/multi-coin-market.ts';

// Two synthetic coins with known σ, A, k (hlmm synth), three hours each at 1 s mid steps, the same span.
const root = mkdtempSync(join(tmpdir(), 'hlmm-multi-'));
after(() => rmSync(root, { recursive: true, force: true }));
const COINS = {
  BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed: 11 },
  ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: 12 },
} as const;
const START = Date.UTC(2025, 0, 1, 1);

before(async () => {
  for (const [ticker, c] of Object.entries(COINS))
    await writeSynthMarket({
      ...c,
      outDir: root,
      ticker,
      days: 1,
      durationS: 3 * 3600,
      stepMs: 1000,
      startMs: START,
    });
});

const settings = runSettings(defaultConfig(), { horizon: '3600', wallet: 1000 });
const coinCfg = (ticker: keyof typeof COINS): CoinBacktestConfig => {
  const c = COINS[ticker];
  const instrument = knownPerpInstrument(ticker);
  assert.ok(instrument !== null);
  return {
    ticker,
    cfg: backtestConfigFor(settings, {
      params: { sigma: c.sigma, A: c.A, k: c.k, gamma: 1e-4 },
      instrument,
      coin: ticker,
      keepFills: true,
    }),
  };
};

const same = (a: BacktestResult, b: BacktestResult, what: string) => {
  assert.ok(b.fills > 0, `${what}: the single-coin run fills`);
  assert.equal(a.fills, b.fills, `${what} fills`);
  assert.deepEqual(a.fillRecords, b.fillRecords, `${what} fill records`);
  assert.equal(a.pnlQuote, b.pnlQuote, `${what} pnl`);
  assert.equal(a.ordersPlaced, b.ordersPlaced, `${what} orders`);
  assert.equal(a.cancels, b.cancels, `${what} cancels`);
  assert.equal(a.events, b.events, `${what} events`);
  assert.deepEqual(a.pulledSeconds, b.pulledSeconds, `${what} withheld`);
  assert.equal(a.killSwitch, b.killSwitch, `${what} kill switch`);
};

describe('account risk rules (hand-computed)', () => {
  it('kill reason: drawdown first, then the day loss; at the limit trips, below does not', () => {
    const l = { maxTotalNotionalQuote: null, maxDrawdownQuote: 10, dailyLossLimitQuote: 5 };
    assert.equal(accountKillReason(l, 9.99, 4.99), null);
    assert.equal(
      accountKillReason(l, 10, 7),
      'account drawdown 10.00 USDC reached the account limit 10 USDC',
    );
    assert.equal(
      accountKillReason(l, 6, 5),
      'account loss today 5.00 USDC reached the account daily limit 5 USDC',
    );
    assert.equal(accountKillReason(NO_ACCOUNT_LIMITS, 1e9, 1e9), null);
  });
  it('total notional: others 600 + this coin 400 = 1000 is at the limit (allowed), 400.01 is over', () => {
    assert.equal(exceedsAccountNotional(1000, 600, 400), false);
    assert.equal(exceedsAccountNotional(1000, 600, 400.01), true);
  });
  it('account equity = one balance + Σ coin PnL; peak, drawdown and trip on every coin', () => {
    const pnl = { A: 0, B: 0 };
    const tripped: string[] = [];
    const risk = new AccountRisk(
      { maxTotalNotionalQuote: null, maxDrawdownQuote: 8, dailyLossLimitQuote: null },
      1000,
    );
    for (const coin of ['A', 'B'] as const)
      risk.add({
        coin,
        pnlQuote: () => pnl[coin],
        notionalQuote: () => (coin === 'A' ? 300 : 200),
        tripKillSwitch: (r) => tripped.push(`${coin}: ${r}`),
      });
    assert.equal(risk.othersNotionalQuote('A'), 200);
    pnl.A = 5;
    pnl.B = 2;
    let s = risk.evaluate(START);
    assert.equal(s.equityQuote, 1007);
    assert.equal(s.peakEquityQuote, 1007);
    assert.equal(s.maxTotalNotionalQuote, 500);
    pnl.B = -5; // equity 1000: drawdown 7 < 8
    s = risk.evaluate(START + 1000);
    assert.equal(s.drawdownQuote, 7);
    assert.equal(s.dayLossQuote, 7, 'the day started at the first evaluation, 1007');
    assert.deepEqual(tripped, []);
    pnl.A = 4; // equity 999: drawdown 8 = the limit
    risk.evaluate(START + 2000);
    assert.deepEqual(tripped, [
      'A: account drawdown 8.00 USDC reached the account limit 8 USDC',
      'B: account drawdown 8.00 USDC reached the account limit 8 USDC',
    ]);
    risk.evaluate(START + 3000);
    assert.equal(tripped.length, 2, 'trips once');
  });
});

describe('hlmm backtest --tickers: several coins, one clock, one account', () => {
  it('each coin equals its single-coin backtest when the account limits do not bind', async () => {
    const multi = await runMultiBacktest({
      dataDir: root,
      coins: [coinCfg('BTC'), coinCfg('ETH')],
      account: NO_ACCOUNT_LIMITS,
      startingBalanceQuote: 1000,
    });
    for (const [i, ticker] of (['BTC', 'ETH'] as const).entries()) {
      const single = await runBacktest({ ...coinCfg(ticker).cfg, dataDir: root, ticker });
      const m = multi.coins[i];
      assert.ok(m !== undefined);
      assert.equal(m.ticker, ticker);
      same(m, single, ticker);
    }
    const a = multi.account;
    assert.equal(a.killSwitch, null);
    assert.equal(a.fills, multi.coins[0].fills + multi.coins[1].fills);
    assert.ok(Math.abs(a.pnlQuote - (multi.coins[0].pnlQuote + multi.coins[1].pnlQuote)) < 1e-9);
    assert.ok(Math.abs(a.final.equityQuote - (1000 + a.pnlQuote)) < 1e-6, 'equity = balance + Σ pnl');
    assert.ok(a.maxTotalNotionalQuote > 0);
  });

  it('the account kill switch pulls every coin when it binds', async () => {
    const multi = await runMultiBacktest({
      dataDir: root,
      coins: [coinCfg('BTC'), coinCfg('ETH')],
      // A 2-cent drawdown: the account's first adverse move trips it.
      account: { maxTotalNotionalQuote: null, maxDrawdownQuote: 0.02, dailyLossLimitQuote: null },
      startingBalanceQuote: 1000,
    });
    const a = multi.account;
    assert.ok(a.killSwitch?.startsWith('account drawdown'), String(a.killSwitch));
    const at = a.killSwitchAtMs as number;
    for (const r of multi.coins) {
      assert.equal(r.killSwitch, a.killSwitch, `${r.ticker} carries the account's reason`);
      assert.ok((r.pulledSeconds['kill-switch'] ?? 0) > 3600, `${r.ticker} withheld after the trip`);
      // Nothing new after the trip: only an order already resting (cancel in flight) may still fill.
      const late = r.fillRecords.filter((f) => f.tMs > at + r.config.cancelLatencyMs);
      assert.deepEqual(late, [], `${r.ticker} fills after the kill switch`);
    }
  });

  it('the account notional limit withholds the sides that would take the account over', async () => {
    const free = await runMultiBacktest({
      dataDir: root,
      coins: [coinCfg('BTC'), coinCfg('ETH')],
      account: NO_ACCOUNT_LIMITS,
      startingBalanceQuote: 1000,
    });
    const limit = free.account.maxTotalNotionalQuote / 3;
    const capped = await runMultiBacktest({
      dataDir: root,
      coins: [coinCfg('BTC'), coinCfg('ETH')],
      account: { maxTotalNotionalQuote: limit, maxDrawdownQuote: null, dailyLossLimitQuote: null },
      startingBalanceQuote: 1000,
    });
    const withheld = capped.coins.reduce((s, r) => s + (r.pulledSeconds['account notional'] ?? 0), 0);
    assert.ok(withheld > 0, 'some side was withheld for the account notional');
    // Each coin checks against the others' position now; two fills landing together can pass it by one order each.
    const oneOrderEach = 0.001 * 110_000 + 12; // a BTC lot, an ETH order sized to the venue minimum (10 USDC)
    assert.ok(
      capped.account.maxTotalNotionalQuote <= limit + oneOrderEach,
      `${capped.account.maxTotalNotionalQuote} vs limit ${limit}`,
    );
  });
});

describe('hlmm backtest --tickers: the account margin limit, as paper trading estimates it', () => {
  const run = (leverage: number, maxMarginQuote: number | null) =>
    runMultiBacktest({
      dataDir: root,
      coins: [
        { ...coinCfg('BTC'), leverage },
        { ...coinCfg('ETH'), leverage },
      ],
      account: { ...NO_ACCOUNT_LIMITS, maxMarginQuote },
      startingBalanceQuote: 1000,
    });

  it('margin in use is Σ |position| × mid ÷ leverage: twice as much at 10× as at 20× on the same fills', async () => {
    const at20 = await run(20, null);
    const at10 = await run(10, null);
    const m20 = at20.account.final.maxMarginUsedQuote as number;
    const m10 = at10.account.final.maxMarginUsedQuote as number;
    assert.ok(m20 > 0, 'some position was held');
    assert.ok(Math.abs(m10 - 2 * m20) < 1e-9 * m10, `${m10} vs 2 × ${m20}`);
    // The largest total notional over the run, divided by the leverage, bounds the largest margin.
    assert.ok(m20 <= at20.account.maxTotalNotionalQuote / 20 + 1e-9);
    assert.deepEqual(
      at20.coins.map((c) => c.leverage),
      [20, 20],
    );
    assert.equal(at20.account.fills, at10.account.fills, 'no limit: the leverage changes no fill');
  });

  it('at the limit no coin adds to its position; the reducing side stays', async () => {
    // One BTC lot (0.001 × ≈ 100 000) at 10× ties up ≈ 10 USDC: a 10 USDC limit binds after the first BTC fill.
    const free = await run(10, null);
    const capped = await run(10, 10);
    const withheld = capped.coins.reduce((s, r) => s + (r.pulledSeconds['account margin'] ?? 0), 0);
    assert.ok(withheld > 0, 'some side was withheld for the account margin');
    // Two fills landing together may each pass it by one order: a BTC lot (≈ 11 USDC at 10×) and an ETH order
    // at the venue's 10 USDC minimum (≈ 1.2 USDC at 10×).
    const maxMargin = capped.account.final.maxMarginUsedQuote as number;
    assert.ok(maxMargin <= 10 + 11 + 1.2, `${maxMargin}`);
    assert.ok(
      maxMargin < (free.account.final.maxMarginUsedQuote as number),
      'the limit held the margin down',
    );
    const btc = capped.coins[0];
    assert.ok(btc !== undefined && btc.maxAbsPositionLots <= 2, `BTC ${btc?.maxAbsPositionLots} lots`);
    assert.ok(
      btc.maxAbsPositionLots < (free.coins[0]?.maxAbsPositionLots ?? 0),
      'BTC held less than unlimited',
    );
  });
});

// The real CLI, ./bin/hlmm (as test/backtest/cli.test.ts).
function hlmm(args: string[]) {
  const run = spawnSync(process.execPath, [...HLMM_ARGV, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('hlmm backtest --tickers (command line)', () => {
  const pdir = join(root, 'params');
  const paramsFile = (ticker: keyof typeof COINS, fileTicker: string = ticker) => ({
    ...paramsFileFor(ticker, COINS[ticker]),
    ticker: fileTicker,
  });
  before(() => {
    mkdirSync(pdir, { recursive: true });
    writeFileSync(join(pdir, 'params_BTC.json'), JSON.stringify(paramsFile('BTC')));
    writeFileSync(join(pdir, 'params_ETH.json'), JSON.stringify(paramsFile('ETH')));
  });

  it('per-coin results and the account total; a coin without parameters does not quote, the others go on', () => {
    const common = ['--data', root, '--horizon', '3600', '--no-latency-sweep', '--json'];
    const r = hlmm(['backtest', '--tickers', 'BTC,ETH,SOL', '--params-dir', pdir, ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /SOL does not quote: .*params_SOL\.json: parameters file not found/);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j.coins), ['BTC', 'ETH']);
    assert.match(j.skipped.SOL, /params_SOL\.json/);
    const btc = hlmm(['backtest', '--ticker', 'BTC', '--params', join(pdir, 'params_BTC.json'), ...common]);
    assert.equal(btc.code, 0, btc.stderr);
    const single = JSON.parse(btc.stdout);
    for (const key of ['pnl', 'fills', 'orders_placed', 'fees', 'max_drawdown', 'final_position'])
      assert.deepEqual(j.coins.BTC[key], single[key], key);
    assert.ok(j.coins.BTC.fills > 0 && j.coins.ETH.fills > 0);
    assert.ok(Math.abs(j.account.pnl - (j.coins.BTC.pnl + j.coins.ETH.pnl)) < 1e-5);
    assert.equal(j.account.fills, j.coins.BTC.fills + j.coins.ETH.fills);
    assert.equal(j.account.kill_switch, null);
  });

  it('text output, the account kill switch flag, a refused file, and --fills-out per coin', () => {
    writeFileSync(join(pdir, 'params_SOL.json'), JSON.stringify(paramsFile('ETH', 'ETH')));
    const fills = join(root, 'fills.csv');
    const r = hlmm([
      'backtest',
      '--tickers',
      'BTC,ETH,SOL',
      '--params-dir',
      pdir,
      '--data',
      root,
      '--horizon',
      '3600',
      '--no-latency-sweep',
      '--account-kill-drawdown',
      '0.02',
      '--fills-out',
      fills,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /SOL does not quote: .*holds parameters for ETH, not SOL/);
    assert.match(r.stdout, /^backtest BTC /m);
    assert.match(r.stdout, /^backtest ETH /m);
    assert.match(r.stdout, /^account pnl {7}-?\d/m);
    assert.match(r.stdout, /^account kill {6}account drawdown .* every coin pulled$/m);
    assert.match(r.stdout, /^not quoted {8}SOL: /m);
    for (const t of ['BTC', 'ETH'])
      assert.match(readFileSync(join(root, `fills_${t}.csv`), 'utf8').split('\n')[0] ?? '', /side/);
  });

  it("per-coin settings: coins.ETH.order_size sizes ETH's orders, BTC keeps the shared lot", () => {
    const cfgFile = join(root, 'coins.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({ coins: { ETH: { order_size: 0.01, max_position_lots: 4, max_notional_usdc: 500 } } }),
    );
    const fills = join(root, 'coin-fills.csv');
    const common = ['--data', root, '--horizon', '3600', '--no-latency-sweep', '--params-dir', pdir];
    const r = hlmm([
      'backtest',
      '--config',
      cfgFile,
      '--tickers',
      'BTC,ETH',
      ...common,
      '--json',
      '--fills-out',
      fills,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.coins.ETH.settings.order_size, 0.01);
    assert.equal(j.coins.ETH.settings.risk.max_position_lots, 4);
    assert.equal(j.coins.ETH.settings.risk.max_notional, 500);
    assert.equal(j.coins.ETH.settings.risk.max_order_size, null, "one of ETH's own lots");
    assert.equal(j.coins.BTC.settings.order_size, 0.001);
    const sizes = (t: string) =>
      readFileSync(join(root, `coin-fills_${t}.csv`), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(',')[3]));
    const eth = sizes('ETH');
    assert.ok(eth.length > 0, 'ETH filled');
    // Orders are one 0.01 lot each (a fill may take part of one).
    assert.equal(Math.max(...eth), 0.01, 'the largest ETH fill is one whole 0.01 lot');
    assert.ok(eth.filter((sz) => sz === 0.01).length > eth.length / 2, 'most ETH fills are whole lots');
    // |position| ≤ 4 lots of 0.01 ETH.
    const positions = readFileSync(join(root, 'coin-fills_ETH.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Math.abs(Number(line.split(',')[6])));
    assert.ok(
      Math.max(...positions) <= 0.04 + 1e-12,
      `ETH position within 4 lots: ${Math.max(...positions)}`,
    );
    // BTC is unchanged by ETH's entry: the same as without the config.
    const plain = JSON.parse(hlmm(['backtest', '--tickers', 'BTC,ETH', ...common, '--json']).stdout);
    for (const key of ['pnl', 'fills', 'orders_placed', 'final_position'])
      assert.deepEqual(j.coins.BTC[key], plain.coins.BTC[key], key);
    assert.equal(Math.max(...sizes('BTC')), 0.001, "BTC's orders stay one 0.001 lot");
  });

  it('a coins entry with a bad key is one sentence naming it', () => {
    const cfgFile = join(root, 'bad-coins.json');
    writeFileSync(cfgFile, JSON.stringify({ coins: { ETH: { order_sise: 0.01 } } }));
    const r = hlmm(['backtest', '--config', cfgFile, '--tickers', 'BTC,ETH', '--data', root]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /unknown key "coins\.ETH\.order_sise" \(did you mean "coins\.ETH\.order_size"\?\)/,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it("--account-max-margin and --leverage: the limit and each coin's leverage in the JSON; a leverage over the maximum refused", () => {
    const common = ['--data', root, '--params-dir', pdir, '--horizon', '3600', '--no-latency-sweep'];
    const r = hlmm([
      'backtest',
      '--tickers',
      'BTC,ETH',
      ...common,
      '--account-max-margin',
      '10',
      '--leverage',
      '10',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.account.limits.max_margin, 10);
    assert.equal(j.coins.BTC.leverage, 10);
    assert.equal(j.coins.ETH.leverage, 10);
    assert.ok(typeof j.account.max_margin_used === 'number' && j.account.max_margin_used > 0);
    assert.ok(
      (j.coins.BTC.pulled_seconds['account margin'] ?? 0) +
        (j.coins.ETH.pulled_seconds['account margin'] ?? 0) >
        0,
    );
    const over = hlmm(['backtest', '--tickers', 'BTC,ETH', ...common, '--leverage', '60']);
    assert.equal(over.code, 2);
    assert.match(
      over.stderr,
      /^hlmm: --leverage 60: BTC allows at most 50× on Hyperliquid; use --leverage 50 or less\.\n$/,
    );
  });

  it('one clear sentence for flags that belong to one coin', () => {
    const r = hlmm(['backtest', '--tickers', 'BTC,ETH', '--data', root, '--sigma', '3']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^hlmm: --sigma is for one coin; with --tickers/);
    const both = hlmm(['backtest', '--tickers', 'BTC,ETH', '--ticker', 'BTC', '--data', root]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
  });
});
