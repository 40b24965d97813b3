import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Set on globalThis by the test runner's TypeScript loader (scripts/ts-loader/register.mjs) in every thread. */
const TEST_LOADER_MARK = Symbol.for('hlmm.testTsLoader');

/**
 * A worker thread running the entry `name` beside the module at `besideUrl` (its import.meta.url): in the bundle,
 * dist/<name>.js; from source, src/calibrate/<name>.ts, which needs a TypeScript loader in the new thread.
 * - Under the test runner (its loader's mark in this thread, and HLMM_TEST_JS_DIR: scripts/run-tests.mjs built
 *   dist/ just before) the worker runs dist/<name>.js without the loader: in Node 20 each thread that registers
 *   loader hooks gets a hooks thread of its own, and a worker loading ≈ 100 source modules through it cost
 *   ≈ 0.6 s of CPU more than one loading the bundle's chunks (docs/benchmarks.md). The bundle is built from the
 *   same sources; the tests comparing worker results with this thread's are then also a check of the build.
 * - Under the test loader without a fresh dist/ (a file run by hand), the .ts entry loads through the loader.
 * - Under tsx (Node 20 does not pass a worker's entry file through tsx's hooks) a one-line bootstrap registers
 *   tsx and then imports the entry.
 */
export function startWorker(besideUrl: string, name: string, workerData: unknown): Worker {
  if (!besideUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, besideUrl), { workerData });
  const entry = new URL(`./${name}.ts`, besideUrl);
  if ((globalThis as Record<symbol, unknown>)[TEST_LOADER_MARK] === true) {
    const bundled = new URL(`../../dist/${name}.js`, besideUrl);
    if (process.env.HLMM_TEST_JS_DIR !== undefined && existsSync(fileURLToPath(bundled)))
      return new Worker(bundled, { workerData, execArgv: withoutTestLoader(process.execArgv) });
    return new Worker(entry, { workerData });
  }
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
    { eval: true, workerData },
  );
}

/** `execArgv` without the test runner's `--import …/ts-loader/register.mjs` (both spellings). */
function withoutTestLoader(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (arg === '--import' && (execArgv[i + 1] ?? '').includes('ts-loader/register')) {
      i++;
      continue;
    }
    if (arg.startsWith('--import=') && arg.includes('ts-loader/register')) continue;
    out.push(arg);
  }
  return out;
}
