import { UserError } from '../core/errors.ts';
import type { RunSettings } from './run-settings.ts';
import type { HlmmConfig } from './schema.ts';

/** One coin's entry under the config's `coins` (every key optional). */
export type CoinSettingsEntry = HlmmConfig['coins'][string];

/** The `coins` entry of `ticker`: the exact name first, else the one equal ignoring case (the backtest upper-cases). */
export function coinEntry(
  coins: HlmmConfig['coins'],
  ticker: string,
): { key: string; entry: CoinSettingsEntry } | null {
  const exact = coins[ticker];
  if (exact !== undefined) return { key: ticker, entry: exact };
  const key = Object.keys(coins).find((k) => k.toUpperCase() === ticker.toUpperCase());
  return key === undefined ? null : { key, entry: coins[key] as CoinSettingsEntry };
}

/**
 * One coin's settings when several coins trade together (`--tickers`): the shared settings (config file with the
 * flags over it, run-settings.ts) with that coin's `coins.<TICKER>` entry over them. A coin's entry wins over the
 * flags: the flags (--order-size, --max-position, --max-notional) are every coin's default, the entry is the one
 * coin's own value. Its max order is one of its own lots unless it sets max_order_size: a base-unit limit written
 * for another coin's lot would not fit it.
 */
export function coinRunSettings(s: RunSettings, coins: HlmmConfig['coins'], ticker: string): RunSettings {
  const found = coinEntry(coins, ticker);
  if (found === null) return s;
  const { key, entry: c } = found;
  const orderSizeBase = c.order_size ?? s.strategy.orderSizeBase;
  const strategyMaxLots = c.max_position_lots ?? s.strategy.maxPositionLots;
  const riskMaxLots = c.max_position_lots ?? s.risk.maxPositionLots;
  const maxOrderSizeBase = c.max_order_size ?? (c.order_size !== undefined ? null : s.risk.maxOrderSizeBase);
  if (maxOrderSizeBase !== null && maxOrderSizeBase < orderSizeBase)
    throw new UserError(
      `the max order size of ${maxOrderSizeBase} is smaller than ${ticker}'s order size of ${orderSizeBase}, so every quote of ${ticker} would be refused; set "coins.${key}.max_order_size" to at least ${orderSizeBase}.`,
    );
  const target = s.strategy.inventoryTargetLots ?? 0;
  if (Math.abs(target) > strategyMaxLots)
    throw new UserError(
      `the inventory target of ${target} lots is beyond ${ticker}'s max position of ${strategyMaxLots} lots ("coins.${key}.max_position_lots"); choose a target within ±${strategyMaxLots} or raise that limit.`,
    );
  return {
    ...s,
    strategy: { ...s.strategy, orderSizeBase, maxPositionLots: strategyMaxLots },
    risk: {
      ...s.risk,
      maxPositionLots: riskMaxLots,
      maxNotionalQuote: c.max_notional_usdc ?? s.risk.maxNotionalQuote,
      maxOrderSizeBase,
    },
  };
}

/** The `coins` entries that name none of the traded coins (a typo, or a coin not traded this run). */
export function unusedCoinEntries(coins: HlmmConfig['coins'], tickers: readonly string[]): string[] {
  const traded = new Set(tickers.map((t) => t.toUpperCase()));
  return Object.keys(coins).filter((k) => !traded.has(k.toUpperCase()));
}
