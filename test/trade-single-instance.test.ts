/**
 * One bot per database file: a second `hlmm trade` on the same --db is refused with one sentence naming the
 * first (pid, start time) and exit 2, in paper, replay and live mode; a bot killed with SIGKILL leaves no stale
 * lock behind (the operating system drops SQLite's lock with the process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTrading } from '../src/trade/run-trade.ts';

const PARAMS = 'data/sample/params_BTC.json';

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit, out: () => stdout, err: () => stderr };
}

test('a second bot on the same --db is refused in every mode (one sentence naming the first, exit 2); the lock goes with the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-lock-'));
  const db = join(dir, 'bot.sqlite');
  const first = await startTrading(
    {
      replay: 'data/sample',
      speed: 20,
      params: PARAMS,
      db,
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'first.jsonl'),
    },
    { handleSignals: false },
  );
  try {
    const key = `0x${randomBytes(32).toString('hex')}`;
    const modes: Array<{ name: string; args: string[] }> = [
      { name: 'paper', args: ['--dry-run', '--ws-url', 'ws://127.0.0.1:9', '--api-url', 'http://127.0.0.1:9'] },
      { name: 'replay', args: ['--replay', 'data/sample'] },
      { name: 'live', args: ['--live', '--ws-url', 'ws://127.0.0.1:9', '--api-url', 'http://127.0.0.1:9'] },
    ];
    for (const m of modes) {
      const second = runCli(
        ['trade', ...m.args, '--db', db, '--params', PARAMS, '--api-port', '0', '--quiet'],
        { HLMM_PRIVATE_KEY: key },
      );
      const code = await second.exit;
      assert.equal(code, 2, `${m.name}: exit 2 (stderr: ${second.err()})`);
      const lines = second.err().trim().split('\n');
      assert.equal(lines.length, 1, `${m.name}: one line, got ${second.err()}`);
      assert.match(
        lines[0],
        new RegExp(
          `^hlmm: the database ".*bot\\.sqlite" is in use by another hlmm bot \\(pid ${process.pid} on .+, replay BTC, started \\d{4}-\\d\\d-\\d\\dT[^)]+\\); stop that bot first or give --db`,
        ),
      );
    }
    // In process too (the API and tests start bots this way).
    await assert.rejects(
      startTrading({ replay: 'data/sample', db, apiPort: 0, quiet: true }, { handleSignals: false }),
      (err: Error) => err.name === 'UserError' && /is in use by another hlmm bot \(pid/.test(err.message),
    );
    assert.ok(first.engine.summary().market_events >= 0, 'the first bot is untouched');
  } finally {
    await first.stop('test done');
  }
  await first.done;
  // Stopped: the database is free again.
  const again = await startTrading(
    { replay: 'data/sample', speed: 20, params: PARAMS, db, apiPort: 0, quiet: true, durationS: 0.5 },
    { handleSignals: false },
  );
  await again.done;
});

test('a bot killed with SIGKILL leaves no stale lock: the next start on its --db runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-lock-kill-'));
  const db = join(dir, 'bot.sqlite');
  const args = ['trade', '--replay', 'data/sample', '--speed', '5', '--params', PARAMS, '--db', db];
  const first = runCli([...args, '--api-port', '0', '--log-file', join(dir, 'first.jsonl')]);
  await until('first bot trading', () => /hlmm trade started/.test(first.err()));
  const refused = runCli([...args, '--api-port', '0', '--quiet']);
  assert.equal(await refused.exit, 2);
  assert.match(refused.err(), new RegExp(`in use by another hlmm bot \\(pid ${first.child.pid} `));
  first.child.kill('SIGKILL');
  await first.exit;
  const next = runCli([...args, '--api-port', '0', '--quiet', '--json', '--duration-s', '1']);
  assert.equal(await next.exit, 0, next.err());
  assert.match(next.out(), /"mode":"dry"/);
});
