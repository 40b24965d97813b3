// Module loader hooks for the test run (registered by ./register.mjs in every process and worker thread of it).
// A .ts file of this repository loads as the JavaScript that scripts/run-tests.mjs compiled once, with esbuild,
// before the run (../compile-ts.mjs); tsx would transform it again in each of the suite's ≈ 140 processes, and
// starting tsx alone costs ≈ 0.27 s of CPU per process. The module keeps its .ts URL, so paths built from
// import.meta.url resolve as they do under tsx. A .ts file the compile did not see (no compiled directory, or a
// file written after it) is transformed here when first loaded.
import { readFile } from 'node:fs/promises';
import { compiledPathFor, transformTs } from '../compile-ts.mjs';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const compiled = compiledPathFor(url);
  if (compiled !== null) {
    try {
      return { format: 'module', source: await readFile(compiled), shortCircuit: true };
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
  return { format: 'module', source: await transformTs(url), shortCircuit: true };
}
