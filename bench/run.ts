/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process (so each one's peak RSS is its own),
 * one after another (the machine has 2 cores; parallel runs would measure each other). Each benchmark prints
 * its own result lines. `npm run bench -- reader` runs only the files whose name contains "reader".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const filter = process.argv.slice(2);
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `hlmm benchmarks — ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `bench/${file}`], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    console.log(`(${file} failed with exit code ${run.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
