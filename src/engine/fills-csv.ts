import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';

/**
 * `--fills-out FILE.csv` of `hlmm backtest` and `hlmm trade`: one row per fill, written as it happens, as a
 * subscriber to the engine's event stream. Columns: time (ISO 8601 UTC, exchange time), side (buy | sell),
 * price (quote), size (base), fee (quote, negative = rebate), liquidity (maker | taker), position (signed base
 * units after the fill).
 */
export const FILLS_CSV_HEADER = 'time,side,price,size,fee,liquidity,position';

/** One fill's columns after the time: quote prices and fees, base sizes. */
interface FillColumns {
  side: string;
  px: number;
  sz: number;
  feeQuote: number;
  liquidity: string;
  positionBase: number;
}

function cannotWrite(file: string, err: unknown): UserError {
  return new UserError(
    `--fills-out ${file}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the folder exists and is writable.`,
  );
}

export function fillsCsvRow(f: FillColumns & { exchMs: number }): string {
  const pos = Math.round(f.positionBase * 1e9) / 1e9;
  const fee = Math.round(f.feeQuote * 1e9) / 1e9;
  return `${new Date(f.exchMs).toISOString()},${f.side},${f.px},${f.sz},${fee},${f.liquidity},${pos === 0 ? 0 : pos}`;
}

export class FillsCsv implements EngineSubscriber {
  private fd: number | null;
  rows = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (err) {
      throw cannotWrite(file, err);
    }
    writeSync(this.fd, `${FILLS_CSV_HEADER}\n`);
  }

  fill(f: EngineFill): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${fillsCsvRow(f)}\n`);
    this.rows++;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Writes the fills of a finished run (hlmm backtest keeps them in memory: a day has a few thousand). */
export function writeFillsCsv(file: string, fills: readonly (FillColumns & { tMs: number })[]): void {
  const lines = [FILLS_CSV_HEADER];
  for (const f of fills) lines.push(fillsCsvRow({ ...f, exchMs: f.tMs }));
  try {
    writeFileSync(file, `${lines.join('\n')}\n`);
  } catch (err) {
    throw cannotWrite(file, err);
  }
}
