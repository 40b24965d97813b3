// TypeScript → JavaScript for the test run, with esbuild (types stripped, nothing bundled), into a tree that
// mirrors the repository, so the tests run as plain JavaScript with no module loader at all:
//   <dir>/src/a/b.js        src/a/b.ts compiled, its relative imports of ./x.ts rewritten to ./x.js, a source map
//                           beside it (stack traces and failures point at the .ts lines with --enable-source-maps)
//   <dir>/src/a/b.ts        a symlink to the source (tests that read sources, tsx children importing one)
//   <dir>/src/a/<other>     a symlink for every other file of src/ and test/ (fixtures, assets, scripts)
//   <dir>/<top-level entry> a symlink for everything else at the top (node_modules, data, dist, bin, package.json…)
// Paths built from import.meta.url inside the repository therefore resolve as in the sources; paths that leave the
// repository (../shared) go through test/support/repo-root.ts, which follows the package.json symlink back.
// Why no loader: in Node 20 every process and worker thread that registers loader hooks gets a hooks thread of its
// own, which then serves each module load by message; that cost ≈ 0.1 s of CPU per test process and ≈ 0.6 s per
// worker thread (docs/benchmarks.md, ninth session).
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** The folders compiled before a run: everything a test imports from this repository lives there. */
const COMPILED_FOLDERS = ['src', 'test'];
/** Not mirrored at the top: the compiled folders are built here, and git's data is no test's business. */
const NOT_MIRRORED = new Set([...COMPILED_FOLDERS, '.git']);
/**
 * A relative module specifier ending in .ts, as esbuild leaves it in `import … from '…'`, `export … from '…'` and
 * `import('…')` (esbuild prints every specifier with double quotes). Only those forms: a '.ts' inside a string
 * elsewhere (a file name a test writes, `new URL('./x.ts', import.meta.url)`) is not a specifier and stays.
 */
const RELATIVE_TS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(\.\.?\/[^"\n]*)\.ts"/g;

/** Mirrors `dir` (a folder of src/ or test/) under `outDir`; returns its .ts files. */
function mirrorFolder(dir, outDir) {
  const tsFiles = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mirrored = join(outDir, relative(REPO, path));
    if (entry.isDirectory()) {
      mkdirSync(mirrored, { recursive: true });
      tsFiles.push(...mirrorFolder(path, outDir));
      continue;
    }
    symlinkSync(path, mirrored);
    if (entry.name.endsWith('.ts')) tsFiles.push(path);
  }
  return tsFiles;
}

/**
 * Builds the mirror in `outDir` (which must not exist yet, or be empty): one esbuild pass over src/ and test/
 * (≈ 0.8 s for ≈ 400 files) and the symlinks. Throws when a source does not compile (esbuild has printed why).
 */
export async function compileTs(outDir) {
  const { build } = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  for (const entry of readdirSync(REPO, { withFileTypes: true }))
    if (!NOT_MIRRORED.has(entry.name)) symlinkSync(join(REPO, entry.name), join(outDir, entry.name));
  const entryPoints = COMPILED_FOLDERS.flatMap((folder) => {
    mkdirSync(join(outDir, folder), { recursive: true });
    return mirrorFolder(join(REPO, folder), outDir);
  });
  const { outputFiles } = await build({
    format: 'esm',
    platform: 'node',
    target: 'node20',
    entryPoints,
    outdir: outDir,
    outbase: REPO,
    bundle: false,
    sourcemap: 'external',
    write: false,
    logLevel: 'warning',
  });
  for (const file of outputFiles) {
    if (!file.path.endsWith('.js')) {
      writeFileSync(file.path, file.contents);
      continue;
    }
    const code = file.text.replace(RELATIVE_TS_SPECIFIER, '$1"$2.js"');
    writeFileSync(file.path, `${code}//# sourceMappingURL=${basename(file.path)}.map\n`);
  }
}

/** The compiled file in `outDir` of a test file (test/a/b.test.ts, relative to the working folder, or absolute). */
export function compiledTestPath(outDir, testPath) {
  const rel = relative(REPO, resolve(testPath));
  return join(outDir, `${rel.slice(0, -'.ts'.length)}.js`);
}

/** The repository path (test/a/b.test.ts) of a compiled test file in `outDir`, or `path` when it is not one. */
export function sourceTestPath(outDir, path) {
  const rel = relative(outDir, path);
  if (rel.startsWith('..') || !rel.endsWith('.js')) return path;
  return join(dirname(rel), `${basename(rel, '.js')}.ts`);
}
