/**
 * End to end, in process: a LIVE bot for three coins on the fake exchange (testnet) reads the account once per
 * position-check period for all three: the fake sees one /info clearinghouseState per period, not three.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { liveCoins, startLiveMultiBot } from '../support/multi-coin-live.ts';
import { writeCoinMarkets } from '../support/multi-coin-market.ts';
import { until } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-multi-account-reads-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
const COINS = liveCoins(51);

before(() => writeCoinMarkets(replay, COINS));

describe('hlmm trade --tickers --live: one set of account reads for every coin', () => {
  it('three coins: one clearinghouseState per position-check period, not three', async () => {
    const { bot, fake } = await startLiveMultiBot({
      root,
      replay,
      coins: COINS,
      // Slow enough that the orders leave the request budget room for the reads (a read waits for its weight).
      extra: { speed: 20, positionCheckS: 1 },
    });
    const acct = bot.liveAccount;
    assert.ok(fake !== null && acct !== null);
    // Count what the fake exchange is asked from here on (start-up reads each coin once, in order, by design).
    const asked = new Map<string, number>();
    const route = fake.routes.get('/info');
    assert.ok(route !== undefined);
    const handle = route.handle;
    route.handle = (body, request) => {
      const type = String((body as { type?: unknown } | null)?.type);
      asked.set(type, (asked.get(type) ?? 0) + 1);
      return handle(body, request);
    };
    try {
      await until('quotes on every coin', () =>
        [...bot.engines.values()].every((e) => e.openOrders().length > 0),
      );
      const ticks0 = acct.positionChecks.counts.ticks;
      const asked0 = asked.get('clearinghouseState') ?? 0;
      const served0 = acct.reads.counts.stateServed;
      const fills0 = acct.reads.counts.fillsRequests;
      // Five periods in which every coin's check read the account (a check still waiting for its last answer
      // skips a tick: the request budget can hold a read back under load).
      await until(
        'five periods of reads by the three coins',
        () =>
          acct.positionChecks.counts.ticks >= ticks0 + 5 && acct.reads.counts.stateServed - served0 >= 3 * 5,
      );
      const periods = acct.positionChecks.counts.ticks - ticks0;
      const reads = (asked.get('clearinghouseState') ?? 0) - asked0;
      const served = acct.reads.counts.stateServed - served0;
      // At most one per period (three coins: three per period before), plus the re-read after a drift's missed
      // fills were looked for, and a doubt's own read (an order whose outcome is unknown) now and then.
      const driftRereads = acct.reads.counts.fillsRequests - fills0;
      assert.ok(
        reads <= periods + driftRereads + 1,
        `${reads} clearinghouseState requests in ${periods} periods with three coins (${driftRereads} drift re-reads)`,
      );
      assert.ok(reads >= 4, `the account was read (${reads} requests)`);
      assert.ok(
        served >= 3 * reads - 3,
        `each request answered the three coins (${served} answers from ${reads} requests)`,
      );
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.equal(s.mode, 'live');
    assert.notEqual(s.account.margin_used, null);
  });
});
