/**
 * Builds the event cache's columns (./event-columns.ts) straight from the CSV bytes: the reader's own row parsers
 * (./reader.ts) hand each accepted BBO and trade to growing typed-array columns — no event object per row — and
 * the two sorted column sets are then merged by exchange time in place, under the same MONOTONIC RULE and tie
 * order as the object merge of ./market-stream.ts. The result equals what that merge yields, column for column
 * (test/data/column-build.test.ts compares the two).
 */
import { statSync } from 'node:fs';
import { type BboColumns, EventColumnsBuilder, type TradeColumns } from './event-columns.ts';
import { findMarketFiles } from './layout.ts';
import { DUPLICATE, KEEP, MonotonicGate } from './market-stream.ts';
import { parsePricesInto, parseTradesInto, type RowStats } from './reader.ts';

export interface BuiltColumns {
  bbo: BboColumns;
  trades: TradeColumns;
  /** Row statistics of each CSV file: prices files, then trades files (the object stream's order). */
  stats: RowStats[];
  /** Exchange times of the events the MONOTONIC RULE dropped, in merged order. */
  droppedDuplicateMs: number[];
  droppedOutOfOrderMs: number[];
}

/**
 * Capacity estimates (only sizing: too low grows by a quarter, too high wastes the difference until the exact
 * copy at the end): a BBO is two prices rows of ~45 bytes (real and synthetic files: 80–100 bytes per update), a
 * trades row ~50 bytes (synthetic ~54, real 60–70); gzip shrinks these files about 4×.
 */
const PRICES_BYTES_PER_BBO = 80;
const TRADES_BYTES_PER_ROW = 50;
const GZIP_RATIO = 4;

/** Parses every prices and trades file of `symbol` in `dir` (in reading order) and merges them into columns. */
export async function buildMarketColumns(dir: string, symbol: string): Promise<BuiltColumns> {
  const pricesFiles = findMarketFiles(dir, 'prices', symbol);
  const tradesFiles = findMarketFiles(dir, 'trades', symbol);
  // Sized from the files up front: doubling arrays of a few hundred MB would briefly need twice that.
  const builder = new EventColumnsBuilder(
    estimateRows(pricesFiles, PRICES_BYTES_PER_BBO),
    estimateRows(tradesFiles, TRADES_BYTES_PER_ROW),
  );
  const stats: RowStats[] = [];
  for (const f of pricesFiles) stats.push(copyStats(await parsePricesInto(f, builder)));
  for (const f of tradesFiles) stats.push(copyStats(await parseTradesInto(f, builder)));
  const { bbo, trades, bboRows, tradeRows } = builder.release();
  // Column arrays for the merge's row moves (bbo_index is the merge's own output, written over the parse's).
  const bboCols = [bbo.exchMs, bbo.recvS, bbo.bidPx, bbo.bidSz, bbo.askPx, bbo.askSz];
  const tradeCols = [trades.exchMs, trades.recvS, trades.px, trades.sz, trades.tid];
  const bboCapacity = bbo.exchMs.length;
  const tradeCapacity = trades.exchMs.length;
  const merged = mergeInPlace(bboCols, bboRows, tradeCols, trades.side, trades.bboIndex, tradeRows);
  const b = exactLength(bboCols, merged.bboRows, bboCapacity);
  const t = exactLength(tradeCols, merged.tradeRows, tradeCapacity);
  return {
    bbo: { exchMs: b[0], recvS: b[1], bidPx: b[2], bidSz: b[3], askPx: b[4], askSz: b[5] },
    trades: {
      exchMs: t[0],
      recvS: t[1],
      px: t[2],
      sz: t[3],
      tid: t[4],
      side: exactLength([trades.side], merged.tradeRows, tradeCapacity)[0],
      bboIndex: exactLength([trades.bboIndex], merged.tradeRows, tradeCapacity)[0],
    },
    stats,
    droppedDuplicateMs: merged.droppedDuplicateMs,
    droppedOutOfOrderMs: merged.droppedOutOfOrderMs,
  };
}

function estimateRows(files: string[], bytesPerRow: number): number {
  return files.reduce(
    (n, f) => n + Math.ceil((statSync(f).size * (f.endsWith('.gz') ? GZIP_RATIO : 1)) / bytesPerRow),
    1024,
  );
}

function copyStats(s: RowStats): RowStats {
  return { ...s, badLines: [...s.badLines], reasons: { ...s.reasons } };
}

interface Merged {
  bboRows: number;
  tradeRows: number;
  droppedDuplicateMs: number[];
  droppedOutOfOrderMs: number[];
}

/**
 * Merges the BBO rows [0, nb) and trade rows [0, nt) by exchange time — a trade before a BBO of the same time
 * (market-stream's TIE_RANK), each kind in file order — through the MonotonicGate, writing each kept trade's
 * `bboIndex` (the BBO rows kept before it). Kept rows are compacted to
 * the front of their own columns (a kept row never moves forward, so in place is safe; rows before the first
 * drop stay where they are).
 */
function mergeInPlace(
  b: Float64Array[],
  nb: number,
  t: Float64Array[],
  side: Uint8Array,
  bboIndex: Uint32Array,
  nt: number,
): Merged {
  const gate = new MonotonicGate();
  const droppedDuplicateMs: number[] = [];
  const droppedOutOfOrderMs: number[] = [];
  const bMs = b[0] as Float64Array;
  const tMs = t[0] as Float64Array;
  const tid = t[4] as Float64Array;
  let i = 0;
  let j = 0;
  let bw = 0;
  let tw = 0;
  while (i < nb || j < nt) {
    // Trades up to (and at) the next BBO's time, then BBOs before the next trade's time.
    const bboMs = i < nb ? (bMs[i] as number) : Number.POSITIVE_INFINITY;
    for (; j < nt && (tMs[j] as number) <= bboMs; j++) {
      const ms = tMs[j] as number;
      const verdict = gate.trade(ms, tid[j] as number);
      if (verdict !== KEEP) {
        (verdict === DUPLICATE ? droppedDuplicateMs : droppedOutOfOrderMs).push(ms);
        continue;
      }
      if (tw !== j) {
        moveRow(t, j, tw);
        side[tw] = side[j] as number;
      }
      bboIndex[tw] = bw;
      tw++;
    }
    const tradeMs = j < nt ? (tMs[j] as number) : Number.POSITIVE_INFINITY;
    for (; i < nb && (bMs[i] as number) < tradeMs; i++) {
      const ms = bMs[i] as number;
      if (gate.bbo(ms) !== KEEP) {
        droppedOutOfOrderMs.push(ms);
        continue;
      }
      if (bw !== i) moveRow(b, i, bw);
      bw++;
    }
  }
  return { bboRows: bw, tradeRows: tw, droppedDuplicateMs, droppedOutOfOrderMs };
}

/** Copies row `from` of every column to row `to`. */
function moveRow(cols: Float64Array[], from: number, to: number): void {
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c] as Float64Array;
    col[to] = col[from] as number;
  }
}

/**
 * The first `n` values of each column. When the estimate was close (at least 3/4 used) they are views of the
 * filled arrays: a copy would briefly hold every column twice, the peak of a first run over several days.
 * Otherwise copies, one at a time, each filled array released as soon as it is copied.
 */
function exactLength<T extends Float64Array | Uint8Array | Uint32Array>(
  cols: T[],
  n: number,
  capacity: number,
): T[] {
  return cols.map((col, i) => {
    const out = n >= capacity * 0.75 ? (col.subarray(0, n) as T) : (col.slice(0, n) as T);
    cols[i] = col.subarray(0, 0) as T;
    return out;
  });
}
