import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors.ts';

/**
 * One writer per market-data directory. Two recorders appending to the same files interleave rows and write
 * every trade twice (the Docker layout once had the bot's collector and the collector service both on
 * /data/market). The lock is the one src/store/db-lock.ts uses for databases: a small SQLite side file,
 * `<dir>/.hlmm-writer.lock`, in which the writer keeps a write transaction open while it runs. The operating
 * system drops it when the process ends in any way, so a stale lock cannot exist; the file also records who holds
 * it (pid, host, what, start time), committed before the lock is taken, so the second writer can name the first.
 * Readers (calibrate, backtest, the fake exchange) never take it.
 */
export interface DataDirWriter {
  pid: number;
  host: string;
  /** What writes, e.g. "hlmm collect" or "hlmm trade (collector.collect_dir)". */
  what: string;
  startedMs: number;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export const DATA_DIR_LOCK_NAME = '.hlmm-writer.lock';

/** Takes the writer lock of `dir` (created if missing), or throws a UserError naming the process that holds it. */
export function lockDataDir(dir: string, what: string, flag: string): DataDirLock {
  const file = join(dir, DATA_DIR_LOCK_NAME);
  let db: Database.Database;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new UserError(
      `cannot create the writer lock "${file}" in the data directory (${(err as Error).message}); give ${flag} a writable directory.`,
    );
  }
  const me: DataDirWriter = { pid: process.pid, host: hostname(), what, startedMs: Date.now() };
  try {
    if (
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'writer'").get() === undefined
    )
      db.exec(
        'CREATE TABLE writer (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, host TEXT, what TEXT, started_ms INTEGER)',
      );
    const begin = db.prepare('BEGIN IMMEDIATE');
    begin.run();
    db.prepare('INSERT OR REPLACE INTO writer (id, pid, host, what, started_ms) VALUES (1, ?, ?, ?, ?)').run(
      me.pid,
      me.host,
      me.what,
      me.startedMs,
    );
    db.prepare('COMMIT').run();
    begin.run();
  } catch (err) {
    const other = readWriter(db);
    db.close();
    if (err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code)) {
      const who =
        other === null
          ? 'another process'
          : `another process (pid ${other.pid} on ${other.host}, ${other.what}, started ${new Date(other.startedMs).toISOString()})`;
      throw new UserError(
        `the data directory "${dir}" is already being recorded by ${who}; stop that one first or give ${flag} another directory (one writer per directory keeps every row once).`,
      );
    }
    throw new UserError(
      `cannot lock the data directory "${dir}" through "${file}" (${(err as Error).message}); give ${flag} a writable directory.`,
    );
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (db.inTransaction) db.prepare('ROLLBACK').run();
      } finally {
        db.close();
      }
    },
  };
}

function readWriter(db: Database.Database): DataDirWriter | null {
  try {
    const r = db.prepare('SELECT pid, host, what, started_ms FROM writer WHERE id = 1').get() as
      | { pid: number; host: string; what: string; started_ms: number }
      | undefined;
    return r ? { pid: r.pid, host: r.host, what: r.what, startedMs: r.started_ms } : null;
  } catch {
    return null;
  }
}
