import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { annualisedReturn } from '../../src/pnl/bot-summary.ts';
import { renderPnlTable } from '../../src/pnl/pnl-table.ts';
import { collectSummaries, readBotsFile } from '../../src/pnl/run-pnl.ts';
import {
  BotDouble,
  startTestServer,
  TEST_PASSWORD,
  TEST_USER,
  type TestServer,
} from '../support/api-bot-double.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 8, 20, 12, 0, 0);

/** A port nothing listens on: bind, read the port, close. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('annualised return', () => {
  it('compounds the return over 365/days; nothing under a day; −100 % when the stake is gone', () => {
    assert.ok(Math.abs((annualisedReturn(0.1, 365) as number) - 0.1) < 1e-12);
    assert.ok(Math.abs((annualisedReturn(0.21, 730) as number) - 0.1) < 1e-12);
    assert.ok(Math.abs((annualisedReturn(0.01, 36.5) as number) - (1.01 ** 10 - 1)) < 1e-12);
    assert.equal(annualisedReturn(0.01, 0.5), null);
    assert.equal(annualisedReturn(-1.2, 10), -1);
  });
});

describe('hlmm pnl against two running API servers and a dead URL', () => {
  let alpha: TestServer;
  let beta: TestServer;
  let dead: string;
  before(async () => {
    // alpha: three round trips, first fill 10 days before NOW; PnL −1.2 on 1000 (see api-freqtrade.test.ts).
    const a = new BotDouble({ botName: 'alpha' });
    a.accountState = {
      ...a.accountState,
      positionBase: 0.01,
      cashQuote: -1.7,
      equityQuote: 998.8,
      mid: 100_050,
    };
    alpha = await startTestServer({ view: a });
    const t0 = NOW - 10 * DAY;
    const fills = [
      ['buy', 100_000, 0.01, 0.1],
      ['sell', 100_100, 0.01, 0.1],
      ['sell', 100_200, 0.02, 0.2],
      ['buy', 100_300, 0.02, 0.2],
      ['buy', 100_000, 0.01, 0.1],
    ] as const;
    fills.forEach(([side, px, sz, fee], i) => {
      alpha.store.recordFill({
        tid: i + 1,
        coin: 'BTC',
        oid: i + 1,
        cloid: null,
        side,
        px,
        sz,
        feeQuote: fee,
        liquidity: 'maker',
        tsMs: t0 + i * 60_000,
      });
    });
    // beta: live, one winning round trip of +5 USDC two days before NOW.
    const b = new BotDouble({ botName: 'beta', mode: 'live' });
    b.accountState = { ...b.accountState, cashQuote: 1005, equityQuote: 1005 };
    beta = await startTestServer({ view: b });
    beta.store.recordFill({
      tid: 1,
      coin: 'BTC',
      oid: 1,
      cloid: null,
      side: 'buy',
      px: 100_000,
      sz: 0.01,
      feeQuote: 0,
      liquidity: 'maker',
      tsMs: NOW - 2 * DAY,
    });
    beta.store.recordFill({
      tid: 2,
      coin: 'BTC',
      oid: 2,
      cloid: null,
      side: 'sell',
      px: 100_500,
      sz: 0.01,
      feeQuote: 0,
      liquidity: 'maker',
      tsMs: NOW - 2 * DAY + 1000,
    });
    dead = `http://127.0.0.1:${await deadPort()}`;
  });
  after(async () => {
    await alpha.close();
    await beta.close();
  });

  it('reads each bot through the Freqtrade endpoints and reports the dead one as a row', async () => {
    const rows = await collectSummaries(
      [
        { url: alpha.server.url, user: TEST_USER, password: TEST_PASSWORD },
        { url: `${beta.server.url}/api/v1/`, user: TEST_USER, password: TEST_PASSWORD },
        { url: dead, name: 'gone' },
        { url: beta.server.url, user: TEST_USER, password: 'wrong', name: 'beta-badpw' },
      ],
      // A generous per-bot budget: the servers are in this process, but the machine may be busy.
      30_000,
      NOW,
    );
    const [a, b, d, w] = rows;
    assert.equal(a.error, null);
    assert.equal(a.name, 'alpha');
    assert.equal(a.strategy, 'AvellanedaStoikov');
    assert.equal(a.dryRun, true);
    assert.equal(a.tradeCount, 3);
    assert.equal(a.closedTradeCount, 2);
    assert.ok(Math.abs((a.daysSinceFirstFill as number) - 10) < 1e-9);
    assert.ok(Math.abs((a.pnlQuote as number) - -1.2) < 1e-9);
    assert.ok(Math.abs((a.pnlRatio as number) - -0.0012) < 1e-12);
    assert.equal(a.winRate, 0.5);
    assert.ok(Math.abs((a.profitFactor as number) - 1 / 3) < 1e-12);
    assert.ok(Math.abs((a.maxDrawdownQuote as number) - 2.4) < 1e-9);
    assert.ok(Math.abs((a.annualisedReturn as number) - ((1 - 0.0012) ** 36.5 - 1)) < 1e-12);

    assert.equal(b.error, null);
    assert.equal(b.name, 'beta');
    assert.equal(b.dryRun, false);
    assert.ok(Math.abs((b.pnlQuote as number) - 5) < 1e-9);
    assert.ok(Math.abs((b.annualisedReturn as number) - (1.005 ** 182.5 - 1)) < 1e-9);
    assert.equal(b.profitFactor, null);

    assert.equal(d.name, 'gone');
    assert.match(d.error as string, /^unreachable \(connection refused\)$/);
    assert.match(w.error as string, /HTTP 401/);

    const plain = renderPnlTable(rows, { color: false });
    assert.equal(plain.includes('\u001b['), false);
    const lines = plain.trimEnd().split('\n');
    assert.equal(lines.length, 6); // header, 4 bots, total
    assert.match(
      lines[0],
      /^Bot\s+Strategy\s+Mode\s+Days\s+Trades\s+PnL\s+PnL %\s+Win rate\s+Profit f\.\s+Max DD\s+Annualised$/,
    );
    assert.match(
      lines[1],
      /^alpha\s+AvellanedaStoikov\s+dry\s+10\.0\s+3\s+-1\.20 USDC\s+-0\.12%\s+50\.0%\s+0\.33\s+0\.24%/,
    );
    assert.match(lines[2], /^beta\s+AvellanedaStoikov\s+live\s+2\.0\s+1\s+5\.00 USDC\s+0\.50%\s+100\.0%\s+—/);
    assert.match(lines[3], /^gone\s+unreachable \(connection refused\)$/);
    assert.match(lines[5], /^TOTAL \(2\/4 up\)\s+4\s+3\.80 USDC$/);
    const coloured = renderPnlTable(rows, { color: true });
    assert.ok(coloured.includes('\u001b[32m') && coloured.includes('\u001b[31m'));
  });

  it('times out on a bot that accepts the connection but never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const [row] = await collectSummaries([{ url: `http://127.0.0.1:${port}` }], 300, NOW);
      assert.equal(row.error, 'unreachable (timeout after 0.3 s)');
    } finally {
      silent.close();
    }
  });

  it('reads a bots file and rejects a bad one with one sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-pnl-'));
    const good = join(dir, 'bots.json');
    writeFileSync(
      good,
      JSON.stringify([{ name: 'a', url: 'http://127.0.0.1:1', user: 'u', password_env: 'PW_A' }]),
    );
    assert.deepEqual(readBotsFile(good, { PW_A: 's3cret' }), [
      { name: 'a', url: 'http://127.0.0.1:1', user: 'u', password: 's3cret' },
    ]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ url: 'http://x', passwd: 'oops' }]));
    assert.throws(() => readBotsFile(bad), /entry 0 has unknown key "passwd"/);
    assert.throws(() => readBotsFile(join(dir, 'missing.json')), /cannot be read/);
  });

  it('`hlmm pnl --json` prints every bot and exits 0 when at least one answered', async () => {
    // Asynchronous child: the servers live in this process and must keep answering while it runs.
    const res = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          ...HLMM_ARGV,
          'pnl',
          '--bots',
          `${alpha.server.url},${dead}`,
          '--user',
          TEST_USER,
          '--password',
          TEST_PASSWORD,
          '--timeout',
          '30',
          '--json',
        ],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout) as {
      bots: { name: string; error: string | null }[];
      totals: { reachable: number };
    };
    assert.deepEqual(
      out.bots.map((b) => [b.name, b.error === null]),
      [
        ['alpha', true],
        [new URL(dead).host, false],
      ],
    );
    assert.equal(out.totals.reachable, 1);
  });

  it('`hlmm pnl` without --bots is a one-sentence error, exit 2', () => {
    const res = spawnSync(process.execPath, [...HLMM_ARGV, 'pnl'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(res.status, 2);
    assert.equal(res.stderr.trim(), 'hlmm: give --bots URL[,URL…] or --bots-file FILE.');
  });
});
