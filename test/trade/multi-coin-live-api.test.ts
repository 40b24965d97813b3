/**
 * End to end, in process: a LIVE three-coin bot (`hlmm trade --tickers BTC,ETH,SOL --live --replay DIR --testnet`)
 * on the in-process fake exchange with its monitoring API on: one server for every coin — the whitelist lists the
 * three pairs, /status answers per pair once fills have built positions, and the account kill through the API
 * (`POST /api/v1/hlmm/kill`, no ?coin=) leaves no order of any coin resting on the exchange.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, MULTI_PASSWORD, MULTI_USER } from '../support/multi-coin-bot.ts';
import { LIVE_TICKERS, liveCoins, startLiveMultiBot } from '../support/multi-coin-live.ts';
import { writeCoinMarkets } from '../support/multi-coin-market.ts';
import { settledAfter, until, WAIT_BUDGET_MS } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-trade-multi-live-api-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
// The coins of test/trade/multi-coin-live.test.ts: 0.01 is on every coin's size grid.
const COINS = liveCoins(41);
const TICKERS = LIVE_TICKERS;
const pairOf = (t: string) => `${t}/USDC:USDC`;

before(() => writeCoinMarkets(replay, COINS));

describe('hlmm trade --tickers --live with the monitoring API (fake exchange, testnet)', () => {
  it('whitelist of 3 pairs, /status per pair once fills arrive, and the API kill pulls every coin off the exchange', async () => {
    const { bot, fake, address } = await startLiveMultiBot({
      root,
      replay,
      coins: COINS,
      extra: {
        apiPort: await freePort(),
        apiHost: '127.0.0.1',
        apiUser: MULTI_USER,
        apiPassword: MULTI_PASSWORD,
        leverage: 5,
        margin: 'cross',
      },
    });
    try {
      assert.ok(bot.apiUrl, 'the API is on');
      const url = bot.apiUrl as string;
      const login = await fetch(`${url}/api/v1/token/login`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${MULTI_USER}:${MULTI_PASSWORD}`).toString('base64')}`,
        },
      });
      assert.equal(login.status, 200);
      const token = ((await login.json()) as { access_token: string }).access_token;
      // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, checked field by field
      const call = async (path: string, method = 'GET'): Promise<{ status: number; body: any }> => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
          },
          body: method === 'POST' ? '{}' : undefined,
        });
        return { status: res.status, body: await res.json() };
      };

      const wl = await call('/api/v1/whitelist');
      assert.equal(wl.status, 200);
      assert.deepEqual(wl.body, { whitelist: TICKERS.map(pairOf), length: 3, method: ['StaticPairList'] });
      const cfg = await call('/api/v1/show_config');
      assert.equal(cfg.body.dry_run, false, 'the API says the bot is live');
      assert.deepEqual(cfg.body.tickers, TICKERS);

      await until('a fill on every coin', () =>
        [...bot.engines.values()].every((e) => e.summary().fills >= 1),
      );
      // /status: one open trade per coin holding a position. Positions come and go with the fills, so it is asked
      // until every coin holds one at the moment of asking.
      // biome-ignore lint/suspicious/noExplicitAny: Freqtrade's open-trade objects
      let status: any[] = [];
      const t0 = Date.now();
      for (;;) {
        const r = await call('/api/v1/status');
        assert.equal(r.status, 200, JSON.stringify(r.body));
        status = r.body;
        if (new Set(status.map((s) => s.pair)).size === 3) break;
        assert.ok(
          Date.now() - t0 < WAIT_BUDGET_MS,
          `timed out waiting for 3 pairs in /status: ${JSON.stringify(status)}`,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        status.map((s) => s.pair).sort(),
        TICKERS.map(pairOf).sort(),
        'one open trade per pair',
      );
      for (const s of status) {
        assert.equal(s.pair, pairOf(s.base_currency), 'each trade under its own coin');
        assert.ok(s.amount > 0, `${s.pair}: amount ${s.amount}`);
        assert.equal(s.is_open, true);
      }
      const ids = status.map((s) => s.trade_id);
      assert.equal(new Set(ids).size, 3, 'trade ids unique across the coins');

      // The account kill through the API: every coin's orders off the exchange.
      const restingCoins = () => new Set(fake.trading.openOrdersOf(address).map((o) => o.coin));
      await until('orders resting on every coin', () => TICKERS.every((t) => restingCoins().has(t)));
      const kill = await call('/api/v1/hlmm/kill', 'POST');
      assert.equal(kill.status, 200, JSON.stringify(kill.body));
      assert.match(kill.body.status, /every coin/);
      for (const [t, e] of bot.engines) assert.equal(e.risk().killSwitch.tripped, true, `${t} killed`);
      await until(
        'no order of any coin resting on the exchange',
        () => fake.trading.openOrdersOf(address).length === 0,
      );
      // Still nothing after more market data has reached every coin: none quotes again.
      for (const [t, e] of bot.engines) await settledAfter(e, 2_000, `${t} market data after the kill`);
      assert.deepEqual(fake.trading.openOrdersOf(address), [], 'nothing rests after the kill');
      assert.match(bot.account.killSwitch?.reason ?? '', /account kill switch through the API/);
    } finally {
      await bot.stop('test done');
    }
    await bot.done;
    assert.equal(fake.trading.openOrdersOf(address).length, 0, 'nothing rests after the stop');
  });
});
