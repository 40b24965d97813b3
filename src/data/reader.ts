/**
 * Streaming readers for the market-data files (layout in ./layout.ts, docs/data-files.md).
 *
 * The reader is the hot path of calibration and backtests, so it parses bytes directly: the file (or its gunzip
 * stream) arrives in 256 KiB chunks, lines are found with Buffer.indexOf and fields are parsed in place by
 * ./csv-fields.ts — no per-row strings, splits or regexes. Memory stays constant whatever the file size: one
 * chunk, one carried-over partial line and one batch (8,192 objects) at a time.
 *
 * Bad input policy: a malformed row is skipped and counted (`RowStats`), with its 1-based line number (the
 * header is line 1; the first 10 kept) and reason; a missing file, a missing or wrong header, or an unreadable
 * gzip stream is a UserError naming the file.
 */

import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../core/errors.ts';
import type { Bbo, BookLevel, BookSnapshot, MarketEvent, TradePrint } from '../core/market.ts';
import {
  checkBook,
  DEFAULT_PLAUSIBILITY,
  type PlausibilityRules,
  PriceSanity,
} from '../core/plausibility.ts';
import { fieldEnd, isEmptyField, parseNumberField, parseWordField } from './csv-fields.ts';
import { ORDERBOOK_HEADER_PREFIX, orderBookHeader, PRICES_HEADER, TRADES_HEADER } from './layout.ts';

export interface RowStats {
  file: string;
  /** Data rows read so far (every non-blank line after the header), good and bad. */
  rows: number;
  /** Rows skipped as malformed. */
  badRows: number;
  /** 1-based line numbers (header = line 1) of the first 10 bad rows, ascending. */
  badLines: number[];
  /** Bad rows per reason, e.g. { 'non-numeric price': 2, 'unpaired bid/ask row': 1 }. */
  reasons: Record<string, number>;
}

/**
 * Batches of parsed records (arrays of ~8k, fresh each time: keep them if you like). Each iteration re-reads the
 * file from the start and resets `stats`, which is final once the iteration has ended.
 */
export interface BatchReader<T> extends AsyncIterable<T[]> {
  readonly stats: RowStats;
}

export type BboEvent = Extract<MarketEvent, { kind: 'bbo' }>;
export type TradeEvent = Extract<MarketEvent, { kind: 'trade' }>;
export type BookEvent = Extract<MarketEvent, { kind: 'book' }>;

/** Objects per batch: big enough to amortise the async hop, small enough to stay in cache. */
const BATCH_SIZE = 8192;
const CHUNK_BYTES = 256 * 1024;
/** A "line" longer than this is not CSV (binary junk, a missing newline): it is skipped, not buffered. */
const MAX_LINE_BYTES = 1024 * 1024;
const BAD_LINES_KEPT = 10;
const NEWLINE = 10;
const CR = 13;

/**
 * BBO updates from `prices_<SYM>.csv`: two rows per update (bid and ask: the collector writes bid first, but
 * the original recorder also wrote ask first, so either order pairs), joined when consecutive rows carry the same
 * timestamp and exchange_timestamp and opposite sides. A row without its partner is skipped as
 * 'unpaired bid/ask row' (the sample has a few where recording stopped between the two rows).
 * The objects also carry `kind: 'bbo'`, so they are MarketEvents as they stand.
 */
export function readPrices(file: string, rules: PlausibilityRules = DEFAULT_PLAUSIBILITY): BatchReader<Bbo> {
  return readPriceEvents(file, rules);
}

/** Trades from `trades_<SYM>.csv`, in file order; duplicate trade ids are kept (de-duplication is the collector's job). */
export function readTrades(
  file: string,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): BatchReader<TradePrint> {
  return readTradeEvents(file, rules);
}

/** Order-book snapshots from `orderbooks_<SYM>.csv`; the depth comes from the header; missing levels are left out. */
export function readOrderBooks(
  file: string,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): BatchReader<BookSnapshot> {
  return readBookEvents(file, rules);
}

// Each pass over a file judges plausibility afresh (src/core/plausibility.ts): rows with prices that cannot be
// real are skipped and counted under their reason, like malformed ones.
export function readPriceEvents(
  file: string,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): BatchReader<BboEvent> {
  return new CsvBatchReader(file, (stats) => {
    const sink = new BboObjects();
    return { parser: new PricesParser(stats, new PriceSanity(rules), sink), out: sink };
  });
}

export function readTradeEvents(
  file: string,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): BatchReader<TradeEvent> {
  return new CsvBatchReader(file, (stats) => {
    const sink = new TradeObjects();
    return { parser: new TradesParser(stats, new PriceSanity(rules), sink), out: sink };
  });
}

export function readBookEvents(
  file: string,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): BatchReader<BookEvent> {
  return new CsvBatchReader(file, (stats) => {
    const sink = new Batch<BookEvent>();
    return { parser: new BooksParser(stats, new PriceSanity(rules), sink), out: sink };
  });
}

/** Where a prices parser puts each BBO it accepts (an object batch, or typed columns: ./column-build.ts). */
export interface BboSink {
  bbo(exchMs: number, recvS: number, bidPx: number, bidSz: number, askPx: number, askSz: number): void;
}

/** Where a trades parser puts each trade it accepts; `side` 0 = buy aggressor, 1 = sell. */
export interface TradeSink {
  trade(exchMs: number, recvS: number, px: number, sz: number, side: number, tid: number): void;
}

/**
 * Parses the whole prices file `file` into `sink` (no objects, no batches) and returns its row statistics: the
 * same rows accepted and the same bad rows counted as `readPriceEvents`, by the same parser.
 */
export function parsePricesInto(
  file: string,
  sink: BboSink,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): Promise<RowStats> {
  return new CsvFile(file).parseAll((stats) => new PricesParser(stats, new PriceSanity(rules), sink));
}

/** Parses the whole trades file `file` into `sink`; as `readTradeEvents` (duplicate trade ids kept). */
export function parseTradesInto(
  file: string,
  sink: TradeSink,
  rules: PlausibilityRules = DEFAULT_PLAUSIBILITY,
): Promise<RowStats> {
  return new CsvFile(file).parseAll((stats) => new TradesParser(stats, new PriceSanity(rules), sink));
}

/**
 * One line for users, or null when nothing was skipped, e.g.
 * `prices_BTC.csv: skipped 3 malformed rows of 5,000 (lines 5, 9, 12: non-numeric price ×2, unknown side ×1)`.
 */
export function describeBadRows(stats: RowStats): string | null {
  if (stats.badRows === 0) return null;
  const lines = stats.badLines.join(', ') + (stats.badRows > stats.badLines.length ? ', …' : '');
  const reasons = Object.entries(stats.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ×${count}`)
    .join(', ');
  const noun = stats.badRows === 1 ? 'row' : 'rows';
  return `${basename(stats.file)}: skipped ${thousands(stats.badRows)} malformed ${noun} of ${thousands(stats.rows)} (line${stats.badLines.length === 1 ? '' : 's'} ${lines}: ${reasons})`;
}

/** 55107 → "55,107", as toLocaleString('en-US') writes it, without loading ICU's locale data (~60 ms at start-up). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// ---------------------------------------------------------------------------------------------------------
// The line loop shared by the three files.

interface RowParser {
  /** The expected header, as shown to users. */
  readonly headerHint: string;
  /** Throws a UserError if `header` (BOM and CR removed) is not this file kind's header. */
  checkHeader(header: string, file: string): void;
  /** Parses bytes [start, end) of line `line`: hands 0 or 1 records to its sink, or counts a bad row. */
  row(buf: Uint8Array, start: number, end: number, line: number): void;
  /** End of the file: flush any state (e.g. a pending unpaired price row). */
  finish(): void;
}

/** Counts a skipped row; returns false so a row parser can `return countBad(…)`. */
function countBad(stats: RowStats, line: number, reason: string): false {
  stats.badRows++;
  stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
  const kept = stats.badLines;
  if (kept.length < BAD_LINES_KEPT) {
    // An unpaired price row is only known to be unpaired once the next row arrives: keep the list ascending.
    let at = kept.length;
    while (at > 0 && kept[at - 1] > line) at--;
    kept.splice(at, 0, line);
  }
  return false;
}

/** Parsed records gathered for the next yield of a BatchReader. */
class Batch<T> {
  out: T[] = [];

  take(): T[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

class BboObjects extends Batch<BboEvent> implements BboSink {
  bbo(exchMs: number, recvS: number, bidPx: number, bidSz: number, askPx: number, askSz: number): void {
    this.out.push({ kind: 'bbo', exchMs, recvS, bidPx, bidSz, askPx, askSz });
  }
}

class TradeObjects extends Batch<TradeEvent> implements TradeSink {
  trade(exchMs: number, recvS: number, px: number, sz: number, side: number, tid: number): void {
    this.out.push({ kind: 'trade', exchMs, recvS, px, sz, side: SIDES[side], tid });
  }
}

/**
 * The lines of one file, chunk by chunk, handed to a row parser: the header checked, blank lines skipped, a line
 * split across chunks joined, a line over MAX_LINE_BYTES skipped and counted.
 */
class LineSplitter {
  private line = 0; // number of the line being handled
  private header = true;
  private carry: Buffer | null = null; // a partial line from the previous chunk
  private skippingLongLine = false;

  constructor(
    private readonly file: string,
    private readonly parser: RowParser,
    private readonly stats: RowStats,
  ) {}

  /** Starts a new chunk: finishes the line carried over; the position of its first whole line, or -1. */
  begin(chunk: Buffer): number {
    if (this.skippingLongLine) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return -1;
      this.skippingLongLine = false;
      return nl + 1;
    }
    if (this.carry === null) return 0;
    const nl = chunk.indexOf(NEWLINE);
    if (nl === -1) {
      this.carry = Buffer.concat([this.carry, chunk]);
      if (this.carry.length > MAX_LINE_BYTES) {
        this.carry = null;
        this.skippingLongLine = true;
        this.line++;
        if (this.header)
          throw new UserError(
            `${this.file}: the first line is over 1 MiB long; it must be "${this.parser.headerHint}".`,
          );
        this.stats.rows++;
        countBad(this.stats, this.line, 'line too long');
      }
      return -1;
    }
    const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
    this.carry = null;
    this.handle(joined, 0, joined.length);
    return nl + 1;
  }

  /**
   * Handles the lines of `chunk` from `pos`: -1 once the chunk is used up (its partial last line carried over),
   * or the position to resume from as soon as `batch` holds BATCH_SIZE records.
   */
  scan(chunk: Buffer, pos: number, batch: Batch<unknown> | null): number {
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, pos);
      if (nl === -1) break;
      this.handle(chunk, pos, nl);
      pos = nl + 1;
      if (batch !== null && batch.out.length >= BATCH_SIZE) return pos;
    }
    // A copy: the chunk's memory may be reused for the next read (see `plainChunks`).
    if (pos < chunk.length) this.carry = Buffer.from(chunk.subarray(pos));
    return -1;
  }

  /** The end of the file: its last line without a newline, the header check, the parser's flush. */
  end(): void {
    if (this.carry !== null) this.handle(this.carry, 0, this.carry.length);
    this.carry = null;
    if (this.header) throw headerError(this.file, this.parser);
    this.parser.finish();
  }

  private handle(buf: Uint8Array, start: number, end: number): void {
    this.line++;
    if (end > start && buf[end - 1] === CR) end--;
    if (this.header) {
      this.header = false;
      let text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.parser.checkHeader(text, this.file);
      return;
    }
    if (end === start) return; // blank line: not a row
    this.stats.rows++;
    this.parser.row(buf, start, end, this.line);
  }
}

/** One market-data file: checked to exist on creation; each pass re-reads it and resets `stats`. */
class CsvFile {
  readonly stats: RowStats;
  protected readonly file: string;

  constructor(file: string) {
    this.file = file;
    this.stats = { file, rows: 0, badRows: 0, badLines: [], reasons: {} };
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UserError(`${file} does not exist; check the path (or the --data directory and symbol).`);
    }
    if (!isFile)
      throw new UserError(`${file} is not a file; give the path of a .csv or .csv.gz market-data file.`);
  }

  protected resetStats(): RowStats {
    const stats = this.stats;
    stats.rows = 0;
    stats.badRows = 0;
    stats.badLines.length = 0;
    for (const key of Object.keys(stats.reasons)) delete stats.reasons[key];
    return stats;
  }

  /**
   * One pass over the whole file into the parser's sink. A plain file is read chunk by chunk into one reused
   * buffer (no stream, no buffer per chunk); a .gz file through gunzip as the batch reader does.
   */
  async parseAll(makeParser: (stats: RowStats) => RowParser): Promise<RowStats> {
    const lines = new LineSplitter(this.file, makeParser(this.resetStats()), this.stats);
    const input = this.file.endsWith('.gz') ? openBytes(this.file) : null;
    try {
      const chunks = input === null ? plainChunks(this.file) : (input as AsyncIterable<Buffer>);
      for await (const chunk of chunks) {
        const pos = lines.begin(chunk);
        if (pos >= 0) lines.scan(chunk, pos, null);
      }
      lines.end();
    } catch (err) {
      throw readError(err, this.file);
    } finally {
      input?.destroy();
    }
    return this.stats;
  }
}

class CsvBatchReader<T> extends CsvFile implements BatchReader<T> {
  private readonly makeParser: (stats: RowStats) => { parser: RowParser; out: Batch<T> };

  constructor(file: string, makeParser: (stats: RowStats) => { parser: RowParser; out: Batch<T> }) {
    super(file);
    this.makeParser = makeParser;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T[]> {
    const { parser, out } = this.makeParser(this.resetStats());
    const lines = new LineSplitter(this.file, parser, this.stats);
    const input = openBytes(this.file);
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        let pos = lines.begin(chunk);
        while (pos >= 0) {
          pos = lines.scan(chunk, pos, out);
          if (out.out.length >= BATCH_SIZE) yield out.take();
        }
        if (out.out.length >= BATCH_SIZE) yield out.take();
      }
      lines.end();
      if (out.out.length > 0) yield out.take();
    } catch (err) {
      throw readError(err, this.file);
    } finally {
      input.destroy();
    }
  }
}

/** The bytes of a plain file, CHUNK_BYTES at a time, each chunk a view of the same buffer (valid until the next). */
async function* plainChunks(file: string): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The file's bytes: a plain read stream, or read → gunzip for `.gz` (errors of either end the iteration). */
function openBytes(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  return pipeline(raw, gunzip, () => {
    // Errors surface through the iteration of `gunzip`; nothing to do here.
  });
}

function headerError(file: string, parser: RowParser): UserError {
  return new UserError(`${file} has no header line; its first line must be "${parser.headerHint}".`);
}

function readError(err: unknown, file: string): unknown {
  if (err instanceof UserError) return err;
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED')) {
    return new UserError(
      `${file} is not a readable gzip file (${(err as Error).message}); re-compress it or use the plain .csv.`,
    );
  }
  if (code === 'ENOENT') return new UserError(`${file} does not exist; check the path.`);
  if (code === 'EACCES') return new UserError(`${file} cannot be read (permission denied).`);
  return err;
}

function expectHeader(header: string, expected: string, file: string): void {
  if (header !== expected) {
    throw new UserError(
      `${file}: the first line must be the header "${expected}", found "${header.slice(0, 120)}".`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Row parsers. Every accepted number equals Number(text); rejected rows are counted with one reason.

const BID_ASK = [Buffer.from('bid'), Buffer.from('ask')];
const BUY_SELL = [Buffer.from('buy'), Buffer.from('sell')];
const SIDES: readonly TradePrint['side'][] = ['buy', 'sell'];
const WRONG_COLUMNS = 'wrong column count';

/** Reason for a value that must be a finite number > 0, or null when it is one. */
function positiveProblem(value: number, nonNumeric: string, nonPositive: string): string | null {
  if (value > 0 && value < Number.POSITIVE_INFINITY) return null;
  return value <= 0 ? nonPositive : nonNumeric; // NaN and ±Infinity compare false with 0 except -Infinity
}

// The leading columns prices and trades rows share (timestamp,price,size,side), parsed into the fields of one
// object rather than an object per row: the reader is a hot path. Fields, not module-level `let`s: V8 boxes a
// double stored in a module variable (a heap number per store, ~8 per row of garbage), not one in an object field.
const lead = { recvS: 0.5, px: 0.5, sz: 0.5, side: -1 };

/**
 * Parses "timestamp,price,size,side" from `start` into `lead`, leaving `fieldEnd` after the side.
 * False when the row ends at or before the side (a column is missing).
 */
function parseLeadingColumns(
  buf: Uint8Array,
  start: number,
  end: number,
  sideWords: readonly Uint8Array[],
): boolean {
  lead.recvS = parseNumberField(buf, start, end);
  if (fieldEnd >= end) return false;
  lead.px = parseNumberField(buf, fieldEnd + 1, end);
  if (fieldEnd >= end) return false;
  lead.sz = parseNumberField(buf, fieldEnd + 1, end);
  if (fieldEnd >= end) return false;
  lead.side = parseWordField(buf, fieldEnd + 1, end, sideWords);
  return fieldEnd < end;
}

/** Reason the leading columns are unusable, or null. Asked after the column count is known good. */
function leadingProblem(): string | null {
  return (
    positiveProblem(lead.recvS, 'non-numeric timestamp', 'non-positive timestamp') ??
    positiveProblem(lead.px, 'non-numeric price', 'non-positive price') ??
    positiveProblem(lead.sz, 'non-numeric size', 'non-positive size') ??
    (lead.side < 0 ? 'unknown side' : null)
  );
}

class PricesParser implements RowParser {
  readonly headerHint = PRICES_HEADER;
  private readonly stats: RowStats;
  // The first row of a pair, waiting for its partner.
  private pendingSide = -1; // -1 none, 0 bid, 1 ask
  private pendingRecvS = 0;
  private pendingExchMs = 0;
  private pendingPx = 0;
  private pendingSz = 0;
  private pendingLine = 0;

  constructor(
    stats: RowStats,
    private readonly sanity: PriceSanity,
    private readonly sink: BboSink,
  ) {
    this.stats = stats;
  }

  checkHeader(header: string, file: string): void {
    expectHeader(header, PRICES_HEADER, file);
  }

  row(buf: Uint8Array, start: number, end: number, line: number): boolean {
    if (!parseLeadingColumns(buf, start, end, BID_ASK)) return countBad(this.stats, line, WRONG_COLUMNS);
    const exchMs = parseNumberField(buf, fieldEnd + 1, end);
    if (fieldEnd !== end) return countBad(this.stats, line, WRONG_COLUMNS);

    const problem =
      leadingProblem() ??
      positiveProblem(exchMs, 'non-numeric exchange_timestamp', 'non-positive exchange_timestamp');
    if (problem !== null) return countBad(this.stats, line, problem);
    const recvS = lead.recvS;
    const px = lead.px;
    const sz = lead.sz;
    const side = lead.side;

    if (
      this.pendingSide >= 0 &&
      this.pendingSide !== side &&
      this.pendingRecvS === recvS &&
      this.pendingExchMs === exchMs
    ) {
      const bidFirst = this.pendingSide === 0;
      const bidPx = bidFirst ? this.pendingPx : px;
      const bidSz = bidFirst ? this.pendingSz : sz;
      const askPx = bidFirst ? px : this.pendingPx;
      const askSz = bidFirst ? sz : this.pendingSz;
      this.pendingSide = -1;
      const implausible = this.sanity.checkBbo(bidPx, bidSz, askPx, askSz);
      if (implausible !== null) {
        // Both rows of the pair are skipped: neither half of an impossible book is usable.
        countBad(this.stats, this.pendingLine, implausible);
        return countBad(this.stats, line, implausible);
      }
      this.sink.bbo(exchMs, recvS, bidPx, bidSz, askPx, askSz);
      return true;
    }
    if (this.pendingSide >= 0) countBad(this.stats, this.pendingLine, 'unpaired bid/ask row');
    this.pendingSide = side;
    this.pendingRecvS = recvS;
    this.pendingExchMs = exchMs;
    this.pendingPx = px;
    this.pendingSz = sz;
    this.pendingLine = line;
    return true;
  }

  finish(): void {
    if (this.pendingSide >= 0) countBad(this.stats, this.pendingLine, 'unpaired bid/ask row');
    this.pendingSide = -1;
  }
}

class TradesParser implements RowParser {
  readonly headerHint = TRADES_HEADER;
  private readonly stats: RowStats;

  constructor(
    stats: RowStats,
    private readonly sanity: PriceSanity,
    private readonly sink: TradeSink,
  ) {
    this.stats = stats;
  }

  checkHeader(header: string, file: string): void {
    expectHeader(header, TRADES_HEADER, file);
  }

  row(buf: Uint8Array, start: number, end: number, line: number): boolean {
    if (!parseLeadingColumns(buf, start, end, BUY_SELL)) return countBad(this.stats, line, WRONG_COLUMNS);
    const tid = parseNumberField(buf, fieldEnd + 1, end);
    if (fieldEnd >= end) return countBad(this.stats, line, WRONG_COLUMNS);
    const exchMs = parseNumberField(buf, fieldEnd + 1, end);
    if (fieldEnd !== end) return countBad(this.stats, line, WRONG_COLUMNS);

    const problem =
      leadingProblem() ??
      (Number.isSafeInteger(tid) && tid >= 0 ? null : 'trade_id not a whole number below 2^53') ??
      positiveProblem(exchMs, 'non-numeric exchange_timestamp', 'non-positive exchange_timestamp') ??
      this.sanity.check(lead.px, lead.sz);
    if (problem !== null) return countBad(this.stats, line, problem);
    this.sink.trade(exchMs, lead.recvS, lead.px, lead.sz, lead.side, tid);
    return true;
  }

  finish(): void {}
}

class BooksParser implements RowParser {
  readonly headerHint = `${ORDERBOOK_HEADER_PREFIX},bid_price_0,bid_size_0,ask_price_0,ask_size_0,…`;
  private readonly stats: RowStats;
  private depth = 0;

  constructor(
    stats: RowStats,
    private readonly sanity: PriceSanity,
    private readonly sink: Batch<BookEvent>,
  ) {
    this.stats = stats;
  }

  checkHeader(header: string, file: string): void {
    const levelColumns = header.split(',').length - 3;
    const depth = levelColumns / 4;
    if (!header.startsWith(ORDERBOOK_HEADER_PREFIX) || !Number.isInteger(depth) || depth < 1) {
      throw new UserError(
        `${file}: the first line must be the header "${this.headerHint}", found "${header.slice(0, 120)}".`,
      );
    }
    expectHeader(header, orderBookHeader(depth), file);
    this.depth = depth;
  }

  row(buf: Uint8Array, start: number, end: number, line: number): boolean {
    // Count columns first: a book row is long and mostly optional cells, so the shape is checked up front.
    let commas = 0;
    for (let i = start; i < end; i++) if (buf[i] === 44) commas++;
    if (commas !== 2 + 4 * this.depth) return countBad(this.stats, line, WRONG_COLUMNS);

    const recvS = parseNumberField(buf, start, end);
    const seq = parseNumberField(buf, fieldEnd + 1, end);
    const exchMs = parseNumberField(buf, fieldEnd + 1, end);
    let problem =
      positiveProblem(recvS, 'non-numeric timestamp', 'non-positive timestamp') ??
      (Number.isFinite(seq) ? (seq >= 0 ? null : 'negative sequence') : 'non-numeric sequence') ??
      positiveProblem(exchMs, 'non-numeric exchange_timestamp', 'non-positive exchange_timestamp');
    if (problem !== null) return countBad(this.stats, line, problem);

    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    let bidsEnded = false;
    let asksEnded = false;
    let at = fieldEnd + 1;
    for (let level = 0; level < this.depth && problem === null; level++) {
      for (let side = 0; side < 2 && problem === null; side++) {
        const pxEmpty = isEmptyField(buf, at, end);
        const px = parseNumberField(buf, at, end);
        at = fieldEnd + 1;
        const szEmpty = isEmptyField(buf, at, end);
        const sz = parseNumberField(buf, at, end);
        at = fieldEnd + 1;
        const ended = side === 0 ? bidsEnded : asksEnded;
        if (pxEmpty && szEmpty) {
          if (side === 0) bidsEnded = true;
          else asksEnded = true;
        } else if (pxEmpty || szEmpty) {
          problem = 'half-empty book level';
        } else if (ended) {
          problem = 'gap in book levels';
        } else {
          problem =
            positiveProblem(px, 'non-numeric level price', 'non-positive level price') ??
            positiveProblem(sz, 'non-numeric level size', 'non-positive level size');
          if (problem === null) (side === 0 ? bids : asks).push({ px, sz });
        }
      }
    }
    problem ??= checkBook(this.sanity, bids, asks);
    if (problem !== null) return countBad(this.stats, line, problem);
    this.sink.out.push({ kind: 'book', exchMs, recvS, seq, bids, asks });
    return true;
  }

  finish(): void {}
}
