import { spawnSync } from 'node:child_process';
/** Helpers shared by the benchmarks: wall time, CPU time and peak resident memory of the current process. */
import { resourceUsage } from 'node:process';

export interface Measurement {
  wallS: number;
  cpuS: number;
  /** Peak resident set size of this process so far, MB (from getrusage maxrss). */
  peakRssMb: number;
}

export async function measure<T>(work: () => Promise<T> | T): Promise<Measurement & { result: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await work();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { result, wallS, cpuS: (cpu.user + cpu.system) / 1e6, peakRssMb: peakRssMb() };
}

export function peakRssMb(): number {
  return resourceUsage().maxRSS / 1024;
}

/** Prints one result line in the common format: `name: value unit (details)`. */
export function report(name: string, value: number, unit: string, details = ''): void {
  const shown = value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
  console.log(`${name}: ${shown} ${unit}${details ? `  (${details})` : ''}`);
}

/**
 * `hlmm ARGS` from the production bundle (dist/, `npm run build` first) in a process of its own, as a user runs it
 * (start-up, module load and output included): wall time, CPU time of all its threads and its peak RSS, from
 * bench/peak-rss-on-exit.mjs preloaded into it. A failing command throws with its stderr.
 */
export function measureCli(args: string[]): Measurement {
  const t0 = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    ['--import', './bench/peak-rss-on-exit.mjs', 'dist/hlmm.js', ...args],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`hlmm ${args[0]} failed: ${run.stderr}`);
  return {
    wallS: Number(process.hrtime.bigint() - t0) / 1e9,
    cpuS: Number(/cpu-us (\d+)/.exec(run.stderr)?.[1] ?? Number.NaN) / 1e6,
    peakRssMb: Number(/peak-rss-kb (\d+)/.exec(run.stderr)?.[1] ?? Number.NaN) / 1024,
  };
}

/**
 * Writes the benches' full-density synthetic market (σ 5, A 0.45, k 0.3, tick 1; default ticker SYN, seed 1) for
 * `days` UTC days into `dir`, through the CLI as a user would. Returns the CLI's last summary line.
 */
export function writeFullDensitySynth(dir: string, days: number, ticker = 'SYN', seed = 1): string {
  const synth = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'synth',
      '--out',
      dir,
      '--ticker',
      ticker,
      '--days',
      String(days),
      '--sigma',
      '5',
      '--A',
      '0.45',
      '--k',
      '0.3',
      '--tick-size',
      '1',
      '--size-refresh',
      '0.5',
      '--seed',
      String(seed),
    ],
    { encoding: 'utf8' },
  );
  if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr}`);
  return synth.stderr.trim().split('\n').at(-1) ?? '';
}
