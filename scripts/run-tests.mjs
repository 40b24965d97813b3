// Builds dist/, compiles src/ and test/ to JavaScript once into a mirror of the repository (./compile-ts.mjs),
// runs the compiled test/**/*.test.ts with Node's own test runner, no loader, then prints the slowest test files.
// Node 20's --test does not expand globs itself, so the files are listed here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledTestPath, compileTs, sourceTestPath } from './compile-ts.mjs';

const SLOWEST_SHOWN = 10;
// The tests run in the repository folder (they name data/sample, ./bin/hlmm… relative to it), from wherever this
// script is started; test files named on the command line are taken relative to the folder it is started in.
const REPO = fileURLToPath(new URL('..', import.meta.url));
// Four files at once on two cores: several files mostly wait on wall time (the fake exchange's 5 s scheduleCancel
// lead, live restarts, a browser), so more files than cores keep both busy. With tsx (a loader start and a
// transform cache per process) three lost to two on a fresh clone; with the compiled tree (./compile-ts.mjs) a
// process starts on ≈ 0.28 s less CPU, and 2 / 3 / 4 at once ran 229 / 182 / 150 s (docs/benchmarks.md). The
// scratch folder holds the mirror of symlinks: removing it (rmSync) removes the links, never what they point to.
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

// `--typecheck` (what `npm test` passes): `tsc --noEmit` runs beside the test files instead of before them. The
// files leave part of a core idle (those waiting on wall time), which tsc's ≈ 13 s fills; its report is printed
// when it ends and a type error fails the run as a failing test does.
const args = process.argv.slice(2);
const typecheck = args.includes('--typecheck');
const only = args.filter((a) => a !== '--typecheck');
const files = only.length > 0 ? only : testFiles(join(REPO, 'test')).sort();
const scratch = mkdtempSync(join(tmpdir(), 'hlmm-test-timings-'));
const timingsFile = join(scratch, 'timings.jsonl');
const t0 = Date.now();
const typecheckRun = typecheck ? startTypecheck() : null;
const compiledDir = join(scratch, 'js');
try {
  await compileTs(compiledDir);
} catch {
  // esbuild has printed each error with its file and line; the type-check, if running, may say more.
  if (typecheckRun !== null) await typecheckRun;
  rmSync(scratch, { recursive: true, force: true });
  process.stderr.write(
    '\nrun-tests: src/ or test/ does not compile (the errors above); fix them and run again.\n',
  );
  process.exit(1);
}
const testsStatus = await exitOf(
  spawn(
    process.execPath,
    [
      // Stack traces and failure locations in the .ts sources (each compiled file names its source map).
      '--enable-source-maps',
      '--test',
      `--test-concurrency=${FILES_AT_ONCE}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${new URL('./test-timings-reporter.mjs', import.meta.url).href}`,
      `--test-reporter-destination=${timingsFile}`,
      ...files.map((f) => compiledTestPath(compiledDir, f)),
    ],
    { stdio: 'inherit', cwd: REPO },
  ),
);
printSlowest(
  readTimings(timingsFile).map((t) => ({ ...t, file: sourceTestPath(compiledDir, t.file) })),
  Date.now() - t0,
);
rmSync(scratch, { recursive: true, force: true });
const typecheckStatus = typecheckRun === null ? 0 : await typecheckRun;
process.exit(testsStatus !== 0 ? testsStatus : typecheckStatus);

/** A child's exit status (1 when it ended on a signal or could not start). */
function exitOf(child) {
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** `tsc --noEmit` in the background; its output is held and printed in one block when it ends. */
function startTypecheck() {
  const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  const child = spawn(process.execPath, [tsc, '--noEmit'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk));
  child.stderr.on('data', (chunk) => output.push(chunk));
  const started = Date.now();
  return exitOf(child).then((status) => {
    const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    process.stdout.write(
      status === 0
        ? `\ntypecheck (tsc --noEmit, beside the tests): no errors, ${took}\n`
        : `\ntypecheck (tsc --noEmit, beside the tests) FAILED in ${took}:\n${Buffer.concat(output).toString()}\n`,
    );
    return status;
  });
}
