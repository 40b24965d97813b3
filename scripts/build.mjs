// Bundles src/ into dist/ with esbuild (well under a second), so `./bin/hlmm` starts fast after `npm ci`
// (npm runs `prepare`). Type-checking is separate (`npm run typecheck`): esbuild only strips types.
import { build } from 'esbuild';

await build({
  // The γ backtests' worker thread is an entry of its own: new Worker() loads dist/backtest-worker.js.
  entryPoints: { hlmm: 'src/cli/main.ts', 'backtest-worker': 'src/calibrate/backtest-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true, // each command is a lazily imported chunk: start-up loads only what it runs
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The dashboard (src/web) for browsers: one ES module + CSS in dist/web, served at / by the API server. uPlot is
// bundled in, so the page needs nothing from a CDN at run time.
await build({
  entryPoints: { dashboard: 'src/web/dashboard.ts' },
  outdir: 'dist/web',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
const { copyFileSync } = await import('node:fs');
copyFileSync('src/web/index.html', 'dist/web/index.html');
