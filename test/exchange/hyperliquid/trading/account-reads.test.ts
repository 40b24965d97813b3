/**
 * The account's shared reads: several coins asking clearinghouseState / userFills in one turn share one request,
 * a read asked after a request left gets a new one (never an older answer); the account's position-check tick
 * checks every coin with one clearinghouseState, each coin judged on its own position; the account's funding poll
 * reads userFunding once for every coin and books each coin's payments to that coin only, after its own start.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../../../src/core/log.ts';
import type { FundingPayment } from '../../../../src/engine/funding.ts';
import type {
  ClearinghouseState,
  UserFill,
  UserFundingEntry,
} from '../../../../src/exchange/hyperliquid/info-schemas.ts';
import { AccountReads } from '../../../../src/exchange/hyperliquid/trading/account-reads.ts';
import { AccountFunding, LiveFunding } from '../../../../src/exchange/hyperliquid/trading/funding.ts';
import {
  AccountPositionChecks,
  PositionCheck,
} from '../../../../src/exchange/hyperliquid/trading/position-check.ts';
import { until } from '../../../support/wait.ts';

const quiet = createLogger({ component: 't', level: 'error', quiet: true });
const HOUR = 3_600_000;

function stateOf(positions: Record<string, number>): ClearinghouseState {
  return {
    assetPositions: Object.entries(positions).map(([coin, szi]) => ({
      type: 'oneWay',
      position: {
        coin,
        szi: String(szi),
        entryPx: '100',
        leverage: { type: 'cross', value: 5 },
        liquidationPx: null,
        marginUsed: '1',
        positionValue: String(Math.abs(szi) * 100),
        returnOnEquity: '0',
        unrealizedPnl: '0',
      },
    })),
    marginSummary: { accountValue: '1000', totalMarginUsed: '7', totalNtlPos: '0', totalRawUsd: '1000' },
    crossMarginSummary: { accountValue: '1000', totalMarginUsed: '7', totalNtlPos: '0', totalRawUsd: '1000' },
    crossMaintenanceMarginUsed: '0',
    withdrawable: '1000',
    time: 1,
  } as ClearinghouseState;
}

/** An exchange double counting its /info requests. */
function exchangeDouble(positions: Record<string, number>) {
  const ex = {
    positions,
    fills: [] as UserFill[],
    stateRequests: 0,
    fillsRequests: 0,
    info: {
      clearinghouseState: async () => {
        ex.stateRequests++;
        return stateOf(ex.positions);
      },
      userFills: async () => {
        ex.fillsRequests++;
        return ex.fills;
      },
    },
  };
  return ex;
}

describe('AccountReads', () => {
  test('three coins asking in one turn: one request, the same answer for each', async () => {
    const ex = exchangeDouble({ BTC: 1, ETH: -2 });
    const reads = new AccountReads(ex.info);
    const seen: number[] = [];
    reads.onState((st) => seen.push(st.assetPositions.length));
    const answers = await Promise.all([
      reads.clearinghouseState(),
      reads.clearinghouseState(),
      reads.clearinghouseState(),
    ]);
    assert.equal(ex.stateRequests, 1);
    assert.equal(answers[0], answers[2]);
    assert.deepEqual(seen, [2], 'the listener sees each answer once');
    assert.deepEqual(reads.counts, { stateRequests: 1, stateServed: 3, fillsRequests: 0, fillsServed: 0 });
    await Promise.all([reads.userFills(), reads.userFills()]);
    assert.equal(ex.fillsRequests, 1);
  });

  test('a read asked after the request left gets a request of its own (no older answer)', async () => {
    let release: (() => void) | null = null;
    let requests = 0;
    const reads = new AccountReads({
      clearinghouseState: () => {
        requests++;
        const n = requests;
        return new Promise((resolve) => {
          release = () => resolve({ ...stateOf({}), time: n });
        });
      },
      userFills: async () => [],
    });
    const first = reads.clearinghouseState();
    await new Promise((r) => setImmediate(r)); // the first request is on its way
    assert.equal(requests, 1);
    const second = reads.clearinghouseState();
    (release as unknown as () => void)();
    assert.equal((await first).time, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(requests, 2, 'asked while the first was in flight: a new request');
    (release as unknown as () => void)();
    assert.equal((await second).time, 2);
  });
});

/** A coin's engine (the position) and venue (missed fills applied) as the position check sees them. */
function coinDouble(coin: string, positionBase: number) {
  const holder = {
    positionBase,
    adopted: [] as number[],
    account: () => ({ positionBase: holder.positionBase }),
    adoptExchangePosition: (p: number) => {
      holder.adopted.push(p);
      holder.positionBase = p;
    },
  };
  const venue = {
    applied: 0,
    applyFills(fills: readonly UserFill[]) {
      for (const f of fills) {
        venue.applied++;
        holder.positionBase += (f.side === 'B' ? 1 : -1) * Number(f.sz);
      }
    },
  };
  return { coin, holder, venue };
}

describe('AccountPositionChecks', () => {
  test("one tick: every coin checked with ONE clearinghouseState; a coin's missed fill found with one userFills", async () => {
    const ex = exchangeDouble({ BTC: 0.5, ETH: -1, SOL: 3 });
    const reads = new AccountReads(ex.info);
    const coins = [coinDouble('BTC', 0.5), coinDouble('ETH', -1), coinDouble('SOL', 2)];
    // SOL's missed fill: bought 1 on the exchange, never pushed to the bot.
    ex.fills = [{ coin: 'SOL', side: 'B', sz: '1', px: '150', tid: 9 } as UserFill];
    const account = new AccountPositionChecks(0);
    const checks = coins.map((c) => {
      const check = new PositionCheck({
        info: reads,
        venue: c.venue,
        coin: c.coin,
        intervalMs: 0,
        logger: quiet,
      });
      check.start(c.holder);
      account.add(check);
      return check;
    });
    assert.deepEqual(await account.checkAll(), ['in-step', 'in-step', 'fills-applied']);
    // Tick: 1 read for the 3 coins; SOL's drift: userFills once, then the position re-read (a new request).
    assert.equal(ex.stateRequests, 2);
    assert.equal(ex.fillsRequests, 1);
    assert.equal(coins[2]?.venue.applied, 1, "only SOL's fills reach SOL");
    assert.equal(coins[0]?.venue.applied, 0);
    assert.equal(coins[2]?.holder.positionBase, 3);
    assert.deepEqual(await account.checkAll(), ['in-step', 'in-step', 'in-step']);
    assert.equal(ex.stateRequests, 3, 'the next period: one more read for all three');
    for (const c of checks) {
      account.remove(c);
      await c.stop();
    }
  });

  test('the timer: one read per period for three coins', async () => {
    const ex = exchangeDouble({});
    const reads = new AccountReads(ex.info);
    const account = new AccountPositionChecks(20);
    const checks = ['BTC', 'ETH', 'SOL'].map((coin) => {
      const c = coinDouble(coin, 0);
      const check = new PositionCheck({ info: reads, venue: c.venue, coin, intervalMs: 0, logger: quiet });
      check.start(c.holder);
      account.add(check);
      return check;
    });
    await until('five ticks', () => account.counts.ticks >= 5, undefined, 5);
    for (const c of checks) account.remove(c);
    for (const c of checks) await c.stop();
    // A tick's reads that were still on their way are counted too: at most one per tick.
    assert.ok(
      ex.stateRequests <= account.counts.ticks,
      `${ex.stateRequests} reads for ${account.counts.ticks} ticks`,
    );
    assert.ok(ex.stateRequests >= 4, 'a read per tick');
    assert.ok(reads.counts.stateServed >= 3 * ex.stateRequests - 3, 'each read answered the three coins');
  });
});

function fundingEntry(coin: string, time: number, usdc: number): UserFundingEntry {
  return {
    time,
    hash: `0x${time.toString(16)}`,
    delta: { type: 'funding', coin, usdc: String(usdc), szi: '1', fundingRate: '0.0000125' },
  } as UserFundingEntry;
}

describe('AccountFunding', () => {
  test('one userFunding per poll for three coins; each coin books its own payments after its own start', async () => {
    const H = 1_756_771_200_000;
    const asked: number[] = [];
    const entries = [
      fundingEntry('BTC', H, -1.25),
      fundingEntry('ETH', H, 0.5),
      fundingEntry('SOL', H, 0.125),
      fundingEntry('DOGE', H, 9), // another coin of the account, not traded here
      fundingEntry('BTC', H + HOUR, -1.5),
      fundingEntry('ETH', H + HOUR, 0.75),
    ];
    const account = new AccountFunding({
      info: {
        allUserFunding: async (start) => {
          asked.push(start);
          return entries.filter((e) => e.time >= start);
        },
      },
      logger: quiet,
    });
    const booked: Record<string, FundingPayment[]> = { BTC: [], ETH: [], SOL: [] };
    // ETH's account was read after the first settlement: that payment is in its starting account already.
    const starts = { BTC: H - 10_000, ETH: H + 1_000, SOL: H - 5_000 };
    const sources = (['BTC', 'ETH', 'SOL'] as const).map(
      (coin) =>
        new LiveFunding({
          coin,
          info: { allUserFunding: async () => [] },
          accountAsOfMs: starts[coin],
          account,
        }),
    );
    sources.forEach((s, i) => {
      const coin = (['BTC', 'ETH', 'SOL'] as const)[i] as 'BTC' | 'ETH' | 'SOL';
      s.start((p) => booked[coin]?.push(p));
    });
    await sources[0]?.poll();
    assert.deepEqual(asked, [H - 10_000 + 1], 'one read, from the earliest start');
    assert.deepEqual(
      booked.BTC?.map((p) => p.amountQuote),
      [-1.25, -1.5],
    );
    assert.deepEqual(
      booked.ETH?.map((p) => p.amountQuote),
      [0.75],
      'ETH: only the payment after its start',
    );
    assert.deepEqual(
      booked.SOL?.map((p) => p.amountQuote),
      [0.125],
    );
    assert.equal(sources[1]?.counters.payments, 1);

    // An hour boundary crossed by every coin's clock: one poll for the account, from the earliest coin's next ms.
    for (const s of sources) s.onClock(H + 2 * HOUR - 1, 0, null);
    for (const s of sources) s.onClock(H + 2 * HOUR + 6_000, 0, null);
    await sources[2]?.poll();
    assert.equal(asked.length, 2, 'one more read for the three coins');
    assert.equal(asked[1], H + 1, 'from SOL, whose last payment is the oldest');
    assert.equal(booked.BTC?.length, 2, 'nothing booked twice');
    for (const s of sources) await s.stop();
  });
});
