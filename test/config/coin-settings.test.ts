import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coinRunSettings, unusedCoinEntries } from '../../src/config/coin-settings.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { runSettings } from '../../src/config/run-settings.ts';

const parse = (raw: unknown) => parseConfig(raw, 'config.json', { env: {} });
const errorFor = (raw: unknown): string => {
  try {
    parse(raw);
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('config coins: per-coin lot and limits', () => {
  it('validates each entry with one sentence naming the key', () => {
    assert.equal(
      errorFor({ coins: { ETH: { order_sise: 0.01 } } }),
      'config.json: unknown key "coins.ETH.order_sise" (did you mean "coins.ETH.order_size"?).',
    );
    assert.match(
      errorFor({ coins: { ETH: { zzz: 1 } } }),
      /unknown key "coins\.ETH\.zzz" \(known keys here: order_size, max_position_lots, max_notional_usdc, max_order_size\)/,
    );
    assert.equal(
      errorFor({ coins: { ETH: { order_size: -1 } } }),
      'config.json: "coins.ETH.order_size" must be a number of base units greater than 0 (e.g. 0.01 for ETH), got -1.',
    );
    assert.match(
      errorFor({ coins: { 'E-TH': { order_size: 1 } } }),
      /^config\.json: "coins\.E-TH" names no perp/,
    );
    assert.match(errorFor({ coins: ['ETH'] }), /^config\.json: "coins" must be an object keyed by perp name/);
    assert.match(errorFor({ coins: { ETH: 5 } }), /"coins\.ETH" must be an object of per-coin settings/);
    assert.equal(
      errorFor({ coins: { ETH: { order_size: 0.01, max_order_size: 0.001 } } }),
      `config.json: "coins.ETH.max_order_size" (0.001) is smaller than ETH's order size (0.01), so every quote of ETH would be refused; raise it or lower "coins.ETH.order_size".`,
    );
    assert.deepEqual(parse({}).coins, {});
  });

  it("a coin's entry replaces the shared lot and limits for that coin only", () => {
    const cfg = parse({
      strategy: { order_size: 0.001, max_position_lots: 10 },
      risk: { max_position_lots: 20, max_notional_usdc: 1000 },
      coins: {
        ETH: { order_size: 0.01, max_position_lots: 5, max_notional_usdc: 300 },
        SOL: { max_order_size: 0.5 },
      },
    });
    const shared = runSettings(cfg, {});
    const btc = coinRunSettings(shared, cfg.coins, 'BTC');
    assert.equal(btc, shared, 'a coin without an entry keeps the shared settings');
    const eth = coinRunSettings(shared, cfg.coins, 'ETH');
    assert.equal(eth.strategy.orderSizeBase, 0.01);
    assert.equal(eth.strategy.maxPositionLots, 5);
    assert.equal(
      eth.risk.maxPositionLots,
      5,
      'the max position is the strategy’s and the hard limit, as --max-position',
    );
    assert.equal(eth.risk.maxNotionalQuote, 300);
    assert.equal(eth.risk.maxOrderSizeBase, null, 'its own lot sets the max order (one of its lots)');
    // What the entry does not name stays shared.
    assert.equal(eth.risk.maxDrawdownQuote, shared.risk.maxDrawdownQuote);
    assert.equal(eth.fill, shared.fill);
    const sol = coinRunSettings(shared, cfg.coins, 'SOL');
    assert.equal(sol.strategy.orderSizeBase, 0.001);
    assert.equal(sol.risk.maxOrderSizeBase, 0.5);
    assert.equal(sol.risk.maxPositionLots, 20);
    // The backtest upper-cases tickers: the entry is found ignoring case.
    assert.equal(
      coinRunSettings(shared, parse({ coins: { kPEPE: { order_size: 100 } } }).coins, 'KPEPE').strategy
        .orderSizeBase,
      100,
    );
  });

  it('flags are every coin’s default; an entry wins for its coin', () => {
    const cfg = parse({ coins: { ETH: { order_size: 0.01 } } });
    const shared = runSettings(cfg, { orderSize: 0.002, maxPosition: 7, maxNotional: 900 });
    const btc = coinRunSettings(shared, cfg.coins, 'BTC');
    assert.equal(btc.strategy.orderSizeBase, 0.002);
    assert.equal(btc.risk.maxNotionalQuote, 900);
    const eth = coinRunSettings(shared, cfg.coins, 'ETH');
    assert.equal(eth.strategy.orderSizeBase, 0.01);
    assert.equal(eth.strategy.maxPositionLots, 7, 'a flag the entry does not name still applies');
    assert.equal(eth.risk.maxNotionalQuote, 900);
  });

  it('refuses a coin whose limits cannot quote, naming the key to change', () => {
    const cfg = parse({ coins: { ETH: { max_order_size: 0.005 } } });
    assert.throws(
      () => coinRunSettings(runSettings(cfg, { orderSize: 0.01 }), cfg.coins, 'ETH'),
      /the max order size of 0\.005 is smaller than ETH's order size of 0\.01.*"coins\.ETH\.max_order_size"/,
    );
    const tight = parse({ strategy: { inventory_target: 3 }, coins: { ETH: { max_position_lots: 2 } } });
    assert.throws(
      () => coinRunSettings(runSettings(tight, {}), tight.coins, 'ETH'),
      /inventory target of 3 lots is beyond ETH's max position of 2 lots \("coins\.ETH\.max_position_lots"\)/,
    );
  });

  it('names the entries no traded coin uses', () => {
    const cfg = parse({ coins: { ETH: {}, EHT: {}, btc: {} } });
    assert.deepEqual(unusedCoinEntries(cfg.coins, ['BTC', 'ETH']), ['EHT']);
  });
});
