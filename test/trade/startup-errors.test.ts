// Start-up failures of `hlmm trade` are one sentence and exit 2, in every mode, and leave nothing running.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_REPLAY_LEAD_MS, MAX_REPLAY_SPEED, ReplayFollowClock } from '../../src/trade/bot-clock.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-startup-'));

/** Runs the built CLI; a process that does not end on its own within the budget counts as hanging. */
function hlmm(args: string[]) {
  const run = spawnSync('./bin/hlmm', args, { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout, hung: run.signal === 'SIGTERM' };
}

function assertOneSentence(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  const last = lines[lines.length - 1];
  assert.match(last, pattern);
  assert.ok(!/^\s+at /m.test(stderr), `stack trace in: ${stderr}`);
}

describe('hlmm trade start-up errors', () => {
  it('an unreadable replay file ends the run with exit 2 after the summary (it used to exit 0)', () => {
    const bad = join(dir, 'bad-replay');
    mkdirSync(bad);
    writeFileSync(join(bad, 'prices_BTC.csv'), 'timestamp,price,size,side,exchange_timestamp\n1,2,3,bid,4\n');
    writeFileSync(join(bad, 'trades_BTC.csv'), 'this is not a trades file\n');
    const r = hlmm([
      'trade',
      '--replay',
      bad,
      '--api-port',
      '0',
      '--db',
      join(dir, 'a.sqlite'),
      '--speed',
      '100',
    ]);
    assert.equal(r.hung, false);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /hlmm trade summary/, 'the summary is still printed');
    assertOneSentence(r.stderr, /^hlmm: .*trades_BTC\.csv: the first line must be the header/);
  });

  it('an unwritable --db is one sentence and exit 2 — in replay and paper mode, before anything connects', () => {
    for (const mode of [
      ['--replay', 'data/sample'],
      ['--ws-url', 'ws://127.0.0.1:9/ws', '--api-url', 'http://127.0.0.1:9'],
    ]) {
      const r = hlmm(['trade', ...mode, '--api-port', '0', '--db', '/proc/hlmm-cannot-write.sqlite']);
      assert.equal(r.hung, false, `hung: ${mode.join(' ')}`);
      assert.equal(r.status, 2, r.stderr);
      assertOneSentence(
        r.stderr,
        /^hlmm: cannot (open the database|create the lock file) "\/proc\/hlmm-cannot-write\.sqlite(\.lock)?"/,
      );
    }
  });

  it('one coin refuses to record into the folder it replays (--collect or collector.collect_dir), before anything opens', () => {
    // A copy of the sample: before this refusal the collector appended the replayed market to these very files.
    const replay = join(dir, 'replay-copy');
    mkdirSync(replay);
    for (const f of readdirSync('data/sample').filter((n) => /\.(gz|json)$/.test(n)))
      copyFileSync(join('data/sample', f), join(replay, f));
    const before = readdirSync(replay).sort();
    const cfg = join(dir, 'collect-into-replay.json');
    writeFileSync(cfg, JSON.stringify({ collector: { collect_dir: `${replay}/` } }));
    for (const [how, key] of [
      [['--collect', `${replay}/.`], '--collect'],
      [['--config', cfg], 'collector\\.collect_dir in the config'],
    ] as const) {
      const db = join(dir, `collect-${key.length}.sqlite`);
      const r = hlmm([
        'trade',
        '--replay',
        replay,
        ...how,
        '--api-port',
        '0',
        '--db',
        db,
        '--duration-s',
        '5',
      ]);
      assert.equal(r.hung, false, `hung: ${how.join(' ')}`);
      assert.equal(r.status, 2, r.stderr);
      assertOneSentence(
        r.stderr,
        new RegExp(
          `^hlmm: ${key} .* is the --replay folder: the bot would record the replayed market into the files being replayed; record into another folder\\.$`,
        ),
      );
      assert.equal(existsSync(db), false, 'refused before the database was opened');
    }
    assert.deepEqual(readdirSync(replay).sort(), before, 'nothing recorded into the replayed folder');
  });

  it('a taken API port is one sentence and exit 2, and the already started replay does not keep the process alive', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await new Promise<ReturnType<typeof hlmm>>((resolve) => {
        // Run asynchronously: the blocking server must keep accepting in this process meanwhile.
        import('node:child_process').then(({ execFile }) => {
          execFile(
            './bin/hlmm',
            [
              'trade',
              '--replay',
              'data/sample',
              '--api-port',
              String(port),
              '--db',
              join(dir, 'p.sqlite'),
              '--quiet',
            ],
            {
              encoding: 'utf8',
              timeout: 120_000,
              env: { ...process.env, HLMM_API_PASSWORD: 'test-password-42' },
            },
            (err, stdout, stderr) =>
              resolve({
                status: err ? ((err as { code?: number }).code ?? null) : 0,
                stdout,
                stderr,
                hung: (err as { killed?: boolean } | null)?.killed === true,
              }),
          );
        });
      });
      assert.equal(r.hung, false);
      assert.equal(r.status, 2, r.stderr);
      assertOneSentence(
        r.stderr,
        new RegExp(`^hlmm: the monitoring API cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`),
      );
    } finally {
      blocker.close();
    }
  });

  it('--speed is bounded (it used to run away at 1e9), with the maximum in the message', () => {
    const r = hlmm([
      'trade',
      '--replay',
      'data/sample',
      '--api-port',
      '0',
      '--db',
      ':memory:',
      '--speed',
      '1e9',
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`--speed.*at most ${MAX_REPLAY_SPEED}`));
    assert.ok(!/^\s+at /m.test(r.stderr), r.stderr);
  });
});

describe('ReplayFollowClock', () => {
  it('never runs more than MAX_REPLAY_LEAD_MS ahead of the last exchange stamp, whatever the wall time', () => {
    let wall = 0;
    const clock = new ReplayFollowClock(MAX_REPLAY_SPEED, () => wall);
    clock.observe(1_000_000);
    wall = 1; // 1 wall ms at 10,000× = 10 s of exchange time
    assert.equal(clock.nowMs(), 1_010_000);
    wall = 60; // 10 min: a silent market still ages the data
    assert.equal(clock.nowMs(), 1_000_000 + 600_000);
    wall = 3_600_000; // an hour of wall time with no message: capped, not 36,000 hours ahead
    assert.equal(clock.nowMs(), 1_000_000 + MAX_REPLAY_LEAD_MS);
    clock.observe(1_000_000 + MAX_REPLAY_LEAD_MS + 5);
    assert.equal(clock.nowMs(), 1_000_000 + MAX_REPLAY_LEAD_MS + 5);
  });
});
