/**
 * Where market-data files live: one directory per recording, three files per symbol
 * (`prices_<SYM>.csv`, `trades_<SYM>.csv`, `orderbooks_<SYM>.csv`), each plain or gzipped (`.csv.gz`).
 * The column layouts are the ones users of the original Python collector already have on disk.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';

export type MarketFileKind = 'prices' | 'trades' | 'orderbooks';

/** Exact header line of each file kind (orderbooks: see `orderBookHeader`, it depends on the depth). */
export const PRICES_HEADER = 'timestamp,price,size,side,exchange_timestamp';
export const TRADES_HEADER = 'timestamp,price,size,side,trade_id,exchange_timestamp';
export const ORDERBOOK_HEADER_PREFIX = 'timestamp,sequence,exchange_timestamp';

/** Orderbooks header for `depth` levels per side: the prefix, then bid_price_i,bid_size_i,ask_price_i,ask_size_i. */
export function orderBookHeader(depth: number): string {
  const cols = [ORDERBOOK_HEADER_PREFIX];
  for (let i = 0; i < depth; i++) cols.push(`bid_price_${i},bid_size_${i},ask_price_${i},ask_size_${i}`);
  return cols.join(',');
}

/** The plain file name, e.g. `marketFileName('prices', 'BTC')` → `prices_BTC.csv`. */
export function marketFileName(kind: MarketFileKind, symbol: string): string {
  // Hyperliquid names look like BTC, kPEPE, @107 (spot) or xyz:TSLA (builder perps): anything goes except
  // what would leave the directory or break a path.
  if (symbol.length === 0 || /[/\\\0]/.test(symbol) || symbol === '.' || symbol === '..') {
    throw new UserError(`"${symbol}" is not a usable symbol for a file name; use a coin name such as BTC.`);
  }
  return `${kind}_${symbol}.csv`;
}

/**
 * The file to read for `kind`/`symbol` in `dir`: `<name>.csv` if it exists, else `<name>.csv.gz`, else null.
 * The plain file wins because it is the one a running collector appends to.
 */
export function findMarketFile(dir: string, kind: MarketFileKind, symbol: string): string | null {
  const plain = join(dir, marketFileName(kind, symbol));
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  return existsSync(gz) ? gz : null;
}
