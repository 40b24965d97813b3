/**
 * The CLI as users run it: `./bin/hlmm`, i.e. the production bundle dist/hlmm.js, in a child process. Through the
 * bundle rather than tsx on src/: a child starts in ≈ 0.3 s instead of ≈ 0.8 s of CPU (tsx resolves and loads
 * every module through its loader thread), and the tests check what ships. `npm test` and scripts/run-tests.mjs
 * build dist/ first; a bundle older than any file of src/ is refused with the fix, so no test runs stale code.
 */
import { readdirSync, statSync } from 'node:fs';
import { REPO_ROOT } from './repo-root.ts';

// The repository itself, not the test run's mirror of it (whose compiled .js files are newer than any bundle).
const ROOT = `${REPO_ROOT}/`;
const BIN = `${ROOT}bin/hlmm`;
const BUNDLE = `${ROOT}dist/hlmm.js`;

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

let bundleMs = 0;
try {
  bundleMs = statSync(BUNDLE).mtimeMs;
} catch {
  throw new Error('dist/hlmm.js is missing: run `npm run build` (npm test does) before these tests.');
}
if (bundleMs < newestSourceMs(`${ROOT}src`))
  throw new Error('dist/hlmm.js is older than src/: run `npm run build` (npm test does) before these tests.');

/** Arguments for `spawn(process.execPath, [...HLMM_ARGV, command, …])`: runs ./bin/hlmm. */
export const HLMM_ARGV: readonly string[] = [BIN];
