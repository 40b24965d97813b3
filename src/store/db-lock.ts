import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors.ts';

/**
 * One bot per database file. The lock is SQLite's own: a small side file `<db>.lock` (a SQLite database) in
 * which the holder keeps a write transaction open (BEGIN IMMEDIATE = a RESERVED lock) for as long as it runs.
 * The operating system drops that lock when the process ends in any way (exit, crash, SIGKILL), so a stale lock
 * cannot exist and no pid check is needed; two connections in one process exclude each other too (SQLite tracks
 * its locks per file, not per connection). The file also holds who took the lock (pid, host, mode, coin, start
 * time), committed before the lock is held, so a second bot — which may still read it — can name the first.
 *
 * Readers (the REST API, `hlmm pnl`) never look at the side file: only bots take it.
 */
export interface DbLockHolder {
  pid: number;
  host: string;
  /** paper, replay or live. */
  mode: string;
  ticker: string;
  startedMs: number;
}

export interface DbLock {
  readonly file: string;
  readonly holder: DbLockHolder;
  release(): void;
}

/** The side file that carries the lock of `dbFile`. */
export function lockFileOf(dbFile: string): string {
  return `${dbFile}.lock`;
}

/**
 * Takes the lock of `dbFile` for this process, or throws a UserError naming the process that holds it.
 * An in-memory database (':memory:') is private to its process: no lock, null.
 */
export function lockDatabase(dbFile: string, who: { mode: string; ticker: string }): DbLock | null {
  if (dbFile === ':memory:') return null;
  const file = lockFileOf(dbFile);
  let db: Database.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new UserError(
      `cannot create the lock file "${file}" beside the database (${(err as Error).message}); give --db (or "db_file") a path in a writable folder.`,
    );
  }
  const holder: DbLockHolder = {
    pid: process.pid,
    host: hostname(),
    mode: who.mode,
    ticker: who.ticker,
    startedMs: Date.now(),
  };
  try {
    // A read first: creating the table would need the write lock the holder keeps.
    if (
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'holder'").get() === undefined
    )
      db.exec(
        'CREATE TABLE holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, host TEXT, mode TEXT, ticker TEXT, started_ms INTEGER)',
      );
    // Who holds it is committed first (readable by the next bot), then the lock is taken and kept. Should another
    // bot win the lock between the two, the second BEGIN fails and this one backs off: the lock is what counts.
    const begin = db.prepare('BEGIN IMMEDIATE');
    begin.run();
    db.prepare(
      'INSERT OR REPLACE INTO holder (id, pid, host, mode, ticker, started_ms) VALUES (1, ?, ?, ?, ?, ?)',
    ).run(holder.pid, holder.host, holder.mode, holder.ticker, holder.startedMs);
    db.prepare('COMMIT').run();
    begin.run();
  } catch (err) {
    const other = readHolder(db);
    db.close();
    if (isBusy(err)) throw inUse(dbFile, other);
    throw new UserError(
      `cannot lock the database "${dbFile}" through "${file}" (${(err as Error).message}); give --db (or "db_file") a path in a writable folder.`,
    );
  }
  let released = false;
  return {
    file,
    holder,
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

/** Who holds (or last held) the lock, as committed in the side file; null when unreadable. */
export function readHolder(db: Database.Database): DbLockHolder | null {
  try {
    const r = db.prepare('SELECT pid, host, mode, ticker, started_ms FROM holder WHERE id = 1').get() as
      | { pid: number; host: string; mode: string; ticker: string; started_ms: number }
      | undefined;
    if (!r) return null;
    return { pid: r.pid, host: r.host, mode: r.mode, ticker: r.ticker, startedMs: r.started_ms };
  } catch {
    return null;
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code);
}

function inUse(dbFile: string, h: DbLockHolder | null): UserError {
  const who =
    h === null
      ? 'another process'
      : `another hlmm bot (pid ${h.pid} on ${h.host}, ${h.mode} ${h.ticker}, started ${new Date(h.startedMs).toISOString()})`;
  return new UserError(
    `the database "${dbFile}" is in use by ${who}; stop that bot first or give --db (or "db_file") another file.`,
  );
}
