/**
 * The last trade ids of a trades_<SYM>.csv, read from the end of the file: what a restarted collector seeds its
 * de-duplication window with, so the trades Hyperliquid re-sends on the new subscription are not written twice.
 *
 * Bounded by construction: blocks are read backwards from the end until `maxRows` complete rows are in hand, the
 * start of the file is reached, or `maxBytes` have been read (4 MiB by default: ~60,000 rows of ~65 bytes), so a
 * multi-GB file costs the same as a small one. Plain .csv only: the collector appends to plain files, and a gzip
 * stream cannot be read from its end.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fieldEnd, parseNumberField, skipField } from './csv-fields.ts';

const NEWLINE = 10;
const BLOCK_BYTES = 256 * 1024;
const DEFAULT_MAX_BYTES = 4 * 2 ** 20;

/**
 * Trade ids of the last `maxRows` well-formed rows of the plain trades file `file`, oldest first (file order).
 * The header, a partial first line (cut by the read window) and malformed rows are skipped; duplicates within the
 * file are kept. Throws the fs error when the file cannot be read (callers check it exists).
 */
export function readTradeTail(file: string, maxRows: number, maxBytes = DEFAULT_MAX_BYTES): number[] {
  if (file.endsWith('.gz')) throw new Error(`readTradeTail reads plain .csv files only, not ${file}`);
  if (!(maxRows >= 1) || !(maxBytes >= 1)) return [];
  const fd = openSync(file, 'r');
  let blocks: Buffer[] = [];
  let start: number;
  try {
    const size = fstatSync(fd).size;
    start = size;
    let newlines = 0;
    // Read backwards until maxRows + 1 newlines are in hand (the extra one marks where the oldest kept row
    // starts), the file start, or the byte budget.
    while (start > 0 && newlines <= maxRows && size - start < maxBytes) {
      const length = Math.min(BLOCK_BYTES, start, maxBytes - (size - start));
      const block = Buffer.allocUnsafe(length);
      const got = readSync(fd, block, 0, length, start - length);
      if (got !== length) throw new Error(`short read in ${file}`);
      start -= length;
      for (let i = 0; i < length; i++) if (block[i] === NEWLINE) newlines++;
      blocks.push(block);
    }
  } finally {
    closeSync(fd);
  }
  blocks = blocks.reverse();
  const buf = blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
  // Unless the window begins at the file start, its first line is probably cut: drop it.
  let lineStart = start === 0 ? 0 : buf.indexOf(NEWLINE) + 1;
  if (lineStart === 0 && start !== 0) return [];
  const tids: number[] = [];
  while (lineStart < buf.length) {
    let lineEnd = buf.indexOf(NEWLINE, lineStart);
    // A last line without its newline is a row cut by a crash (the writer completes it on the next start).
    if (lineEnd === -1) break;
    const next = lineEnd + 1;
    if (lineEnd > lineStart && buf[lineEnd - 1] === 13) lineEnd--; // CRLF
    const tid = tradeIdOf(buf, lineStart, lineEnd);
    if (tid !== null) tids.push(tid);
    lineStart = next;
  }
  return tids.length > maxRows ? tids.slice(tids.length - maxRows) : tids;
}

/**
 * The trade_id (5th of 6 columns: timestamp,price,size,side,trade_id,exchange_timestamp) of one row, or null
 * when the row does not have six columns or the id is not a whole number below 2^53 (the header included).
 */
function tradeIdOf(buf: Uint8Array, start: number, end: number): number | null {
  let at = start;
  for (let column = 0; column < 4; column++) {
    skipField(buf, at, end);
    if (fieldEnd >= end) return null;
    at = fieldEnd + 1;
  }
  const tid = parseNumberField(buf, at, end);
  if (fieldEnd >= end) return null;
  skipField(buf, fieldEnd + 1, end);
  if (fieldEnd !== end) return null;
  return Number.isSafeInteger(tid) && tid >= 0 ? tid : null;
}
