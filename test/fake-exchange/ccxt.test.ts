/**
 * A client nobody here wrote, with its default options: ccxt 4.5.84's hyperliquid class against the fake exchange
 * (in-process). The only settings are the ones any user of a test network makes: sandbox mode (ccxt then signs
 * for Hyperliquid's testnet — phantom agent source "b", hyperliquidChain "Testnet" — which the fake checks by
 * default) and `urls.api` pointed at the fake's loopback address. ccxt's default start-up also runs: builder-fee
 * approval (its own builder, 0.01 %), setReferrer, userAbstraction, perpDexs (HIP-3 dexes), spotMeta.
 * Every call must succeed and its answer is checked against the market and account the fake holds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ccxt from 'ccxt';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { TEST_KEY } from '../support/hl-sdk-client.ts';
import { until } from '../support/wait.ts';

const T0 = 1_756_707_600_000;
const SYMBOL = 'BTC/USDC:USDC';
/** ccxt's default builder and fee (options.builder, options.feeRate = "0.01%"). */
const CCXT_BUILDER = '0x6530512a6c89c7cfcebc3ba7fcd9ada5f30827a6';
const TAKER_FEE = 0.00045;
const CCXT_BUILDER_FEE = 0.0001;

/** BTC quoted 107 947 × 0.5 / 107 948 × 1 every second for two hours, a 0.01 print every 5 s alternating sides. */
async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-ccxt-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  for (let t = 0; t <= 2 * 3_600_000; t += 1_000) {
    if (t % 5_000 === 0) {
      const buy = (t / 5_000) % 2 === 0;
      const px = buy ? 107_948 : 107_947;
      w.writeTrade({
        exchMs: T0 + t,
        recvS: 1,
        px,
        sz: 0.01,
        side: buy ? 'buy' : 'sell',
        tid: 1 + t / 5_000,
      });
    }
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  await w.close();
  return dir;
}

const near = (a: number | undefined, b: number, eps = 1e-9) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('ccxt hyperliquid (default options, testnet signing) against the fake exchange', () => {
  let ex: FakeExchange;
  // biome-ignore lint/suspicious/noExplicitAny: ccxt's class types are loose; answers are checked field by field
  let client: any;
  const address = Wallet.fromPrivateKey(TEST_KEY).address.toLowerCase();

  before(async () => {
    ex = await startFakeExchange({
      dataDir: await marketDir(),
      symbols: ['BTC'],
      speed: 10,
      trading: { accounts: [{ address, usdc: 100_000 }] },
    });
    await until(
      'a few replayed trades',
      () => (ex.markets.get('BTC')?.recentTrades(5).length ?? 0) >= 2,
      10_000,
    );
    client = new ccxt.hyperliquid({ walletAddress: address, privateKey: TEST_KEY });
    client.setSandboxMode(true);
    client.urls.api = { public: ex.url, private: ex.url };
  });
  after(async () => {
    await ex.close();
  });

  test('loadMarkets: every perp of meta, BTC with its size precision; no spot markets', async () => {
    const markets = await client.loadMarkets();
    const btc = markets[SYMBOL];
    assert.ok(btc, Object.keys(markets).slice(0, 5).join());
    assert.equal(btc.type, 'swap');
    assert.equal(btc.settle, 'USDC');
    assert.equal(btc.baseId, '0'); // asset index 0
    assert.equal(btc.precision.amount, 0.00001); // szDecimals 5
    assert.equal(btc.limits.leverage.max, 50);
    assert.equal(Object.values(markets).filter((m) => (m as { spot: boolean }).spot).length, 0);
  });

  test('fetchOrderBook: the recorded touch and the synthetic depth behind it', async () => {
    const book = await client.fetchOrderBook(SYMBOL);
    assert.equal(book.symbol, SYMBOL);
    assert.deepEqual(book.bids[0], [107_947, 0.5]);
    assert.deepEqual(book.asks[0], [107_948, 1]);
    assert.deepEqual(book.bids[1], [107_946, 0.5]);
    assert.equal(book.bids.length, 20);
    assert.equal(book.asks.length, 20);
  });

  test('fetchTicker: the mark (= replay mid) and the funding context', async () => {
    const ticker = await client.fetchTicker(SYMBOL);
    assert.equal(ticker.symbol, SYMBOL);
    assert.equal(ticker.last, 107_947.5);
    assert.equal(ticker.info.markPx, '107947.5');
    assert.equal(ticker.info.funding, '0.0000125');
  });

  test('fetchBalance: the account cash in USDC', async () => {
    const balance = await client.fetchBalance();
    assert.equal(balance.USDC.total, 100_000);
    assert.equal(balance.USDC.free, 100_000);
    assert.equal(balance.info.marginSummary.accountValue, '100000.0');
  });

  test('setLeverage: 10× cross', async () => {
    const answer = await client.setLeverage(10, SYMBOL);
    assert.deepEqual(answer, { status: 'ok', response: { type: 'default' } });
    const account = ex.trading.accounts.get(address)!;
    assert.deepEqual(account.leverageOf('BTC', 50), { type: 'cross', value: 10 });
  });

  test('createOrder post-only (resting), editOrder, fetchOpenOrders, cancelOrder', async () => {
    const placed = await client.createOrder(SYMBOL, 'limit', 'buy', 0.001, 107_000, { postOnly: true });
    assert.match(placed.id, /^\d+$/);
    assert.ok('resting' in placed.info, JSON.stringify(placed.info));
    assert.deepEqual(
      ex.trading.openOrdersOf(address).map((o) => [String(o.oid), o.limitPx, o.tif]),
      [[placed.id, 107_000, 'Alo']],
    );
    // ccxt attached its builder and its approval went through: the order carries the 0.01 % builder fee.
    assert.equal(ex.trading.openOrdersOf(address)[0].builderFeeRate, CCXT_BUILDER_FEE);
    assert.equal(ex.exchange.maxBuilderFee(address, CCXT_BUILDER), 10);

    const edited = await client.editOrder(placed.id, SYMBOL, 'limit', 'buy', 0.002, 107_001, {
      postOnly: true,
    });
    assert.match(edited.id, /^\d+$/);
    assert.notEqual(edited.id, placed.id); // a modify replaces the order: a new oid
    const open = await client.fetchOpenOrders(SYMBOL);
    assert.equal(open.length, 1);
    assert.equal(open[0].id, edited.id);
    assert.equal(open[0].side, 'buy');
    assert.equal(open[0].price, 107_001);
    assert.equal(open[0].amount, 0.002);
    assert.equal(open[0].remaining, 0.002);
    assert.equal(open[0].status, 'open');
    assert.equal(open[0].timeInForce, 'ALO'); // ccxt's spelling of Hyperliquid's post-only tif
    assert.equal(open[0].postOnly, true);

    const cancelled = await client.cancelOrder(edited.id, SYMBOL);
    assert.equal(cancelled.info, 'success');
    assert.deepEqual(await client.fetchOpenOrders(SYMBOL), []);
  });

  test('createOrder crossing limit and market: taker fills at the touch; fetchPositions, fetchMyTrades', async () => {
    const bought = await client.createOrder(SYMBOL, 'limit', 'buy', 0.002, 107_950);
    assert.equal(bought.filled, 0.002);
    assert.equal(bought.average, 107_948);
    assert.equal(bought.remaining, 0);

    const positions = await client.fetchPositions([SYMBOL]);
    assert.equal(positions.length, 1);
    assert.equal(positions[0].symbol, SYMBOL);
    assert.equal(positions[0].side, 'long');
    assert.equal(positions[0].contracts, 0.002);
    assert.equal(positions[0].entryPrice, 107_948);
    assert.equal(positions[0].leverage, 10);

    // A market order is ccxt's IOC at 5 % slippage from the price given: it takes the bid at 107 947.
    const sold = await client.createOrder(SYMBOL, 'market', 'sell', 0.002, 107_947);
    assert.equal(sold.filled, 0.002);
    assert.equal(sold.average, 107_947);

    const trades = await client.fetchMyTrades(SYMBOL);
    const rows = trades.map((t: { side: string; price: number; amount: number; takerOrMaker: string }) => [
      t.side,
      t.price,
      t.amount,
      t.takerOrMaker,
    ]);
    assert.deepEqual(rows, [
      ['buy', 107_948, 0.002, 'taker'],
      ['sell', 107_947, 0.002, 'taker'],
    ]);
    // Fee in USDC: ccxt adds the fill's `fee` (taker 0.045 %) and `builderFee` (its builder's 0.01 %).
    near(trades[0].fee.cost, 107_948 * 0.002 * (TAKER_FEE + CCXT_BUILDER_FEE), 2e-6);
    near(Number(trades[0].info.fee), 107_948 * 0.002 * TAKER_FEE, 1e-6);
    assert.equal(trades[0].fee.currency, 'USDC');
    near(Number(trades[0].info.builderFee), 107_948 * 0.002 * CCXT_BUILDER_FEE, 1e-6);

    assert.deepEqual(
      (await client.fetchPositions([SYMBOL])).filter((p: { contracts: number }) => p.contracts > 0),
      [],
    );
  });

  test('cancelAllOrdersAfter: the dead man’s switch armed at ccxt’s wall-clock nonce + timeout', async () => {
    const before = Date.now();
    const answer = await client.cancelAllOrdersAfter(60_000);
    assert.deepEqual(answer, { status: 'ok', response: { type: 'default' } });
    const at = ex.trading.scheduledCancelAt(address);
    assert.ok(at !== undefined && at >= before + 60_000 && at <= Date.now() + 60_000, String(at));
  });

  test('fetchOHLCV: 1-minute candles built from the replayed trades', async () => {
    const candles = await client.fetchOHLCV(SYMBOL, '1m', T0);
    assert.ok(candles.length >= 1);
    const [time, open, high, low, close, volume] = candles[0];
    assert.equal(time, T0);
    assert.equal(open, 107_948); // the first print of the recording
    assert.ok(high >= 107_948 && low <= 107_947 && low >= 107_946, `${high} ${low}`);
    assert.ok(close >= 107_946 && close <= 107_948);
    assert.ok(volume >= 0.01);
  });

  test('fetchFundingRate: the configured hourly rate at the mark', async () => {
    const funding = await client.fetchFundingRate(SYMBOL);
    assert.equal(funding.symbol, SYMBOL);
    assert.equal(funding.fundingRate, 0.0000125);
    assert.equal(funding.markPrice, 107_947.5);
    assert.equal(funding.interval, '1h');
  });
});
