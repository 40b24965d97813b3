/**
 * The operations of the several-coin paper bot, end to end in process against the in-process fake exchange:
 * per-coin order sizes (config `coins`), `--collect` recording every coin, alerts naming their coin, and each
 * coin's daily re-calibration writing its own parameters file, which its watcher hot-reloads.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findMarketFiles } from '../../src/data/layout.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';
import { loadParamsFile } from '../../src/model/params-file.ts';
import { dailyPctFromSigma } from '../../src/model/units.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { startMultiTrading } from '../../src/trade/run-multi-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';
import { until } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-multi-ops-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
/** Two full UTC days per coin, sparse (calibration needs two complete days): what a collector would have. */
const recorded = join(root, 'recorded');
const COINS = {
  BTC: { sigma: 3, A: 0.5, k: 0.3, tickSize: 1, startMid: 100_000, seed: 31 },
  ETH: { sigma: 0.3, A: 0.5, k: 3, tickSize: 0.1, startMid: 3000, seed: 32 },
  BNB: { sigma: 0.1, A: 0.5, k: 10, tickSize: 0.01, startMid: 600, seed: 33 },
} as const;
type Coin = keyof typeof COINS;

const paramsJson = (ticker: Coin, sigmaFactor = 1) => {
  const c = COINS[ticker];
  const sigma = c.sigma * sigmaFactor;
  return JSON.stringify({
    ticker,
    timestamp: '2025-01-02T00:00:00Z',
    units: { sigma: 'USDC/sqrt(s)' },
    market_data: {
      mid_price: c.startMid,
      sigma,
      sigma_daily_pct: dailyPctFromSigma(sigma, c.startMid),
      A: c.A,
      k: c.k,
    },
    optimal_parameters: { gamma: 1e-4 },
    days: [],
  });
};

before(async () => {
  for (const [ticker, c] of Object.entries(COINS)) {
    await writeSynthMarket({
      ...c,
      outDir: replay,
      ticker,
      days: 1,
      durationS: 3600,
      stepMs: 1000,
      startMs: Date.UTC(2025, 0, 1, 1),
    });
    if (ticker !== 'BNB')
      await writeSynthMarket({
        ...c,
        A: 0.05,
        outDir: recorded,
        ticker,
        days: 2,
        stepMs: 20_000,
        startMs: Date.UTC(2025, 0, 1),
      });
  }
});

function botDir(tickers: readonly Coin[], config: object, sigmaFactor = 1) {
  const dir = mkdtempSync(join(root, 'bot-'));
  const pdir = join(dir, 'params');
  mkdirSync(pdir);
  for (const t of tickers) writeFileSync(join(pdir, `params_${t}.json`), paramsJson(t, sigmaFactor));
  const cfgFile = join(dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  return { dir, pdir, cfgFile };
}

function start(
  b: { dir: string; pdir: string; cfgFile: string },
  tickers: Coin[],
  extra: Partial<TradeCommandOptions> = {},
) {
  return startMultiTrading(
    {
      config: b.cfgFile,
      replay,
      loop: true,
      speed: 300,
      db: join(b.dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(b.dir, 'bot.jsonl'),
      resetPaper: true,
      horizon: '3600',
      paramsDir: b.pdir,
      ...extra,
    },
    tickers,
    { handleSignals: false, cliArgv: [...HLMM_ARGV] },
  );
}

/** A webhook receiver that keeps every JSON alert. */
async function webhookReceiver(): Promise<{
  url: string;
  alerts: Record<string, unknown>[];
  server: Server;
}> {
  const alerts: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      alerts.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, alerts, server };
}

describe('hlmm trade --tickers: per-coin settings, --collect, alerts, re-calibration', () => {
  it("each coin's lot from config coins; --collect records every coin; alerts name their coin", async () => {
    const hook = await webhookReceiver();
    const market = join(root, 'market');
    const b = botDir(['BTC', 'ETH', 'BNB'], {
      // BNB's lot grid is 0.01: the shared 0.001 lot cannot quote it, its own 0.02 lot can.
      coins: { ETH: { order_size: 0.01 }, BNB: { order_size: 0.02, max_position_lots: 3 } },
      webhook: { enabled: true, url: hook.url, format: 'json', retries: 0 },
      collector: { recalibrate_daily: false },
    });
    const bot = await start(b, ['BTC', 'ETH', 'BNB'], { collect: market });
    try {
      assert.notEqual(bot.ops.collector, null);
      await until('a fill on every coin', () =>
        [...bot.engines.values()].every((e) => e.summary().fills >= 1),
      );
    } finally {
      await bot.stop('test done');
      hook.server.close();
    }
    const s = await bot.done;
    const lots = { BTC: 0.001, ETH: 0.01, BNB: 0.02 } as const;
    const store = openStore(join(b.dir, 'bot.sqlite'));
    try {
      const orders = store.recentOrders(100_000);
      for (const t of ['BTC', 'ETH', 'BNB'] as const) {
        const sizes = orders.filter((o) => o.coin === t).map((o) => o.sz);
        assert.ok(sizes.length > 0, `${t} placed orders`);
        assert.equal(Math.max(...sizes), lots[t], `${t}: its orders are its own lot`);
        const fills = store.allFills(t);
        assert.ok(
          fills.length >= 1 && fills.every((f) => f.sz <= lots[t] + 1e-12),
          `${t} fills within a lot`,
        );
      }
    } finally {
      store.close();
    }
    // BNB's max position is 3 of its 0.02 lots.
    assert.ok(Math.abs(s.coins.BNB?.position ?? 0) <= 0.06 + 1e-12);

    // --collect: the files of hlmm collect, one set per coin, with the replayed market in them.
    for (const t of ['BTC', 'ETH', 'BNB'] as const)
      for (const kind of ['prices', 'trades'] as const) {
        const files = findMarketFiles(market, kind, t);
        assert.equal(files.length, 1, `${kind} of ${t} recorded`);
        const rows =
          readFileSync(files[0] as string, 'utf8')
            .trim()
            .split('\n').length - 1;
        assert.ok(rows >= 1, `${kind}_${t}: ${rows} rows`);
      }

    // Alerts: every coin's fills and shutdown, each naming its coin.
    for (const t of ['BTC', 'ETH', 'BNB'] as const) {
      const mine = hook.alerts.filter((a) => a.coin === t);
      assert.ok(
        mine.some((a) => a.type === 'entry_fill' && String(a.message).includes(` ${t} @ `)),
        `${t}: an entry fill alert naming ${t}`,
      );
      assert.ok(
        mine.some((a) => a.type === 'shutdown' && a.pair === `${t}/USDC:USDC`),
        `${t}: its shutdown alert`,
      );
    }
  });

  it('each coin is re-calibrated from its own files into its own file, with its lot, and hot-reloaded', async () => {
    // The bot starts on parameters with σ twice the market's; the re-calibration measures the real one.
    const b = botDir(
      ['BTC', 'ETH'],
      {
        coins: { ETH: { order_size: 0.01 } },
        collector: { read_dir: recorded, recalibrate_daily: true },
      },
      2,
    );
    const bot = await start(b, ['BTC', 'ETH']);
    try {
      const recal = bot.ops.recalibration;
      assert.ok(recal !== null, 'collector.read_dir with recalibrate_daily turns it on');
      // The day change itself is the clock's (test/trade/recalibration.test.ts); here one round is run now.
      assert.deepEqual(await recal.runAll(), { BTC: true, ETH: true });
      for (const t of ['BTC', 'ETH'] as const) {
        const file = join(b.pdir, `params_${t}.json`);
        const fresh = loadParamsFile(file);
        assert.equal(fresh.ticker, t);
        assert.ok(
          Math.abs(fresh.params.sigma - COINS[t].sigma) / COINS[t].sigma < 0.1,
          `${t}: σ ${fresh.params.sigma} measured from its own recorded files`,
        );
        const written = JSON.parse(readFileSync(file, 'utf8'));
        assert.equal(
          written.quotes.order_size_base,
          t === 'ETH' ? 0.01 : 0.001,
          `${t}: calibrated with its own lot`,
        );
        await until(`${t} trades on its new parameters`, () => {
          const current = bot.engines.get(t)?.params().current;
          return current !== null && current !== undefined && current.sigma === fresh.params.sigma;
        });
      }
    } finally {
      await bot.stop('test done');
    }
    await bot.done;
  });

  it('refuses to record into the folder it replays', async () => {
    const b = botDir(['BTC'], {});
    await assert.rejects(start(b, ['BTC'], { collect: replay }), (err: Error) =>
      /^--collect .* is the --replay folder: the bot would record the replayed market into the files being replayed; record into another folder\.$/.test(
        err.message,
      ),
    );
  });
});
