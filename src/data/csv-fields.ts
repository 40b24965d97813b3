/**
 * Decimal numbers and CSV fields read straight from bytes (the reader's hot path: no per-row strings).
 *
 * Exactness: a number with at most 15–16 significant digits (mantissa ≤ 2^53) and at most 22 decimals is
 * computed as mantissa / 10^decimals, which IEEE division rounds correctly — the same double `Number(text)`
 * gives (Clinger's fast path). Anything longer (e.g. 17-digit receive timestamps) or with an exponent falls
 * back to `Number()` on the field's text, so every accepted field equals `Number(text)` exactly.
 */

const COMMA = 44;
const MAX_EXACT_MANTISSA = 2 ** 53;
const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i); // 10^0 … 10^22 are all exact doubles

/** Where the last field read by `parseNumberField`/`parseWordField` ended: a comma's index or the line end. */
export let fieldEnd = 0;

/**
 * Parses the field starting at `start` (up to the next comma or `end`). Returns NaN for an empty or
 * non-numeric field ("NaN", "Infinity", "0x10", "1.2.3" included); may return ±Infinity only for a
 * numeric literal beyond the double range (callers reject it as non-numeric). Sets `fieldEnd`.
 */
export function parseNumberField(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = i < end ? buf[i] : COMMA;
  let negative = false;
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < end; i++) {
    c = buf[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (dot) decimals++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i < end && c !== COMMA) return exponentOrJunk(buf, start, i, end, digits);
  fieldEnd = i;
  if (digits === 0) return Number.NaN;
  if (mantissa >= MAX_EXACT_MANTISSA || decimals > 22) return Number(latin1(buf, start, i));
  const value = decimals === 0 ? mantissa : mantissa / POW10[decimals];
  return negative ? -value : value;
}

/** Slow path: `1.5e-7` style numbers go through Number(); anything else is junk (NaN). */
function exponentOrJunk(buf: Uint8Array, start: number, at: number, end: number, digits: number): number {
  let i = at;
  const c = buf[i];
  let valid = digits > 0 && (c === 101 || c === 69); // e or E after at least one digit
  i++;
  if (valid && i < end && (buf[i] === 43 || buf[i] === 45)) i++;
  const expStart = i;
  for (; i < end && buf[i] !== COMMA; i++) {
    const d = buf[i];
    if (d < 48 || d > 57) valid = false;
  }
  fieldEnd = i;
  if (!valid || i === expStart) return Number.NaN;
  return Number(latin1(buf, start, i));
}

/** Skips one field and returns its length (0 = empty). Sets `fieldEnd`. */
export function skipField(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] !== COMMA) i++;
  fieldEnd = i;
  return i - start;
}

/** True when the field starting at `start` is empty (the line ends or a comma follows at once). */
export function isEmptyField(buf: Uint8Array, start: number, end: number): boolean {
  return start >= end || buf[start] === COMMA;
}

/** Matches the field at `start` against ASCII words; returns the index of the match or -1. Sets `fieldEnd`. */
export function parseWordField(
  buf: Uint8Array,
  start: number,
  end: number,
  words: readonly Uint8Array[],
): number {
  const length = skipField(buf, start, end);
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    if (word.length !== length) continue;
    let same = true;
    for (let k = 0; k < length; k++) {
      if (buf[start + k] !== word[k]) {
        same = false;
        break;
      }
    }
    if (same) return w;
  }
  return -1;
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}
