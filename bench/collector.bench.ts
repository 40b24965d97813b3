/**
 * Collector throughput: the fake exchange replays the bundled BTC sample as a firehose (--speed max --loop) to
 * the production collector (`node dist/hlmm.js collect`, the same bundle `./bin/hlmm` runs), each in its own
 * process so the figures are the collector's alone. Reported: sustained WebSocket messages/s the collector
 * handled (parsed, de-duplicated, written to the three CSV files), from its own 1-second summaries after a
 * 1-second warm-up, and the collector process's peak RSS (VmHWM from /proc, Linux).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { report } from './measure.ts';

const SECONDS = Number(process.env.HLMM_BENCH_SECONDS ?? 10);
const root = new URL('..', import.meta.url).pathname;
if (!existsSync(join(root, 'dist/hlmm.js')))
  spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root });

const server = spawn(
  process.execPath,
  ['dist/hlmm.js', 'fake-exchange', '--port', '0', '--speed', 'max', '--loop', '--log-level', 'warn'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout! }).once('line', resolve);
  server.once('exit', (code) => reject(new Error(`fake exchange exited with ${code}`)));
});
const { wsUrl } = JSON.parse(first) as { wsUrl: string };

const out = mkdtempSync(join(tmpdir(), 'hlmm-bench-collect-'));
const collector = spawn(
  process.execPath,
  [
    'dist/hlmm.js',
    'collect',
    '--symbols',
    'BTC',
    '--out',
    out,
    '--ws-url',
    wsUrl,
    '--summary-interval-s',
    '1',
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
);
/** (runtime s, frames) from each summary line. */
const summaries: Array<{ runtimeS: number; frames: number }> = [];
let lastSymbolLine = '';
createInterface({ input: collector.stderr! }).on('line', (line) => {
  const m = /summary runtimeS=([\d.]+) frames=(\d+)/.exec(line);
  if (m) summaries.push({ runtimeS: Number(m[1]), frames: Number(m[2]) });
  if (/ BTC bbo /.test(line)) lastSymbolLine = line.slice(line.indexOf('BTC bbo'));
});
const exited = new Promise<number | null>((resolve) => collector.once('exit', resolve));

await new Promise((resolve) => setTimeout(resolve, (SECONDS + 1.5) * 1000));
const status = readFileSync(`/proc/${collector.pid}/status`, 'utf8');
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
collector.kill('SIGTERM');
const code = await exited;
server.kill('SIGTERM');
rmSync(out, { recursive: true, force: true });

const window = summaries.filter((s) => s.runtimeS >= 1);
const a = window[0];
const b = window[window.length - 1];
if (code !== 0 || a === undefined || b === a)
  throw new Error(`collector failed (exit ${code}, ${summaries.length} summaries)`);
report(
  'collector sustained',
  (b.frames - a.frames) / (b.runtimeS - a.runtimeS),
  'msg/s',
  `WebSocket messages from the firehose fake exchange over ${(b.runtimeS - a.runtimeS).toFixed(1)} s; last summary: ${lastSymbolLine}`,
);
report(
  'collector peak RSS',
  peakKb / 1024,
  'MB',
  'the collector process alone (VmHWM); the fake exchange is another process',
);
