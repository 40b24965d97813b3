// Bundles src/ into dist/ with esbuild (well under a second), so `./bin/hlmm` starts fast after `npm ci`
// (npm runs `prepare`). Type-checking is separate (`npm run typecheck`): esbuild only strips types.
import { build } from 'esbuild';

await build({
  entryPoints: { hlmm: 'src/cli/main.ts' },
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
