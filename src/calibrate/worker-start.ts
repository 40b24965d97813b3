import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the entry `name` beside the module at `besideUrl` (its import.meta.url): in the bundle,
 * dist/<name>.js, and in the test run's compiled mirror of the sources (scripts/compile-ts.mjs), <name>.js beside
 * the compiled module; from the .ts sources under tsx, src/calibrate/<name>.ts, which needs tsx in the new thread:
 * Node 20 does not pass a worker's entry file through tsx's hooks, so a one-line bootstrap registers tsx and then
 * imports the entry.
 */
export function startWorker(besideUrl: string, name: string, workerData: unknown): Worker {
  if (!besideUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, besideUrl), { workerData });
  const entry = new URL(`./${name}.ts`, besideUrl);
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
    { eval: true, workerData },
  );
}
