/**
 * Appends market data to the per-symbol files of ./layout.ts, buffered in memory until `flush`.
 *
 * Why writes are synchronous underneath `flush()`: `flushSync()` must be callable from a signal handler or an
 * exit path and still leave the file complete and in order. With asynchronous appends, an append still in the
 * thread pool when the process exits would be lost, and one that finished after a later synchronous append
 * would land out of order. A flush every few seconds appends a few MB to the page cache, which takes
 * milliseconds, so blocking the event loop for it is the cheaper trade.
 *
 * Numbers are written with JavaScript's shortest round-trip form (`String(x)`): 107947.0 becomes `107947`,
 * 1756707631.2300105 stays as given, and the reader gets back exactly the same double. Rows go straight into a
 * byte buffer per file (./csv-row-bytes.ts, which writes the same bytes as String(x) faster): no per-row strings.
 * The writer never writes a row the reader would skip: a record with a non-finite or non-positive price, size
 * or timestamp is dropped and counted in `droppedRecords`.
 *
 * Daily files (`rotateDaily`, what the collector uses): each row goes to the file of the UTC day of its exchange
 * time (`prices_BTC_2025-09-01.csv`). Rotation only moves forward: a row older than the current file's day (a
 * trade Hyperliquid re-sends just after midnight) goes into the current file, where the reader's merge handles it
 * like any re-send — so a file never gets appended to again once the next day's file exists.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Bbo, BookSnapshot, TradePrint } from '../core/market.ts';
import { asciiBytes, COMMA, CsvRowBytes, NEWLINE } from './csv-row-bytes.ts';
import {
  datedMarketFileName,
  latestMarketFile,
  type MarketFileKind,
  marketFileName,
  orderBookHeader,
  PRICES_HEADER,
  TRADES_HEADER,
} from './layout.ts';

/** Room reserved per number before a row is written: String(x) of a double is at most 25 characters. */
const ROW_BYTES_PER_NUMBER = 32;
// Fixed cells with their surrounding commas: ",bid," etc.
const BID_FIELD = asciiBytes(',bid,');
const ASK_FIELD = asciiBytes(',ask,');
const BUY_FIELD = asciiBytes(',buy,');
const SELL_FIELD = asciiBytes(',sell,');

export interface MarketDataWriterOptions {
  dir: string;
  symbol: string;
  /** Order-book levels per side written to orderbooks_<SYM>.csv (deeper levels are cut). Default 20. */
  depth?: number;
  /** One file per UTC day of exchange time (`prices_<SYM>_<YYYY-MM-DD>.csv`); default false (one undated file). */
  rotateDaily?: boolean;
}

const DAY_MS = 86_400_000;

/** One output file: its path, header and the rows waiting for the next flush. */
interface PendingFile {
  path: string;
  readonly kind: MarketFileKind;
  /** Rotating files: the UTC day number (ms / 86 400 000) of `path`; −1 before the first row; NaN: not rotating. */
  day: number;
  readonly header: string;
  readonly out: CsvRowBytes;
  rows: number;
  /** Header checked (existing file) or written (new file). */
  ready: boolean;
}

export class MarketDataWriter {
  readonly depth: number;
  private readonly prices: PendingFile;
  private readonly trades: PendingFile;
  private readonly books: PendingFile;
  private dropped = 0;
  private closed = false;
  private readonly dir: string;
  private readonly symbol: string;

  constructor(opts: MarketDataWriterOptions) {
    const depth = opts.depth ?? 20;
    if (!Number.isInteger(depth) || depth < 1) {
      throw new UserError(`Order-book depth must be a whole number ≥ 1, got ${depth}; fix --depth.`);
    }
    if (!existsSync(opts.dir) || !statSync(opts.dir).isDirectory()) {
      throw new UserError(`Output directory ${opts.dir} does not exist; create it or pick another --out.`);
    }
    this.depth = depth;
    this.dir = opts.dir;
    this.symbol = opts.symbol;
    const rotate = opts.rotateDaily === true;
    const file = (kind: MarketFileKind, header: string): PendingFile => {
      const f: PendingFile = {
        path: join(opts.dir, marketFileName(kind, opts.symbol)),
        kind,
        day: rotate ? -1 : Number.NaN,
        header,
        out: new CsvRowBytes(),
        rows: 0,
        ready: false,
      };
      if (rotate) {
        // Carry on in the newest dated file (a restart the same day), checking its header now.
        const latest = latestMarketFile(opts.dir, kind, opts.symbol);
        const m = latest === null ? null : /_(\d{4}-\d{2}-\d{2})\.csv$/.exec(latest);
        if (latest !== null && m !== null) {
          f.path = latest;
          f.day = Math.floor(Date.parse(`${m[1]}T00:00:00Z`) / DAY_MS);
        } else f.ready = true; // nothing to check yet: the first row picks the file
      }
      return f;
    };
    this.prices = file('prices', PRICES_HEADER);
    this.trades = file('trades', TRADES_HEADER);
    this.books = file('orderbooks', orderBookHeader(depth));
    // Check existing files now, so a wrong --out or --depth fails at start-up rather than at the first flush.
    for (const f of [this.prices, this.trades, this.books]) if (!(f.day === -1)) prepareFile(f);
  }

  /** Rotating files: moves `f` to the file of `exchMs`'s UTC day when that day is later than its own. */
  private route(f: PendingFile, exchMs: number): void {
    if (Number.isNaN(f.day)) return;
    const day = Math.floor(exchMs / DAY_MS);
    if (day <= f.day) return;
    flushFile(f);
    f.day = day;
    f.path = join(
      this.dir,
      datedMarketFileName(f.kind, this.symbol, new Date(day * DAY_MS).toISOString().slice(0, 10)),
    );
    f.ready = false;
    prepareFile(f);
  }

  /** Two rows (bid, then ask) with the same timestamps. */
  writeBbo(b: Bbo): void {
    this.assertOpen();
    if (!(validTimes(b.recvS, b.exchMs) && positive(b.bidPx, b.bidSz) && positive(b.askPx, b.askSz))) {
      this.dropped++;
      return;
    }
    this.route(this.prices, b.exchMs);
    const o = this.prices.out;
    o.reserve(2 * ROW_BYTES_PER_NUMBER * 5);
    const recvStart = o.length;
    o.number(b.recvS);
    const recvEnd = o.length;
    o.byte(COMMA);
    o.number(b.bidPx);
    o.byte(COMMA);
    o.number(b.bidSz);
    o.word(BID_FIELD);
    const exchStart = o.length;
    o.number(b.exchMs);
    const exchEnd = o.length;
    o.byte(NEWLINE);
    o.repeat(recvStart, recvEnd);
    o.byte(COMMA);
    o.number(b.askPx);
    o.byte(COMMA);
    o.number(b.askSz);
    o.word(ASK_FIELD);
    o.repeat(exchStart, exchEnd);
    o.byte(NEWLINE);
    this.prices.rows += 2;
  }

  writeTrade(t: TradePrint): void {
    this.assertOpen();
    if (
      !(validTimes(t.recvS, t.exchMs) && positive(t.px, t.sz)) ||
      (t.side !== 'buy' && t.side !== 'sell') ||
      !(Number.isSafeInteger(t.tid) && t.tid >= 0)
    ) {
      this.dropped++;
      return;
    }
    this.route(this.trades, t.exchMs);
    const o = this.trades.out;
    o.reserve(ROW_BYTES_PER_NUMBER * 6);
    o.number(t.recvS);
    o.byte(COMMA);
    o.number(t.px);
    o.byte(COMMA);
    o.number(t.sz);
    o.word(t.side === 'buy' ? BUY_FIELD : SELL_FIELD);
    o.number(t.tid);
    o.byte(COMMA);
    o.number(t.exchMs);
    o.byte(NEWLINE);
    this.trades.rows++;
  }

  /** One row of `depth` levels per side, best first; missing levels are empty cells, deeper ones are cut. */
  writeBook(b: BookSnapshot): void {
    this.assertOpen();
    if (!(validTimes(b.recvS, b.exchMs) && Number.isFinite(b.seq) && b.seq >= 0)) {
      this.dropped++;
      return;
    }
    this.route(this.books, b.exchMs);
    const o = this.books.out;
    o.reserve(ROW_BYTES_PER_NUMBER * (3 + 4 * this.depth));
    const rowStart = o.length;
    o.number(b.recvS);
    o.byte(COMMA);
    o.number(b.seq);
    o.byte(COMMA);
    o.number(b.exchMs);
    for (let i = 0; i < this.depth; i++) {
      const bid = b.bids[i];
      const ask = b.asks[i];
      if (
        (bid !== undefined && !positive(bid.px, bid.sz)) ||
        (ask !== undefined && !positive(ask.px, ask.sz))
      ) {
        o.length = rowStart; // the row is refused whole
        this.dropped++;
        return;
      }
      writeLevel(o, bid);
      writeLevel(o, ask);
    }
    o.byte(NEWLINE);
    this.books.rows++;
  }

  /** Rows waiting in memory for the next flush (a BBO counts two rows). */
  get bufferedRows(): number {
    return this.prices.rows + this.trades.rows + this.books.rows;
  }

  /** Records refused because the reader would have skipped them (non-finite or non-positive values). */
  get droppedRecords(): number {
    return this.dropped;
  }

  /** Appends every buffered row to its file (see the module comment for why this is synchronous inside). */
  async flush(): Promise<void> {
    this.flushSync();
  }

  /** Same as flush, for signal handlers and exit paths. */
  flushSync(): void {
    for (const file of [this.prices, this.trades, this.books]) flushFile(file);
  }

  /** The files written to now (for rotating files, the current day's; before the first row, the undated names). */
  get paths(): { prices: string; trades: string; orderbooks: string } {
    return { prices: this.prices.path, trades: this.trades.path, orderbooks: this.books.path };
  }

  /** Flushes; the writer accepts no more rows afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`MarketDataWriter for ${this.prices.path} is closed`);
  }
}

/** Appends `file`'s buffered rows (one append per flush; the header goes with the first rows of a new file). */
function flushFile(file: PendingFile): void {
  if (file.out.length === 0) return;
  const rows = file.out.view();
  appendFileSync(file.path, file.ready ? rows : Buffer.concat([Buffer.from(`${file.header}\n`), rows]));
  file.ready = true;
  file.out.clear();
  file.rows = 0;
}

/**
 * Before the first append: a new (or empty) file gets its header with the first rows; an existing file must
 * already have exactly this header, so rows of another layout or depth never get mixed in.
 */
function prepareFile(file: PendingFile): void {
  if (!existsSync(file.path) || statSync(file.path).size === 0) return; // header goes with the first text
  const first = firstLine(file.path);
  if (first !== file.header) {
    throw new UserError(
      `${file.path} already exists with the header "${first.slice(0, 120)}", not "${file.header.slice(0, 120)}"; ` +
        'write to another --out directory (or use the same --depth as before).',
    );
  }
  if (!endsWithNewline(file.path)) appendFileSync(file.path, '\n'); // a crash mid-row left a partial line
  file.ready = true;
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, n);
    const nl = text.indexOf('\n');
    return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

function endsWithNewline(path: string): boolean {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0] === 10;
  } finally {
    closeSync(fd);
  }
}

/** ",px,sz" of one book level, or ",," for a level the book does not have. */
function writeLevel(o: CsvRowBytes, level: { px: number; sz: number } | undefined): void {
  o.byte(COMMA);
  if (level !== undefined) o.number(level.px);
  o.byte(COMMA);
  if (level !== undefined) o.number(level.sz);
}

function validTimes(recvS: number, exchMs: number): boolean {
  return recvS > 0 && recvS < Number.POSITIVE_INFINITY && exchMs > 0 && exchMs < Number.POSITIVE_INFINITY;
}

function positive(px: number, sz: number): boolean {
  return px > 0 && px < Number.POSITIVE_INFINITY && sz > 0 && sz < Number.POSITIVE_INFINITY;
}
