/**
 * Market-data reader throughput: rows/s of the hand-written byte parser (src/data/reader.ts) against csv-parse
 * (the library baseline: its streaming parser plus Number() and the same bid/ask pairing), on the bundled BTC
 * sample and on a generated file of ~5 M price rows (plain and gzipped), with each run's peak RSS.
 *
 * Every measured run is its own child process, so its peak RSS is its own (getrusage maxrss only grows).
 * Environment: HLMM_BENCH_ROWS sets the generated file's price rows (default 5,000,000).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { Bbo, TradePrint } from '../src/core/market.ts';
import { readPrices, readTrades } from '../src/data/reader.ts';
import { MarketDataWriter } from '../src/data/writer.ts';
import { measure, peakRssMb, report } from './measure.ts';

type Parser = 'hand' | 'csv-parse';
type Kind = 'prices' | 'trades';

interface RunResult {
  rows: number;
  records: number;
  wallS: number;
  cpuS: number;
  peakRssMb: number;
}

// ---------------------------------------------------------------------------------------------------------
// Child: one measured read, printed as JSON.

async function readHand(kind: Kind, file: string): Promise<{ rows: number; records: number }> {
  const reader = kind === 'prices' ? readPrices(file) : readTrades(file);
  let records = 0;
  for await (const batch of reader) records += batch.length;
  return { rows: reader.stats.rows, records };
}

/** csv-parse as a user of the library would write it: records as string arrays, Number() per field. */
async function readCsvParse(kind: Kind, file: string): Promise<{ rows: number; records: number }> {
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const source = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const parser = source.pipe(parse({ from_line: 2, relax_column_count: true }));
  let rows = 0;
  let records = 0;
  let pending: string[] | null = null;
  const sink: (Bbo | TradePrint)[] = [];
  for await (const r of parser as AsyncIterable<string[]>) {
    rows++;
    if (kind === 'trades') {
      if (r.length !== 6) continue;
      const t: TradePrint = {
        recvS: Number(r[0]),
        px: Number(r[1]),
        sz: Number(r[2]),
        side: r[3] === 'buy' ? 'buy' : 'sell',
        tid: Number(r[4]),
        exchMs: Number(r[5]),
      };
      if (!(t.px > 0 && t.sz > 0)) continue;
      sink.push(t);
    } else {
      if (r.length !== 5) continue;
      if (pending !== null && pending[0] === r[0] && pending[3] !== r[3]) {
        const [bid, ask] = r[3] === 'ask' ? [pending, r] : [r, pending];
        sink.push({
          recvS: Number(r[0]),
          exchMs: Number(r[4]),
          bidPx: Number(bid[1]),
          bidSz: Number(bid[2]),
          askPx: Number(ask[1]),
          askSz: Number(ask[2]),
        });
        pending = null;
      } else {
        pending = r;
      }
    }
    if (sink.length >= 8192) {
      records += sink.length;
      sink.length = 0;
    }
  }
  return { rows, records: records + sink.length };
}

async function child(parser: Parser, kind: Kind, file: string, repeat: number): Promise<void> {
  let best: RunResult | null = null;
  for (let i = 0; i < repeat; i++) {
    const m = await measure(() => (parser === 'hand' ? readHand(kind, file) : readCsvParse(kind, file)));
    if (best === null || m.wallS < best.wallS)
      best = { ...m.result, wallS: m.wallS, cpuS: m.cpuS, peakRssMb: 0 };
  }
  console.log(JSON.stringify({ ...best, peakRssMb: peakRssMb() }));
}

// ---------------------------------------------------------------------------------------------------------
// Parent: generate the large file, run each case in a child, print result lines.

function run(parser: Parser, kind: Kind, file: string, repeat: number): RunResult {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', import.meta.filename, '--child', parser, kind, file, String(repeat)],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`${parser} ${kind} ${file} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as RunResult;
}

/** A random-walk BTC book written through MarketDataWriter (so the bench also times the writer). */
async function generatePrices(dir: string, priceRows: number): Promise<{ file: string; writeS: number }> {
  const writer = new MarketDataWriter({ dir, symbol: 'GEN' });
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648; // small LCG: reproducible, no dependency
    return seed / 2147483648;
  };
  let mid = 110000.5;
  let exchMs = 1756707630446;
  const m = await measure(async () => {
    for (let i = 0; i < priceRows / 2; i++) {
      mid += Math.round((random() - 0.5) * 4);
      exchMs += 1 + Math.floor(random() * 400);
      const recvS = (exchMs + 200 + Math.floor(random() * 1e6) / 1e3) / 1000;
      writer.writeBbo({
        exchMs,
        recvS,
        bidPx: mid - 0.5,
        bidSz: Math.round(random() * 2e6) / 1e5 + 0.00001,
        askPx: mid + 0.5,
        askSz: Math.round(random() * 2e6) / 1e5 + 0.00001,
      });
      if (writer.bufferedRows >= 100_000) await writer.flush();
    }
    await writer.close();
  });
  return { file: join(dir, 'prices_GEN.csv'), writeS: m.wallS };
}

/** Wall-clock rate is the headline; per-CPU-second rate and the ratio by CPU time stay fair on a busy machine. */
function line(name: string, r: RunResult, base?: RunResult): void {
  const cpuRate = Math.round(r.rows / r.cpuS).toLocaleString('en-US');
  const vs = base
    ? `, ${(base.wallS / r.wallS).toFixed(1)}× csv-parse by wall time, ${(base.cpuS / r.cpuS).toFixed(1)}× by CPU time`
    : '';
  report(
    name,
    r.rows / r.wallS,
    'rows/s',
    `${r.rows.toLocaleString('en-US')} rows → ${r.records.toLocaleString('en-US')} records in ${r.wallS.toFixed(2)} s; ` +
      `${cpuRate} rows per CPU-s; peak RSS ${r.peakRssMb.toFixed(0)} MB${vs}`,
  );
}

async function parent(): Promise<void> {
  const sample = join(import.meta.dirname, '..', 'data', 'sample');
  // What a child costs before reading anything (Node + tsx): the floor under every peak RSS below.
  const idle = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--idle'], {
    encoding: 'utf8',
  });
  report(
    'reader child process at rest',
    Number(idle.stdout.trim()),
    'MB peak RSS',
    'Node + tsx, nothing read',
  );
  for (const kind of ['prices', 'trades'] as const) {
    const file = join(sample, `${kind}_BTC.csv.gz`);
    const base = run('csv-parse', kind, file, 5);
    const hand = run('hand', kind, file, 5);
    line(`reader ${kind} sample .csv.gz (hand-written)`, hand, base);
    line(`reader ${kind} sample .csv.gz (csv-parse)`, base);
  }

  const priceRows = Number(process.env.HLMM_BENCH_ROWS ?? 5_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-reader-bench-'));
  try {
    const { file, writeS } = await generatePrices(dir, priceRows);
    const mb = statSync(file).size / 2 ** 20;
    report(
      'writer prices (MarketDataWriter, 100k-row flushes, incl. generating the random walk)',
      priceRows / writeS,
      'rows/s',
      `${mb.toFixed(0)} MB written`,
    );
    const gz = `${file}.gz`;
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(gz));
    for (const [label, path] of [
      ['.csv', file],
      ['.csv.gz', gz],
    ] as const) {
      const base = run('csv-parse', 'prices', path, 1);
      const hand = run('hand', 'prices', path, 1);
      line(`reader prices ${(priceRows / 1e6).toFixed(1)}M rows ${label} (hand-written)`, hand, base);
      line(`reader prices ${(priceRows / 1e6).toFixed(1)}M rows ${label} (csv-parse)`, base);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--idle') {
  console.log(peakRssMb().toFixed(0));
} else if (args[0] === '--child') {
  await child(args[1] as Parser, args[2] as Kind, args[3], Number(args[4]));
} else {
  await parent();
}
