/**
 * Where the bundled real Hyperliquid BTC sample (data/sample/) is, from wherever this code runs: src/ under tsx
 * or a dist/ chunk after the build, at different depths, hence the walk up to the package root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function bundledSampleDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'data', 'sample');
    if (existsSync(join(candidate, 'prices_BTC.csv.gz')) || existsSync(join(candidate, 'prices_BTC.csv'))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}
