// Bundles src/ into dist/ with esbuild (well under a second), so `./bin/hlmm` starts fast after `npm ci`
// (npm runs `prepare`). Type-checking is separate (`npm run typecheck`): esbuild only strips types.
import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Paths below are the repository's, from whatever folder this runs in.
const REPO = fileURLToPath(new URL('..', import.meta.url));

// Dependencies stay in node_modules, except apache-arrow: bundled (tree-shaken to the IPC reader and writer the
// event cache uses) it loads as one module instead of ~140 files, which is most of `hlmm calibrate`'s start-up.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const BUNDLED = new Set(['apache-arrow']);
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await build({
  // The worker threads are entries of their own: new Worker() loads dist/backtest-worker.js (γ backtests) and
  // dist/coin-worker.js (one coin of calibrate --tickers).
  entryPoints: {
    hlmm: 'src/cli/main.ts',
    'backtest-worker': 'src/calibrate/backtest-worker.ts',
    'coin-worker': 'src/calibrate/coin-worker.ts',
  },
  outdir: 'dist',
  absWorkingDir: REPO,
  bundle: true,
  splitting: true, // each command is a lazily imported chunk: start-up loads only what it runs
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The dashboard (src/web) for browsers: one ES module + CSS in dist/web, served at / by the API server. uPlot is
// bundled in, so the page needs nothing from a CDN at run time.
await build({
  entryPoints: { dashboard: 'src/web/dashboard.ts' },
  outdir: 'dist/web',
  absWorkingDir: REPO,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
copyFileSync(
  new URL('../src/web/index.html', import.meta.url),
  new URL('../dist/web/index.html', import.meta.url),
);
