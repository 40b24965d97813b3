/**
 * Where market-data files live: one directory per recording, three files per symbol and UTC day
 * (`prices_<SYM>_<YYYY-MM-DD>.csv`, `trades_…`, `orderbooks_…`, as the collector writes them), or one file per
 * symbol without a date (`prices_<SYM>.csv`: the original Python collector's layout, synthetic sets, older hlmm
 * recordings). Each file is plain or gzipped (`.csv.gz`). A reader takes every file of a symbol in a directory: the
 * undated file first (it predates rotation), then the dated ones by date. The column layouts are the ones users of
 * the original Python collector already have on disk.
 */
import { existsSync, readdirSync } from 'node:fs';
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

/** The dated file name of one UTC day, e.g. `datedMarketFileName('prices', 'BTC', '2025-09-01')` → `prices_BTC_2025-09-01.csv`. */
export function datedMarketFileName(kind: MarketFileKind, symbol: string, day: string): string {
  return marketFileName(kind, symbol).replace(/\.csv$/, `_${day}.csv`);
}

/** The UTC day (YYYY-MM-DD) of a Unix-ms time: the day a row's file is named after. */
export function utcDayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATED = /^(.*)_(\d{4}-\d{2}-\d{2})\.csv(\.gz)?$/;

/**
 * Every file of `kind`/`symbol` in `dir`, in reading order: the undated file (`prices_BTC.csv`, else its `.gz`),
 * then the dated files by day (for each day the plain file, else its `.gz`: the plain one is the file a running
 * collector appends to). Empty when there is none.
 */
export function findMarketFiles(dir: string, kind: MarketFileKind, symbol: string): string[] {
  const out: string[] = [];
  const undated = findMarketFile(dir, kind, symbol);
  if (undated !== null) out.push(undated);
  const stem = marketFileName(kind, symbol).slice(0, -'.csv'.length);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  const byDay = new Map<string, string>();
  for (const name of names) {
    const m = DATED.exec(name);
    if (m === null || m[1] !== stem) continue;
    const day = m[2] as string;
    // The plain file wins over its .gz, as for the undated file.
    if (m[3] === undefined || !byDay.has(day)) byDay.set(day, name);
  }
  for (const day of [...byDay.keys()].sort()) out.push(join(dir, byDay.get(day) as string));
  return out;
}

/** The newest file of `kind`/`symbol` in `dir` (the one a collector appends to next), or null. */
export function latestMarketFile(dir: string, kind: MarketFileKind, symbol: string): string | null {
  const files = findMarketFiles(dir, kind, symbol);
  return files.length === 0 ? null : (files[files.length - 1] as string);
}

/**
 * The undated file to read for `kind`/`symbol` in `dir`: `<name>.csv` if it exists, else `<name>.csv.gz`, else null.
 * The plain file wins because it is the one a running collector appends to.
 */
export function findMarketFile(dir: string, kind: MarketFileKind, symbol: string): string | null {
  const plain = join(dir, marketFileName(kind, symbol));
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  return existsSync(gz) ? gz : null;
}
