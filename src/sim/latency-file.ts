import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { LatencySamples } from './latency.ts';

/**
 * The latency file `hlmm latency --out FILE` writes and `--latency-file FILE` reads: JSON
 * `{"format":"hlmm-latency-1","entry_ms":[…],"response_ms":[…]}` (ms, one number per measured delay), plus
 * informative keys (`source`, `counts`, `percentiles`) that the reader ignores.
 */
export const LATENCY_FILE_FORMAT = 'hlmm-latency-1';

export function readLatencyFile(path: string): LatencySamples {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(
      `--latency-file ${path}: cannot read the file; check the path (hlmm latency --out writes one).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(
      `--latency-file ${path}: not JSON; write it with hlmm latency --db FILE --out ${path}.`,
    );
  }
  const o = json as { format?: unknown; entry_ms?: unknown; response_ms?: unknown };
  if (typeof o !== 'object' || o === null || o.format !== LATENCY_FILE_FORMAT)
    throw new UserError(
      `--latency-file ${path}: "format" is not "${LATENCY_FILE_FORMAT}"; write it with hlmm latency --out.`,
    );
  const list = (v: unknown, key: string): number[] => {
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
    )
      throw new UserError(
        `--latency-file ${path}: "${key}" must be a non-empty list of milliseconds (numbers ≥ 0).`,
      );
    return v as number[];
  };
  return { entryMs: list(o.entry_ms, 'entry_ms'), responseMs: list(o.response_ms, 'response_ms') };
}

export function writeLatencyFile(
  path: string,
  samples: LatencySamples,
  extra: Record<string, unknown>,
): void {
  const body = {
    format: LATENCY_FILE_FORMAT,
    ...extra,
    entry_ms: samples.entryMs,
    response_ms: samples.responseMs,
  };
  try {
    writeFileSync(path, `${JSON.stringify(body)}\n`);
  } catch (err) {
    throw new UserError(`--out ${path}: cannot write the latency file (${(err as Error).message}).`);
  }
}
