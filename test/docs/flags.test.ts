import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commands } from '../../src/cli/commands/index.ts';

/**
 * Every `--flag` the docs name exists in the `--help` of the command it is named with: in code (inline spans
 * and fenced blocks) after `hlmm <command>`, and in the flag tables of a command's own page (docs/trade.md
 * → `hlmm trade`). A doc that promises a flag the CLI lacks is a user's first error.
 */
const root = new URL('../../', import.meta.url);
const program = new Command('hlmm');
for (const define of commands) define(program);
const help = new Map<string, string>();
for (const c of program.commands) help.set(c.name(), c.helpInformation());
const GLOBAL = new Set(['--help', '--version']);

function flagsIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]);
}

/** Lines of code in a markdown text: fenced blocks (with `\` continuations joined) and inline spans. */
function codeOf(md: string): string[] {
  const out: string[] = [];
  const fence = /```[^\n]*\n([\s\S]*?)```/g;
  for (const m of md.matchAll(fence)) out.push(...m[1].replace(/\\\n\s*/g, ' ').split('\n'));
  const prose = md.replace(fence, '');
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) out.push(m[1]);
  return out;
}

/** [command, flag] pairs: each `hlmm <command>` in a line of code owns the flags up to the next command or pipe. */
function namedFlags(line: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const re = /(?:^|[\s/(])hlmm\s+([a-z][a-z-]*)/g;
  const hits = [...line.matchAll(re)];
  for (let i = 0; i < hits.length; i++) {
    const cmd = hits[i][1];
    if (!help.has(cmd)) continue;
    const start = (hits[i].index ?? 0) + hits[i][0].length;
    const end = i + 1 < hits.length ? (hits[i + 1].index ?? line.length) : line.length;
    const segment = line.slice(start, end).split(/\s(?:&&|\|\||\||;|&)\s|#/)[0];
    for (const f of flagsIn(segment)) pairs.push([cmd, f]);
  }
  return pairs;
}

const docFiles = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs name only flags the CLI has', () => {
  it('finds the commands and their help', () => {
    for (const c of ['trade', 'backtest', 'calibrate', 'collect', 'pnl']) assert.ok(help.has(c), c);
    assert.match(help.get('trade') as string, /--api-cors/);
  });

  it('the parser reads a code span and a flag table row as the docs write them', () => {
    assert.deepEqual(namedFlags('./bin/hlmm trade --replay data/sample --speed 60 | tee x'), [
      ['trade', '--replay'],
      ['trade', '--speed'],
    ]);
    assert.deepEqual(namedFlags('hlmm collect --out d && hlmm calibrate --data d'), [
      ['collect', '--out'],
      ['calibrate', '--data'],
    ]);
  });

  it('is not vacuous: the docs name many flags, and an unknown one is caught', () => {
    let pairs = 0;
    for (const file of docFiles) {
      for (const line of codeOf(readFileSync(new URL(file, root), 'utf8'))) pairs += namedFlags(line).length;
    }
    assert.ok(pairs > 50, `only ${pairs} flags found in the docs`);
    const [[cmd, flag]] = namedFlags(codeOf('Run `hlmm trade --data x`.')[0]);
    assert.equal(cmd, 'trade');
    assert.doesNotMatch(help.get(cmd) as string, new RegExp(`(?<![\\w-])${flag}(?![\\w-])`));
  });

  for (const file of docFiles) {
    it(`${file}: every --flag after "hlmm <command>" is in that command's --help`, () => {
      const md = readFileSync(new URL(file, root), 'utf8');
      const wrong: string[] = [];
      for (const line of codeOf(md)) {
        for (const [cmd, flag] of namedFlags(line)) {
          if (GLOBAL.has(flag)) continue;
          if (!new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(help.get(cmd) as string))
            wrong.push(`hlmm ${cmd} ${flag}  (in: ${line.trim().slice(0, 100)})`);
        }
      }
      // A command's own page: the flags of its tables ("| `--flag …` | …").
      const page = file.match(/^docs\/([a-z-]+)\.md$/)?.[1];
      if (page && help.has(page)) {
        for (const row of md.split('\n').filter((l) => /^\|\s*`--/.test(l))) {
          const cell = row.split('|')[1];
          for (const flag of flagsIn(cell)) {
            if (
              !GLOBAL.has(flag) &&
              !new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(help.get(page) as string)
            )
              wrong.push(`hlmm ${page} ${flag}  (table row: ${row.slice(0, 100)})`);
          }
        }
      }
      assert.deepEqual(wrong, [], `${file} names flags its command does not have`);
    });
  }
});
