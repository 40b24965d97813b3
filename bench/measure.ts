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
