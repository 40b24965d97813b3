/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process (so each one's peak RSS is its own),
 * one after another (the machine has 2 cores; parallel runs would measure each other). Each benchmark prints
 * its own result lines. `npm run bench -- reader` runs only the files whose name contains "reader".
 * Each runs in the environment bin/hlmm's shebang gives the CLI (glibc's huge-page tunable: see bin/hlmm), as
 * users' commands run; `npm run bench -- --plain-env` runs them without it, for comparison.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const plainEnv = process.argv.includes('--plain-env');
const filter = process.argv.slice(2).filter((a) => a !== '--plain-env');

/** The variables bin/hlmm's `#!/usr/bin/env -S NAME=value … node` line sets, `${NAME}` expanded as env does. */
function launcherVariables(): Record<string, string> {
  const shebang = readFileSync('bin/hlmm', 'utf8').split('\n', 1)[0] ?? '';
  const vars: Record<string, string> = {};
  for (const [, name, value] of shebang.matchAll(/(\w+)=(\S+)/g)) {
    vars[name as string] = (value as string).replace(/\$\{(\w+)\}/g, (_, n: string) => process.env[n] ?? '');
  }
  return vars;
}
const launcher = plainEnv ? {} : launcherVariables();
const env = { ...process.env, ...launcher };
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `hlmm benchmarks — ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
    (plainEnv
      ? 'plain environment (--plain-env)'
      : `as bin/hlmm runs: ${Object.entries(launcher)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`),
);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `bench/${file}`], {
    stdio: 'inherit',
    env,
  });
  if (run.status !== 0) {
    failed++;
    console.log(`(${file} failed with exit code ${run.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
