import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MarketTape } from '../../src/api/candles.ts';
import { roundTrips } from '../../src/store/round-trips.ts';
import {
  BotDouble,
  quotesAt,
  startTestServer,
  TEST_PASSWORD,
  TEST_USER,
  type TestServer,
} from '../support/api-bot-double.ts';
import {
  MULTI_PASSWORD,
  MULTI_TICKERS,
  MULTI_USER,
  startMultiBot,
  writeMultiReplay,
} from '../support/multi-coin-bot.ts';
import { until } from '../support/wait.ts';

/**
 * Freqtrade's own REST client (freqtrade_client.FtRestClient, Python) against an hlmm API: every call answers
 * without an error and with the shape the client's users read. The client comes from a Freqtrade checkout:
 * HLMM_FT_CLIENT_DIR (the folder holding `freqtrade_client/`), or a fetched mirror of github:freqtrade/freqtrade
 * (HLMM_FT_MIRROR, a bare git directory) from which ft_client/ is extracted. Without Python + requests or a
 * client, the suite is skipped and says why.
 */
const run = promisify(execFile);

function clientDir(): string | null {
  const dir = process.env.HLMM_FT_CLIENT_DIR;
  if (dir) return existsSync(join(dir, 'freqtrade_client')) ? dir : null;
  const mirror = process.env.HLMM_FT_MIRROR ?? '/work/.mirror/freqtrade+freqtrade/repo';
  if (!existsSync(mirror)) return null;
  const out = mkdtempSync(join(tmpdir(), 'ft-client-'));
  const archive = spawnSync('git', ['--git-dir', mirror, 'archive', 'HEAD', 'ft_client/freqtrade_client'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (archive.status !== 0) return null;
  const untar = spawnSync('tar', ['-x', '-C', out], { input: archive.stdout });
  return untar.status === 0 ? join(out, 'ft_client') : null;
}

const hasPython = spawnSync('python3', ['-c', 'import requests']).status === 0;
const dir = hasPython ? clientDir() : null;
const skip = !hasPython
  ? 'python3 with requests is not installed'
  : dir === null
    ? 'no freqtrade_client found (set HLMM_FT_CLIENT_DIR)'
    : false;

const DAY = 86_400_000;
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 3_600_000;

describe("Freqtrade's REST client against hlmm", { skip }, () => {
  let s: TestServer;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, checked field by field
  const answers = new Map<string, { answer?: any; error?: string }>();

  before(async () => {
    const view = new BotDouble({ startedMs: T0 - 1000 });
    view.accountState = {
      ...view.accountState,
      positionBase: 0.01,
      mid: 100_050,
      bbo: { exchMs: T0, recvS: 0, bidPx: 100_045, bidSz: 1, askPx: 100_055, askSz: 1 },
    };
    view.orders = [{ oid: 7, cloid: null, side: 'sell', px: 100_060, sz: 0.01, filledSz: 0, createdMs: T0 }];
    view.quotesState = quotesAt(100_050);
    const tape = new MarketTape();
    tape.market({ kind: 'trade', exchMs: T0, recvS: 0, px: 100_000, sz: 0.5, side: 'buy', tid: 1 });
    tape.quote(quotesAt(100_000), T0 + 1000);
    s = await startTestServer({ view, tape });
    const fills = [
      ['buy', 100_000, 0.01],
      ['sell', 100_100, 0.01],
      ['sell', 100_200, 0.02],
      ['buy', 100_300, 0.02],
      ['buy', 100_000, 0.01],
    ] as const;
    fills.forEach(([side, px, sz], i) => {
      s.store.recordFill({
        tid: i + 1,
        coin: 'BTC',
        oid: i + 1,
        cloid: null,
        side,
        px,
        sz,
        feeQuote: 0.1,
        liquidity: 'maker',
        tsMs: T0 + i * 60_000,
      });
    });
    const script = new URL('../support/ft-client-drive.py', import.meta.url).pathname;
    const { stdout } = await run('python3', [script, dir as string, s.server.url, TEST_USER, TEST_PASSWORD], {
      timeout: 60_000,
    });
    for (const line of stdout.trim().split('\n')) {
      const r = JSON.parse(line);
      answers.set(r.call, r);
    }
  });
  after(async () => {
    await s?.close();
  });

  it('every call answers without an error or an error body', () => {
    assert.equal(answers.size, 36);
    for (const [call, r] of answers) {
      assert.equal(r.error, undefined, `${call}: ${r.error}`);
      const a = r.answer;
      assert.ok(a !== null && a !== undefined, `${call}: no answer`);
      if (!Array.isArray(a)) assert.equal(a.detail, undefined, `${call}: ${JSON.stringify(a)}`);
    }
  });

  it('reads what the client’s users read', () => {
    const a = (k: string) => answers.get(k)?.answer;
    assert.deepEqual(a('ping'), { status: 'pong' });
    assert.equal(a('show_config').api_version, 2.4);
    assert.equal(a('daily').data.length, 400);
    assert.equal(a('weekly').data.length, 4);
    assert.equal(a('monthly').data.length, 3);
    assert.equal(a('trades').trades_count, 2);
    assert.equal(a('trade').trade_id, 1);
    assert.equal(a('trade').current_rate, 100_100);
    assert.equal(a('status')[0].has_open_orders, true);
    assert.equal(a('entries')[0].enter_tag, 'market_making');
    assert.equal(a('exits')[0].exit_reason, 'flat');
    assert.ok(a('pair_candles').columns.includes('reservation_price'));
    assert.equal(a('pair_candles').length, 1);
    assert.ok('our_bid' in a('plot_config').main_plot);
    assert.deepEqual(a('strategies'), { strategies: ['AvellanedaStoikov'] });
    assert.match(a('forceenter').status, /Created entry order: buy 0.002 at 100000/);
    assert.equal(a('cancel_open_order').has_open_orders, false);
    assert.equal(a('delete_trade').result, 'success');
    assert.match(a('stopbuy').status, /No more entries/);
    assert.equal(a('start').status, 'starting trader ...');
    assert.equal(a('stop').status, 'stopping trader ...');
  });
});

describe("Freqtrade's REST client against a three-coin bot (hlmm trade --tickers)", { skip }, () => {
  let bot: Awaited<ReturnType<typeof startMultiBot>>;
  let replay: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, checked field by field
  const answers = new Map<string, { answer?: any; error?: string }>();
  const pairs = MULTI_TICKERS.map((t) => `${t}/USDC:USDC`);

  before(async () => {
    replay = await writeMultiReplay();
    bot = await startMultiBot(replay);
    await until('a closed round trip on every coin', () =>
      MULTI_TICKERS.every((t) => roundTrips(bot.store.allFills(t)).some((x) => !x.isOpen)),
    );
    const script = new URL('../support/ft-client-drive.py', import.meta.url).pathname;
    const { stdout } = await run(
      'python3',
      [script, dir as string, bot.apiUrl as string, MULTI_USER, MULTI_PASSWORD, pairs.join(',')],
      { timeout: 60_000 },
    );
    for (const line of stdout.trim().split('\n')) {
      const r = JSON.parse(line);
      answers.set(r.call, r);
    }
  });
  after(async () => {
    await bot?.stop('test done');
    if (bot) rmSync(bot.dir, { recursive: true, force: true });
    if (replay) rmSync(replay, { recursive: true, force: true });
  });

  it('every call answers without an error, and the answers cover every pair', () => {
    assert.equal(answers.size, 15 + 2 * pairs.length + 3);
    for (const [call, r] of answers) {
      assert.equal(r.error, undefined, `${call}: ${r.error}`);
      const a = r.answer;
      assert.ok(a !== null && a !== undefined, `${call}: no answer`);
      if (!Array.isArray(a)) assert.equal(a.detail, undefined, `${call}: ${JSON.stringify(a)}`);
    }
    const a = (k: string) => answers.get(k)?.answer;
    assert.deepEqual(a('whitelist').whitelist, pairs);
    assert.equal(a('show_config').max_open_trades, 3);
    assert.deepEqual(a('available_pairs').pairs, pairs);
    const tradedPairs = new Set(a('trades').trades.map((t: { pair: string }) => t.pair));
    assert.deepEqual([...tradedPairs].sort(), [...pairs].sort(), 'closed trades of every pair');
    assert.deepEqual(
      a('performance')
        .map((r: { pair: string }) => r.pair)
        .sort(),
      [...pairs].sort(),
    );
    for (const p of pairs) {
      assert.equal(a(`pair_candles ${p}`).pair, p);
      assert.ok(a(`pair_candles ${p}`).length >= 1, `${p}: candles`);
      assert.equal(a(`exits ${p}`)[0].exit_reason, 'flat');
    }
    assert.equal(a('stop').status, 'stopping trader ...');
    assert.equal(a('start').status, 'starting trader ...');
  });
});
