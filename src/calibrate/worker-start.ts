import { Worker } from 'node:worker_threads';

/** Set on globalThis by the test runner's TypeScript loader (scripts/ts-loader/register.mjs) in every thread. */
const TEST_LOADER_MARK = Symbol.for('hlmm.testTsLoader');

/**
 * A worker thread running the entry `name` beside the module at `besideUrl` (its import.meta.url): in the bundle,
 * dist/<name>.js; from source, src/calibrate/<name>.ts, which needs a TypeScript loader in the new thread. The test
 * runner's loader is registered by --import in every thread (the mark says it is there), so the .ts loads as it
 * is; Node 20 does not pass a worker's entry file through tsx's hooks, so under tsx a one-line bootstrap registers
 * tsx and then imports the entry.
 */
export function startWorker(besideUrl: string, name: string, workerData: unknown): Worker {
  if (!besideUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, besideUrl), { workerData });
  const entry = new URL(`./${name}.ts`, besideUrl);
  if ((globalThis as Record<symbol, unknown>)[TEST_LOADER_MARK] === true)
    return new Worker(entry, { workerData });
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
    { eval: true, workerData },
  );
}
