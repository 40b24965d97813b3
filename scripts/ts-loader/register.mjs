// `node --import ./scripts/ts-loader/register.mjs`: TypeScript for the test run (see ./hooks.mjs). Node passes
// --import on to the runner's test processes and to worker threads, so each registers the hooks itself.
import { register } from 'node:module';

// Stack traces point into the .ts sources (each compiled file names its source map; ../compile-ts.mjs).
process.setSourceMapsEnabled(true);
register(new URL('./hooks.mjs', import.meta.url));
// src/calibrate/worker-start.ts reads this: a worker's .ts entry loads through these hooks as it is (this file
// runs in every worker thread too), with no tsx bootstrap.
globalThis[Symbol.for('hlmm.testTsLoader')] = true;
