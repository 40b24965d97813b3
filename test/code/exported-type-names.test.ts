/**
 * Every exported type name (interface or type alias) is defined in one module of src/ only: two `OrderRecord`s
 * (the store's row and the fake exchange's order) once meant an editor's auto-import could pick the wrong one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../../src', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Exported interface and type-alias names of one module's text (re-exports are not definitions). */
function exportedTypeNames(text: string): string[] {
  return [...text.matchAll(/^export\s+(?:declare\s+)?(?:interface|type)\s+([A-Za-z_$][\w$]*)/gm)].map(
    (m) => m[1],
  );
}

test('the scan finds interfaces and type aliases, not re-exports', () => {
  const text = [
    'export interface A {',
    'export type B = number;',
    "export type { C } from '../c.ts';",
    'interface D {}',
    'export const E = 1;',
  ].join('\n');
  assert.deepEqual(exportedTypeNames(text), ['A', 'B']);
});

test('no exported type name is defined in two modules of src/', () => {
  const where = new Map<string, string[]>();
  for (const file of tsFiles(SRC)) {
    for (const name of exportedTypeNames(readFileSync(file, 'utf8'))) {
      const list = where.get(name) ?? [];
      list.push(relative(SRC, file));
      where.set(name, list);
    }
  }
  assert.ok(where.size > 100, `the scan found ${where.size} exported types`);
  const twice = [...where]
    .filter(([, files]) => files.length > 1)
    .map(([n, files]) => `${n}: ${files.join(', ')}`);
  assert.deepEqual(twice, []);
});
