// Builds dist/, compiles src/ and test/ to JavaScript once (./compile-ts.mjs), runs every test/**/*.test.ts with
// Node's own test runner (./ts-loader serves each .ts from the compiled files), then prints the slowest test files.
// Node 20's --test does not expand globs itself, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { compileTs } from './compile-ts.mjs';

const SLOWEST_SHOWN = 10;
// Four files at once on two cores: several files mostly wait on wall time (the fake exchange's 5 s scheduleCancel
// lead, live restarts, a browser), so more files than cores keep both busy. With tsx (a loader start and a
// transform cache per process) three lost to two on a fresh clone; with the compiled tree (./compile-ts.mjs) a
// process starts on ≈ 0.28 s less CPU, and 2 / 3 / 4 at once ran 229 / 182 / 150 s (docs/benchmarks.md).
const FILES_AT_ONCE = 4;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The per-file lines written by scripts/test-timings-reporter.mjs, slowest first. */
function readTimings(path) {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
    .sort((a, b) => b.durationMs - a.durationMs);
}

function printSlowest(timings, wallMs) {
  if (timings.length === 0) return;
  const shown = timings.slice(0, SLOWEST_SHOWN);
  const width = Math.max(...shown.map((t) => relative(process.cwd(), t.file).length));
  const lines = shown.map(
    (t) =>
      `  ${relative(process.cwd(), t.file).padEnd(width)}  ${(t.durationMs / 1000).toFixed(1).padStart(6)} s${t.passed ? '' : '  (failed)'}`,
  );
  process.stdout.write(
    `\nslowest ${shown.length} of ${timings.length} test files (wall time of each file's process; ${FILES_AT_ONCE} run at once; ` +
      `whole run ${(wallMs / 1000).toFixed(1)} s):\n${lines.join('\n')}\n`,
  );
}

// dist/ first: the CLI tests run ./bin/hlmm, the production bundle (test/support/hlmm-cli.ts refuses a stale one).
const build = spawnSync(process.execPath, [new URL('./build.mjs', import.meta.url).pathname], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles('test').sort();
const scratch = mkdtempSync(join(tmpdir(), 'hlmm-test-timings-'));
const timingsFile = join(scratch, 'timings.jsonl');
const t0 = Date.now();
const compiledDir = join(scratch, 'js');
await compileTs(compiledDir);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    new URL('./ts-loader/register.mjs', import.meta.url).href,
    '--test',
    `--test-concurrency=${FILES_AT_ONCE}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./test-timings-reporter.mjs', import.meta.url).href}`,
    `--test-reporter-destination=${timingsFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, HLMM_TEST_JS_DIR: compiledDir } },
);
printSlowest(readTimings(timingsFile), Date.now() - t0);
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
