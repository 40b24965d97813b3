/**
 * `hlmm trade` as a child process: SIGTERM cancels, persists, prints the one-line JSON summary and exits 0 with
 * nothing lost in the store; a paper restart restores the position and cash from the store.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/store/trade-store.ts';
import { spawnCli } from '../support/cli-process.ts';
import { until } from '../support/wait.ts';

const runBot = (args: string[]) => spawnCli(['trade', ...args]);

test('SIGTERM: summary JSON, exit 0, store complete; a paper restart restores position and cash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-sig-'));
  const db = join(dir, 'bot.sqlite');
  const common = [
    '--replay',
    'data/sample',
    // Looping: the replay does not end (and stop the bot by itself) before the test's SIGTERM on a busy machine.
    '--loop',
    '--speed',
    '300',
    '--params',
    'data/sample/params_BTC.json',
    '--db',
    db,
    '--api-port',
    '0',
    '--json',
    '--quiet',
  ];
  const first = runBot([...common, '--log-file', join(dir, 'first.jsonl')]);
  const fills = () => {
    try {
      const s = openStore(db);
      try {
        return s.fillCount();
      } finally {
        s.close();
      }
    } catch {
      return 0;
    }
  };
  await until('fills in the store', () => fills() >= 3 || first.child.exitCode !== null);
  first.child.kill('SIGTERM');
  const code = await first.exit;
  assert.equal(code, 0, first.err());
  const lines = first.out().trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line on stdout');
  const summary = JSON.parse(lines[0]);
  for (const k of ['orders_placed', 'fills', 'position', 'realized_pnl', 'unrealized_pnl', 'fees'])
    assert.ok(k in summary, k);

  const store = openStore(db);
  let lastCash: number;
  try {
    assert.equal(store.fillCount(), summary.fills, 'every fill of the run is in the store');
    assert.equal(store.openOrders('BTC').length, 0, 'resting orders cancelled');
    const pnl = store.latestPnl();
    assert.ok(pnl);
    assert.ok(Math.abs(pnl.positionSz - summary.position) < 1e-12);
    assert.ok(Math.abs(pnl.cashQuote - summary.cash) < 1e-6);
    lastCash = pnl.cashQuote;
    assert.equal(store.latestRun()?.stopReason, 'SIGTERM');
  } finally {
    store.close();
  }

  // Restart on the same store: the paper account continues where it stopped.
  const second = runBot([...common, '--duration-s', '1', '--log-file', join(dir, 'second.jsonl')]);
  assert.equal(await second.exit, 0, second.err());
  const restored = readFileSync(join(dir, 'second.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('paper state restored'))
    .map((l) => JSON.parse(l));
  assert.equal(restored.length, 1);
  assert.ok(Math.abs(restored[0].position - summary.position) < 1e-12);
  assert.ok(Math.abs(restored[0].cash - lastCash) < 1e-3);
  const s2 = JSON.parse(second.out().trim());
  // Fills of the second run add to the first run's in the store, none lost or doubled.
  const st = openStore(db);
  try {
    assert.equal(st.fillCount(), summary.fills + s2.fills);
  } finally {
    st.close();
  }
});
