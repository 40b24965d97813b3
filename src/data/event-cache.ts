/**
 * The columnar event cache: the merged BBO + trade stream of a symbol (./market-stream.ts, after its MONOTONIC
 * RULE), parsed once and kept beside the recorded files as two Apache Arrow IPC files, so calibration and
 * backtests read typed columns at memory speed instead of re-parsing CSV (docs/data-files.md, "Event cache").
 *
 *     <dir>/.hlmm-cache/<SYM>.bbo.arrow     exch_ms, recv_s, bid_px, bid_sz, ask_px, ask_sz   (float64)
 *     <dir>/.hlmm-cache/<SYM>.trades.arrow  exch_ms, recv_s, price, size (float64), side (uint8: 0 buy, 1 sell),
 *                                           trade_id (float64), bbo_index (uint32)
 *
 * `bbo_index` is the number of BBO rows before the trade in the merged stream: replaying "BBO rows up to
 * bbo_index, then the trade" gives back exactly the order the CSV merge produced (ties included), with no
 * comparison of times. Both files carry, in their schema metadata under `hlmm`, the key (format version and
 * every source file's name, size and mtime); the trades file also carries the row statistics of each CSV file
 * and the exchange times of the events the merge dropped (so windowed runs count them like the CSV path).
 *
 * Rebuilt when any source file changes size or mtime, appears or goes (a new day file); written to a temporary
 * name and renamed, so a reader never sees half a file; a cache that cannot be read is rebuilt with a warning;
 * a directory that cannot be written is read from CSV with a warning. Order-book snapshots are not cached: a
 * backtest that merges an orderbooks file reads CSV (see `cacheServes`).
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type AsyncRecordBatchFileReader,
  Field,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import type { MarketEvent } from '../core/market.ts';
import { buildMarketColumns } from './column-build.ts';
import {
  type BboColumns,
  type ColumnRange,
  lowerBound,
  rangeOf,
  replayColumns,
  type TradeColumns,
} from './event-columns.ts';
import { findMarketFiles } from './layout.ts';
import { type DroppedEvents, type MarketStream, readMarket } from './market-stream.ts';
import type { RowStats } from './reader.ts';

/** Bump when the layout or the merge rules change: older caches are rebuilt. */
export const CACHE_FORMAT = 'hlmm-event-cache/2';
export const CACHE_DIR_NAME = '.hlmm-cache';

export type { BboColumns, ColumnRange, TradeColumns } from './event-columns.ts';
export { lowerBound, rangeOf, replayColumns } from './event-columns.ts';

/** The whole merged stream of a symbol in columns, with what the CSV read reported. */
export interface MarketColumns {
  bbo: BboColumns;
  trades: TradeColumns;
  /** Row statistics of each CSV file (whole files). */
  stats: RowStats[];
  /** Exchange times of events the merge dropped: re-sent trades, and out-of-order events. */
  droppedDuplicateMs: number[];
  droppedOutOfOrderMs: number[];
}

export interface SourceKey {
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * One UTC day of the cache: record batch `i` of both files holds day `i`'s rows (an empty batch when the day has
 * none of that kind), so a reader can load one day without the others.
 */
export interface CacheDay {
  /** 00:00 UTC of the day, Unix ms. */
  dayStartMs: number;
  bboRows: number;
  tradeRows: number;
  /** Exchange time of the day's first event, Unix ms. */
  firstMs: number;
}

interface CacheMeta {
  format: string;
  sources: SourceKey[];
  stats?: RowStats[];
  droppedDuplicateMs?: number[];
  droppedOutOfOrderMs?: number[];
  days?: CacheDay[];
}

export interface EventCacheLoadOptions {
  /** Warnings (a cache rebuilt because it was unreadable, a directory that cannot hold one). */
  warn?: (line: string) => void;
}

export interface LoadedColumns extends MarketColumns {
  /** How the columns were obtained: read from the cache, built and written, or built and not written. */
  origin: 'cache' | 'built' | 'built-unwritten';
  /** The trades cache file (whether or not it exists). */
  file: string;
}

/** The cache files of `symbol` in `dir`. */
export function cacheFiles(dir: string, symbol: string): { bbo: string; trades: string } {
  const base = join(dir, CACHE_DIR_NAME, symbol);
  return { bbo: `${base}.bbo.arrow`, trades: `${base}.trades.arrow` };
}

/** The key the cache must match: every prices and trades file of the symbol, in reading order. */
export function sourceKey(dir: string, symbol: string): SourceKey[] {
  const files = [...findMarketFiles(dir, 'prices', symbol), ...findMarketFiles(dir, 'trades', symbol)];
  return files.map((f) => {
    const st = statSync(f);
    return { name: basename(f), size: st.size, mtimeMs: st.mtimeMs };
  });
}

/**
 * The symbol's merged BBO + trade stream as columns: from the cache when it matches the files, else parsed
 * from CSV (one pass) and written as the new cache. Missing prices/trades files → the reader's UserError.
 */
export async function loadMarketColumns(
  dir: string,
  symbol: string,
  opts: EventCacheLoadOptions = {},
): Promise<LoadedColumns> {
  const warn = opts.warn ?? (() => {});
  const files = cacheFiles(dir, symbol);
  // readMarket names the missing file when there is none; its stream is not iterated here.
  readMarket(dir, symbol, { books: false });
  const key = sourceKey(dir, symbol);
  // One day: the whole file is read and its columns are views of it (zero-copy). Several days: read a day at a
  // time into columns of the full length, so memory never holds the file's bytes and the columns both.
  let cached: MarketColumns | null = null;
  try {
    const days = await openCacheDays(files, key);
    if (days !== null) {
      try {
        cached = days.days.length <= 1 ? readCache(files, key, warn) : await joinDays(days);
      } finally {
        await days.close();
      }
    }
  } catch (err) {
    warn(
      `the event cache ${files.trades} (or ${basename(files.bbo)}) is unreadable (${(err as Error).message}); rebuilding it from the CSV files`,
    );
  }
  if (cached !== null) return { ...cached, origin: 'cache', file: files.trades };
  const built = await buildColumns(dir, symbol);
  // The files may have changed while they were read (a running collector): key them as they were before.
  const written = await writeCache(files, key, built, warn);
  return { ...built, origin: written ? 'built' : 'built-unwritten', file: files.trades };
}

/** Parses the CSV files through the merge once, into columns (./column-build.ts: no event objects). */
export async function buildColumns(dir: string, symbol: string): Promise<MarketColumns> {
  readMarket(dir, symbol, { books: false }); // names the missing prices or trades file, as a read would
  return buildMarketColumns(dir, symbol);
}

const BBO_FIELDS = ['exch_ms', 'recv_s', 'bid_px', 'bid_sz', 'ask_px', 'ask_sz'] as const;

function readCache(
  files: { bbo: string; trades: string },
  key: SourceKey[],
  warn: (line: string) => void,
): MarketColumns | null {
  let bboBytes: Buffer;
  let tradeBytes: Buffer;
  try {
    bboBytes = readFileSync(files.bbo);
    tradeBytes = readFileSync(files.trades);
  } catch {
    return null; // no cache yet
  }
  try {
    const bboTable = tableFromIPC(bboBytes);
    const tradeTable = tableFromIPC(tradeBytes);
    const bboMeta = metaOf(bboTable);
    const meta = metaOf(tradeTable);
    if (!sameKey(bboMeta, key) || !sameKey(meta, key)) return null; // the files changed: rebuild quietly
    const f64 = (t: Table, name: string): Float64Array => {
      const a = t.getChild(name)?.toArray();
      if (!(a instanceof Float64Array) || a.length !== t.numRows)
        throw new Error(`column ${name} is missing or not float64`);
      return a;
    };
    const u = <T extends Uint8Array | Uint32Array>(t: Table, name: string, type: new (n: number) => T): T => {
      const a = t.getChild(name)?.toArray();
      if (!(a instanceof type) || a.length !== t.numRows)
        throw new Error(`column ${name} is missing or of the wrong type`);
      return a as T;
    };
    const [exchMs, recvS, bidPx, bidSz, askPx, askSz] = BBO_FIELDS.map((n) =>
      f64(bboTable, n),
    ) as Float64Array[];
    const trades: TradeColumns = {
      exchMs: f64(tradeTable, 'exch_ms'),
      recvS: f64(tradeTable, 'recv_s'),
      px: f64(tradeTable, 'price'),
      sz: f64(tradeTable, 'size'),
      side: u(tradeTable, 'side', Uint8Array),
      tid: f64(tradeTable, 'trade_id'),
      bboIndex: u(tradeTable, 'bbo_index', Uint32Array),
    };
    const n = trades.bboIndex.length;
    if (n > 0 && (trades.bboIndex[n - 1] as number) > bboTable.numRows)
      throw new Error('bbo_index past the BBO rows');
    return {
      bbo: { exchMs, recvS, bidPx, bidSz, askPx, askSz } as BboColumns,
      trades,
      stats: meta.stats ?? [],
      droppedDuplicateMs: meta.droppedDuplicateMs ?? [],
      droppedOutOfOrderMs: meta.droppedOutOfOrderMs ?? [],
    };
  } catch (err) {
    warn(
      `the event cache ${files.trades} (or ${basename(files.bbo)}) is unreadable (${(err as Error).message}); rebuilding it from the CSV files`,
    );
    return null;
  }
}

function metaOf(t: { schema: Schema }): CacheMeta {
  const raw = t.schema.metadata.get('hlmm');
  if (raw === undefined) throw new Error('no hlmm metadata');
  const meta = JSON.parse(raw) as CacheMeta;
  if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.sources))
    throw new Error('bad hlmm metadata');
  return meta;
}

function sameKey(meta: CacheMeta, key: SourceKey[]): boolean {
  if (meta.format !== CACHE_FORMAT || meta.sources.length !== key.length) return false;
  return key.every((k, i) => {
    const m = meta.sources[i];
    return m !== undefined && m.name === k.name && m.size === k.size && m.mtimeMs === k.mtimeMs;
  });
}

/** Writes `columns` as the cache of `symbol` in `dir`, keyed on the files as they are now (false: not written, warned). */
export function writeEventCache(
  dir: string,
  symbol: string,
  columns: MarketColumns,
  warn: (line: string) => void = () => {},
): Promise<boolean> {
  return writeCache(cacheFiles(dir, symbol), sourceKey(dir, symbol), columns, warn);
}

/** Writes both files (tmp + rename); false, with a warning, when the directory cannot hold them. */
async function writeCache(
  files: { bbo: string; trades: string },
  key: SourceKey[],
  c: MarketColumns,
  warn: (line: string) => void,
): Promise<boolean> {
  const days = cacheDays(c);
  const base: CacheMeta = { format: CACHE_FORMAT, sources: key, days };
  const bboTable = tableOf(
    [
      ['exch_ms', c.bbo.exchMs],
      ['recv_s', c.bbo.recvS],
      ['bid_px', c.bbo.bidPx],
      ['bid_sz', c.bbo.bidSz],
      ['ask_px', c.bbo.askPx],
      ['ask_sz', c.bbo.askSz],
    ],
    base,
    days.map((d) => d.bboRows),
  );
  const tradeTable = tableOf(
    [
      ['exch_ms', c.trades.exchMs],
      ['recv_s', c.trades.recvS],
      ['price', c.trades.px],
      ['size', c.trades.sz],
      ['side', c.trades.side],
      ['trade_id', c.trades.tid],
      ['bbo_index', c.trades.bboIndex],
    ],
    {
      ...base,
      stats: c.stats,
      droppedDuplicateMs: c.droppedDuplicateMs,
      droppedOutOfOrderMs: c.droppedOutOfOrderMs,
    },
    days.map((d) => d.tradeRows),
  );
  const tmp = (f: string) => `${f}.tmp-${process.pid}`;
  try {
    mkdirSync(join(files.trades, '..'), { recursive: true });
    await writeIpcFile(tmp(files.bbo), bboTable);
    await writeIpcFile(tmp(files.trades), tradeTable);
    // The trades file (with the statistics) last: a reader finding it new finds the BBO file new too.
    renameSync(tmp(files.bbo), files.bbo);
    renameSync(tmp(files.trades), files.trades);
    return true;
  } catch (err) {
    for (const f of [files.bbo, files.trades]) {
      try {
        rmSync(tmp(f), { force: true });
      } catch {
        // nothing was written there
      }
    }
    warn(
      `cannot write the event cache in ${join(files.trades, '..')} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the CSV files are parsed on every run`,
    );
    return false;
  }
}

/**
 * An Arrow IPC file written piece by piece as the writer produces it (the column buffers go out as views), not
 * joined into one buffer first: a first run over days of data would otherwise hold the whole file twice.
 */
async function writeIpcFile(file: string, table: Table): Promise<void> {
  const writer = RecordBatchFileWriter.writeAll(table);
  const fd = openSync(file, 'w');
  try {
    for await (const chunk of writer) {
      let done = 0;
      while (done < chunk.byteLength) done += writeSync(fd, chunk, done);
    }
  } finally {
    closeSync(fd);
  }
}

type Column = Float64Array | Uint8Array | Uint32Array;

const DAY_MS = 86_400_000;

/** The UTC days of the merged stream and their rows (both column sets are in exchange-time order). */
export function cacheDays(c: { bbo: BboColumns; trades: TradeColumns }): CacheDay[] {
  const days: CacheDay[] = [];
  const b = c.bbo.exchMs;
  const t = c.trades.exchMs;
  let i = 0;
  let j = 0;
  while (i < b.length || j < t.length) {
    const next = Math.min(
      i < b.length ? (b[i] as number) : Infinity,
      j < t.length ? (t[j] as number) : Infinity,
    );
    const dayStartMs = Math.floor(next / DAY_MS) * DAY_MS;
    const end = dayStartMs + DAY_MS;
    const i0 = i;
    const j0 = j;
    i = lowerBound(b, end);
    j = lowerBound(t, end);
    days.push({ dayStartMs, bboRows: i - i0, tradeRows: j - j0, firstMs: next });
  }
  return days;
}

/** The columns as a table of one record batch per day (`rows`: the day's rows of this table). */
function tableOf(columns: [string, Column][], meta: CacheMeta, rows: number[]): Table {
  const plain = new Table(Object.fromEntries(columns.map(([name, values]) => [name, makeVector(values)])));
  const schema = new Schema(
    plain.schema.fields.map((f) => new Field(f.name, f.type, false)),
    new Map([['hlmm', JSON.stringify(meta)]]),
  );
  const batches: RecordBatch[] = [];
  let from = 0;
  for (const n of rows) {
    const part = new Table(
      Object.fromEntries(
        columns.map(([name, values]) => [name, makeVector(values.subarray(from, from + n))]),
      ),
    );
    for (const b of part.batches) batches.push(new RecordBatch(schema, b.data));
    from += n;
  }
  return new Table(schema, batches);
}

const BATCH_SIZE = 8192;

/** The MarketStream of ./market-stream.ts served from columns: same events, same statistics, same drop counts. */
export class ColumnMarketStream implements MarketStream {
  readonly stats: RowStats[];
  readonly dropped: DroppedEvents;
  readonly range: ColumnRange;

  constructor(
    readonly columns: MarketColumns,
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ) {
    this.stats = columns.stats;
    const inWindow = (ms: number) => ms >= fromMs && ms < toMs;
    this.dropped = {
      duplicateTrades: columns.droppedDuplicateMs.filter(inWindow).length,
      outOfOrder: columns.droppedOutOfOrderMs.filter(inWindow).length,
    };
    this.range = rangeOf(columns, fromMs, toMs);
  }

  get length(): number {
    const r = this.range;
    return r.bboTo - r.bboFrom + (r.tradeTo - r.tradeFrom);
  }

  /** Every event in order, synchronously (the backtest's hot path). */
  replay(fn: (ev: MarketEvent) => void): void {
    replayColumns(this.columns, this.range, fn);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MarketEvent[]> {
    // Batches like the CSV stream's, for consumers written against it (calibration's one pass), made lazily.
    const { bboTo, tradeTo } = this.range;
    const { exchMs: bMs, recvS: bRecv, bidPx, bidSz, askPx, askSz } = this.columns.bbo;
    const { exchMs: tMs, recvS: tRecv, px, sz, side, tid, bboIndex } = this.columns.trades;
    let i = this.range.bboFrom;
    let j = this.range.tradeFrom;
    while (i < bboTo || j < tradeTo) {
      const out: MarketEvent[] = [];
      while (out.length < BATCH_SIZE && (i < bboTo || j < tradeTo)) {
        if (j < tradeTo && (i >= bboTo || (bboIndex[j] as number) <= i)) {
          out.push({
            kind: 'trade',
            exchMs: tMs[j] as number,
            recvS: tRecv[j] as number,
            px: px[j] as number,
            sz: sz[j] as number,
            side: side[j] === 0 ? 'buy' : 'sell',
            tid: tid[j] as number,
          });
          j++;
        } else {
          out.push({
            kind: 'bbo',
            exchMs: bMs[i] as number,
            recvS: bRecv[i] as number,
            bidPx: bidPx[i] as number,
            bidSz: bidSz[i] as number,
            askPx: askPx[i] as number,
            askSz: askSz[i] as number,
          });
          i++;
        }
      }
      yield out;
    }
  }
}

export interface OpenMarketOptions {
  fromMs?: number;
  toMs?: number;
  /** Merge order-book snapshots when an orderbooks file exists (default true). */
  books?: boolean;
  /** Use the columnar cache (default true; `--no-cache` turns it off). */
  cache?: boolean;
  warn?: (line: string) => void;
}

/**
 * The symbol's market stream: from the columnar cache (built on first use) unless `cache` is false or order-book
 * snapshots are to be merged (they are not cached), else streamed from the CSV files. Either way the same events
 * in the same order.
 */
export async function openMarketStream(
  dir: string,
  symbol: string,
  opts: OpenMarketOptions = {},
): Promise<MarketStream | ColumnMarketStream> {
  const columns = await marketColumnsFor(dir, symbol, opts);
  if (columns === null) {
    return readMarket(dir, symbol, { fromMs: opts.fromMs, toMs: opts.toMs, books: opts.books });
  }
  return new ColumnMarketStream(columns, opts.fromMs, opts.toMs);
}

/**
 * The columns `openMarketStream` would replay (the cache, built on first use), or null when it streams the CSV
 * files instead (`cache` false, or order-book snapshots to merge). Loaded once, they serve several replays.
 */
export async function marketColumnsFor(
  dir: string,
  symbol: string,
  opts: Pick<OpenMarketOptions, 'books' | 'cache' | 'warn'> = {},
): Promise<LoadedColumns | null> {
  const books = opts.books !== false && findMarketFiles(dir, 'orderbooks', symbol).length > 0;
  if (opts.cache === false || books) return null;
  return loadMarketColumns(dir, symbol, { warn: opts.warn });
}

/** One day's columns, `bboIndex` counted from the day's first BBO row (what replayColumns needs for the day alone). */
export interface DayColumns {
  bbo: BboColumns;
  trades: TradeColumns;
}

/**
 * The merged stream of a symbol day by day: what calibration reads, so that only the days it works on are in
 * memory (a full-density day is ≈ 55 MB of columns; four days at once were most of the peak). From the cache, a
 * day is read from disk when asked for (record batch `i` of both files); after a build, days are views of the
 * columns just built.
 */
export interface MarketDays {
  readonly days: readonly CacheDay[];
  readonly stats: RowStats[];
  readonly droppedDuplicateMs: number[];
  readonly droppedOutOfOrderMs: number[];
  readonly origin: LoadedColumns['origin'];
  /**
   * Day `i`; with `into` (at least `dayBytes(i)` bytes, 8-aligned) it is read straight into that memory and its
   * columns are views of it: no copy of the day anywhere else (calibration's reused day slots,
   * src/calibrate/day-slots.ts).
   */
  loadDay(i: number, into?: Uint8Array): Promise<DayColumns>;
  /** Bytes day `i` needs to be read in place, or null when these days cannot be (they are already in memory). */
  dayBytes(i: number): number | null;
  close(): Promise<void>;
}

/** Day `i` of full columns, as views (only bboIndex is copied, rebased to the day). */
function dayOfColumns(c: MarketColumns, days: readonly CacheDay[], i: number): DayColumns {
  let b0 = 0;
  let t0 = 0;
  for (let d = 0; d < i; d++) {
    b0 += (days[d] as CacheDay).bboRows;
    t0 += (days[d] as CacheDay).tradeRows;
  }
  const day = days[i] as CacheDay;
  const b1 = b0 + day.bboRows;
  const t1 = t0 + day.tradeRows;
  const bboIndex = c.trades.bboIndex.slice(t0, t1);
  for (let k = 0; k < bboIndex.length; k++) bboIndex[k] = (bboIndex[k] as number) - b0;
  const { exchMs, recvS, bidPx, bidSz, askPx, askSz } = c.bbo;
  const tr = c.trades;
  return {
    bbo: {
      exchMs: exchMs.subarray(b0, b1),
      recvS: recvS.subarray(b0, b1),
      bidPx: bidPx.subarray(b0, b1),
      bidSz: bidSz.subarray(b0, b1),
      askPx: askPx.subarray(b0, b1),
      askSz: askSz.subarray(b0, b1),
    },
    trades: {
      exchMs: tr.exchMs.subarray(t0, t1),
      recvS: tr.recvS.subarray(t0, t1),
      px: tr.px.subarray(t0, t1),
      sz: tr.sz.subarray(t0, t1),
      side: tr.side.subarray(t0, t1),
      tid: tr.tid.subarray(t0, t1),
      bboIndex,
    },
  };
}

function inMemoryDays(c: MarketColumns, origin: LoadedColumns['origin']): MarketDays {
  const days = cacheDays(c);
  return {
    days,
    stats: c.stats,
    droppedDuplicateMs: c.droppedDuplicateMs,
    droppedOutOfOrderMs: c.droppedOutOfOrderMs,
    origin,
    loadDay: async (i) => dayOfColumns(c, days, i),
    dayBytes: () => null,
    close: async () => {},
  };
}

/** Every day of `days` in one set of columns (bbo_index global again), filled a day at a time. */
async function joinDays(days: MarketDays): Promise<MarketColumns> {
  const nb = days.days.reduce((n, d) => n + d.bboRows, 0);
  const nt = days.days.reduce((n, d) => n + d.tradeRows, 0);
  const f = (n: number) => new Float64Array(n);
  const bbo: BboColumns = {
    exchMs: f(nb),
    recvS: f(nb),
    bidPx: f(nb),
    bidSz: f(nb),
    askPx: f(nb),
    askSz: f(nb),
  };
  const trades: TradeColumns = {
    exchMs: f(nt),
    recvS: f(nt),
    px: f(nt),
    sz: f(nt),
    side: new Uint8Array(nt),
    tid: f(nt),
    bboIndex: new Uint32Array(nt),
  };
  let b0 = 0;
  let t0 = 0;
  for (let i = 0; i < days.days.length; i++) {
    const d = await days.loadDay(i);
    for (const k of Object.keys(bbo) as (keyof BboColumns)[]) bbo[k].set(d.bbo[k], b0);
    for (const k of ['exchMs', 'recvS', 'px', 'sz', 'tid'] as const) trades[k].set(d.trades[k], t0);
    trades.side.set(d.trades.side, t0);
    for (let j = 0; j < d.trades.bboIndex.length; j++)
      trades.bboIndex[t0 + j] = (d.trades.bboIndex[j] as number) + b0;
    b0 += d.bbo.exchMs.length;
    t0 += d.trades.exchMs.length;
  }
  return {
    bbo,
    trades,
    stats: days.stats,
    droppedDuplicateMs: days.droppedDuplicateMs,
    droppedOutOfOrderMs: days.droppedOutOfOrderMs,
  };
}

/** The cache files opened for reading day by day (footer and schema only), or null when absent or stale. */
async function openCacheDays(
  files: { bbo: string; trades: string },
  key: SourceKey[],
): Promise<MarketDays | null> {
  let bh: FileHandle;
  let th: FileHandle;
  try {
    bh = await open(files.bbo);
  } catch {
    return null; // no cache yet
  }
  try {
    th = await open(files.trades);
  } catch {
    await bh.close();
    return null;
  }
  const closeBoth = async () => {
    await Promise.allSettled([bh.close(), th.close()]);
  };
  try {
    const bbo = (await RecordBatchReader.from(bh)) as unknown as AsyncRecordBatchFileReader;
    const trades = (await RecordBatchReader.from(th)) as unknown as AsyncRecordBatchFileReader;
    await Promise.all([bbo.open(), trades.open()]);
    if (!bbo.isFile() || !trades.isFile()) throw new Error('not an Arrow IPC file');
    const bboMeta = metaOf(bbo);
    const meta = metaOf(trades);
    if (!sameKey(bboMeta, key) || !sameKey(meta, key)) {
      await closeBoth();
      return null; // the files changed: rebuild quietly
    }
    const days = meta.days;
    if (
      !Array.isArray(days) ||
      bbo.numRecordBatches !== days.length ||
      trades.numRecordBatches !== days.length
    )
      throw new Error('the record batches are not one per day');
    const bboBefore: number[] = [];
    let before = 0;
    for (const d of days) {
      bboBefore.push(before);
      before += d.bboRows;
    }
    const f64 = (b: RecordBatch, name: string): Float64Array => {
      const a = b.getChild(name)?.toArray();
      if (!(a instanceof Float64Array) || a.length !== b.numRows)
        throw new Error(`column ${name} is missing or not float64`);
      return a;
    };
    const checked = (b: RecordBatch | null | undefined, i: number, rows: number): RecordBatch => {
      if (b == null || b.numRows !== rows) throw new Error(`record batch ${i} does not hold day ${i}`);
      return b;
    };
    const batch = async (r: AsyncRecordBatchFileReader, i: number, rows: number): Promise<RecordBatch> =>
      checked(await r.readRecordBatch(i), i, rows);
    const bboFile = { handle: bh, reader: bbo, schemaMessage: schemaMessage(bbo.schema) };
    const tradeFile = { handle: th, reader: trades, schemaMessage: schemaMessage(trades.schema) };
    const bothInPlace = (i: number) => {
      const b = inPlaceBytes(bboFile, i);
      return { b, total: b + inPlaceBytes(tradeFile, i) };
    };
    return {
      days,
      stats: meta.stats ?? [],
      droppedDuplicateMs: meta.droppedDuplicateMs ?? [],
      droppedOutOfOrderMs: meta.droppedOutOfOrderMs ?? [],
      origin: 'cache',
      dayBytes: (i) => bothInPlace(i).total,
      async loadDay(i, into) {
        const day = days[i] as CacheDay;
        let b: RecordBatch;
        let t: RecordBatch;
        if (into === undefined) {
          [b, t] = await Promise.all([batch(bbo, i, day.bboRows), batch(trades, i, day.tradeRows)]);
        } else {
          const { b: at, total } = bothInPlace(i);
          if (into.byteLength < total || into.byteOffset % 8 !== 0)
            throw new Error(`loadDay: day ${i} needs ${total} bytes at an 8-aligned offset`);
          [b, t] = await Promise.all([
            readInPlace(bboFile, i, into.subarray(0, at)).then((x) => checked(x, i, day.bboRows)),
            readInPlace(tradeFile, i, into.subarray(at, total)).then((x) => checked(x, i, day.tradeRows)),
          ]);
        }
        const side = t.getChild('side')?.toArray();
        const index = t.getChild('bbo_index')?.toArray();
        if (!(side instanceof Uint8Array) || !(index instanceof Uint32Array))
          throw new Error('column side or bbo_index is missing or of the wrong type');
        const b0 = bboBefore[i] as number;
        // Read in place, the column is this day's own copy: rebased where it lies.
        const bboIndex = into === undefined ? new Uint32Array(index.length) : index;
        for (let k = 0; k < index.length; k++) {
          const v = (index[k] as number) - b0;
          if (!(v >= 0 && v <= day.bboRows)) throw new Error('bbo_index outside its day');
          bboIndex[k] = v;
        }
        const [exchMs, recvS, bidPx, bidSz, askPx, askSz] = BBO_FIELDS.map((n) =>
          f64(b, n),
        ) as Float64Array[];
        return {
          bbo: { exchMs, recvS, bidPx, bidSz, askPx, askSz } as BboColumns,
          trades: {
            exchMs: f64(t, 'exch_ms'),
            recvS: f64(t, 'recv_s'),
            px: f64(t, 'price'),
            sz: f64(t, 'size'),
            side,
            tid: f64(t, 'trade_id'),
            bboIndex,
          },
        };
      },
      close: closeBoth,
    };
  } catch (err) {
    await closeBoth();
    throw err;
  }
}

/** One cache file opened for day-by-day reads, with its schema as an IPC stream message. */
interface DayFile {
  handle: FileHandle;
  reader: AsyncRecordBatchFileReader;
  schemaMessage: Uint8Array;
}

/** The schema alone as an IPC stream message (continuation, length, flatbuffer padded to 8 bytes, no body). */
function schemaMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  const metaLength = new DataView(stream.buffer, stream.byteOffset).getInt32(4, true);
  return stream.slice(0, 8 + metaLength);
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Record batch `i` of `f` as a stream of its own: the schema message, the batch's message, end of stream. */
function inPlaceBytes(f: DayFile, i: number): number {
  const block = f.reader.footer?.getRecordBatch(i);
  if (block == null) throw new Error(`record batch ${i} is missing`);
  return align8(f.schemaMessage.byteLength + block.metaDataLength + block.bodyLength + 8);
}

/**
 * Reads record batch `i` of `f` into `into` (inPlaceBytes(f, i) bytes) as a one-batch IPC stream and decodes it
 * there: Arrow's columns are views of `into`. The batch's message is copied from the file as it is (its body
 * stays 8-aligned: the schema message before it is a multiple of 8 bytes long).
 */
async function readInPlace(f: DayFile, i: number, into: Uint8Array): Promise<RecordBatch | undefined> {
  const block = f.reader.footer?.getRecordBatch(i);
  if (block == null) throw new Error(`record batch ${i} is missing`);
  const s = f.schemaMessage.byteLength;
  const n = block.metaDataLength + block.bodyLength;
  into.set(f.schemaMessage, 0);
  let done = 0;
  while (done < n) {
    const { bytesRead } = await f.handle.read(into, s + done, n - done, block.offset + done);
    if (bytesRead === 0) throw new Error(`the file ends inside record batch ${i}`);
    done += bytesRead;
  }
  // End of stream: continuation marker, then a zero length.
  new DataView(into.buffer, into.byteOffset).setUint32(s + n, 0xffffffff, true);
  new DataView(into.buffer, into.byteOffset).setUint32(s + n + 4, 0, true);
  return tableFromIPC(into.subarray(0, s + n + 8)).batches[0];
}

/**
 * The symbol's merged stream day by day: from the cache when it matches the files (each day read when asked
 * for), else built from CSV (and written as the cache) and served from memory. Missing prices/trades files → the
 * reader's UserError; a cache that cannot be read is rebuilt with a warning.
 */
export async function openMarketDays(
  dir: string,
  symbol: string,
  opts: EventCacheLoadOptions = {},
): Promise<MarketDays> {
  const warn = opts.warn ?? (() => {});
  const files = cacheFiles(dir, symbol);
  readMarket(dir, symbol, { books: false });
  const key = sourceKey(dir, symbol);
  try {
    const cached = await openCacheDays(files, key);
    if (cached !== null) return cached;
  } catch (err) {
    warn(
      `the event cache ${files.trades} (or ${basename(files.bbo)}) is unreadable (${(err as Error).message}); rebuilding it from the CSV files`,
    );
  }
  const built = await buildColumns(dir, symbol);
  const written = await writeCache(files, key, built, warn);
  if (!written) return inMemoryDays(built, 'built-unwritten');
  // Read back day by day from the files just written, so the whole recording's columns can go now.
  const reopened = await openCacheDays(files, key).catch(() => null);
  return reopened === null ? inMemoryDays(built, 'built') : { ...reopened, origin: 'built' };
}
