import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startCollector } from '../../src/collect/collector.ts';
import { lockDataDir } from '../../src/collect/data-dir-lock.ts';
import { UserError } from '../../src/core/errors.ts';
import { spawnCli } from '../support/cli-process.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-one-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Nothing listens there: the collector's socket keeps retrying, which is all these tests need.
const NOWHERE = 'ws://127.0.0.1:9/ws';

test('a second collector on the same directory is refused with one sentence naming the first', async () => {
  const dir = join(root, 'market');
  const first = startCollector({ symbols: ['BTC'], outDir: dir, wsUrl: NOWHERE, writer: 'hlmm collect' });
  try {
    assert.throws(
      () =>
        startCollector({
          symbols: ['BTC'],
          outDir: dir,
          wsUrl: NOWHERE,
          writer: 'hlmm trade (collector.collect_dir, BTC)',
          outDirFlag: 'collector.collect_dir in the config',
        }),
      (err: unknown) =>
        err instanceof UserError &&
        err.exitCode === 2 &&
        err.message.includes(
          `the data directory "${dir}" is already being recorded by another process (pid ${process.pid} on `,
        ) &&
        err.message.includes('hlmm collect, started ') &&
        err.message.includes('give collector.collect_dir in the config another directory') &&
        !err.message.includes('\n'),
    );
  } finally {
    await first.stop();
  }
  // Released on stop: the next writer gets the directory.
  const next = startCollector({ symbols: ['BTC'], outDir: dir, wsUrl: NOWHERE });
  await next.stop();
});

test('hlmm collect on a directory another process records exits 2 naming it', async () => {
  const dir = join(root, 'held');
  const lock = lockDataDir(dir, 'hlmm trade (collector.collect_dir, BTC)', '--out');
  try {
    const run = spawnCli(['collect', '--symbols', 'BTC', '--out', dir, '--ws-url', NOWHERE]);
    const code = await run.exit;
    assert.equal(code, 2);
    const lines = run.err().trim().split('\n');
    assert.equal(lines.length, 1, run.err());
    assert.match(
      lines[0] as string,
      new RegExp(
        `already being recorded by another process \\(pid ${process.pid} on .*hlmm trade \\(collector\\.collect_dir, BTC\\)`,
      ),
    );
  } finally {
    lock.release();
  }
});
