/**
 * The writer's output buffer: CSV rows written straight into bytes, so a flush is one append of a Buffer with no
 * per-row strings, no join and no UTF-8 encoding pass (those were ~95 % of `hlmm synth`).
 *
 * Numbers come out exactly as `String(x)` writes them (the shortest form that reads back as the same double).
 * Fast path: when x·10^d is a whole number m < 10^15 for some d ≤ 9 and m / 10^d === x, the digits of m with the
 * point d places from the right are that shortest form — a decimal of at most 15 significant digits that reads
 * back as x is the only one of its length that does (decimals that short are spaced wider than a double's ulp),
 * and the smallest such d gives the fewest digits. m / 10^d is one correctly rounded division (m and 10^d exact),
 * the value a reader gets. Everything else (17-digit receive times, exponents, < 1e-6) goes through String(x).
 */

const POW10: number[] = [];
for (let i = 0; i <= 9; i++) POW10.push(10 ** i);
const MAX_FAST_MANTISSA = 1e15;
const ZERO = 48;
const DOT = 46;
export const COMMA = 44;
export const NEWLINE = 10;

/** ASCII bytes of a word written often ("bid", "sell"…). */
export function asciiBytes(word: string): Uint8Array {
  return Uint8Array.from(word, (c) => c.charCodeAt(0));
}

export class CsvRowBytes {
  buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `bytes` more bytes (callers reserve a whole row's worst case first). */
  reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** The bytes written, as a view (valid until the next write or clear). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets what was written; a buffer grown past `keepBytes` by a burst is released. */
  clear(keepBytes = 4 * 2 ** 20): void {
    this.length = 0;
    if (this.buf.length > keepBytes) this.buf = Buffer.allocUnsafe(64 * 1024);
  }

  byte(b: number): void {
    this.buf[this.length++] = b;
  }

  word(bytes: Uint8Array): void {
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < bytes.length; i++) buf[at++] = bytes[i];
    this.length = at;
  }

  /** Copies bytes already written (start..end) to the end: a timestamp repeated on the next row. */
  repeat(start: number, end: number): void {
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) buf[at++] = buf[i];
    this.length = at;
  }

  /** Writes `x` exactly as String(x) would (at most 25 bytes). */
  number(x: number): void {
    if (x >= 1e-6 && x < MAX_FAST_MANTISSA) {
      for (let d = 0; d <= 9; d++) {
        const p = POW10[d];
        const m = Math.round(x * p);
        if (m >= MAX_FAST_MANTISSA) break;
        if (m / p === x) {
          this.fixed(m, d);
          return;
        }
      }
    } else if (x === 0) {
      this.byte(ZERO); // String(-0) is "0" too
      return;
    }
    const text = String(x);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Digits of the whole number m (0 ≤ m < 10^15) with a point `decimals` places from the right. */
  private fixed(m: number, decimals: number): void {
    // Two halves that fit int32 arithmetic: m = high·10^8 + low.
    const high = Math.floor(m / 1e8);
    let low = m - high * 1e8;
    const digits = high === 0 ? countDigits(low) : 8 + countDigits(high);
    const total = Math.max(digits, decimals + 1); // "0.00x": at least one digit before the point
    const buf = this.buf;
    const end = this.length + total + (decimals > 0 ? 1 : 0);
    let at = end;
    let place = 0;
    let hi = high;
    for (let k = 0; k < total; k++) {
      if (decimals > 0 && place === decimals) buf[--at] = DOT;
      let digit: number;
      if (k < 8) {
        const q = (low / 10) | 0;
        digit = low - q * 10;
        low = q;
      } else {
        const q = (hi / 10) | 0;
        digit = hi - q * 10;
        hi = q;
      }
      buf[--at] = ZERO + digit;
      place++;
    }
    this.length = end;
  }
}

function countDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = (n / 10) | 0;
    digits++;
  }
  return digits;
}
