/**
 * The live bot's own latencies: recorded in the store (a migration an old file gets in place), read back by
 * `hlmm latency`, which prints their percentiles and writes the file backtest --latency-file draws from.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { UserError } from '../../src/core/errors.ts';
import { readLatencyFile } from '../../src/sim/latency-file.ts';
import { latencyReport, latencySamplesFrom, runLatencyCommand } from '../../src/store/latency-report.ts';
import { MIGRATIONS } from '../../src/store/schema.ts';
import { type LatencySampleRecord, openStore } from '../../src/store/trade-store.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'hlmm-latency-store-'));
const rec = (kind: LatencySampleRecord['kind'], latencyMs: number, tsMs = 1000): LatencySampleRecord => ({
  tsMs,
  kind,
  latencyMs,
  coin: 'BTC',
});

describe('latency samples in the store', () => {
  it('records and reads back, oldest first, by kind and time', () => {
    const store = openStore(join(dir(), 'bot.sqlite'));
    store.recordLatency(rec('order_ack', 180, 2000));
    store.recordLatency(rec('fill_report', 60.5, 1000));
    store.recordLatency(rec('order_ack', 220, 3000));
    assert.deepEqual(
      store.latencySamples().map((r) => [r.kind, r.latencyMs, r.tsMs]),
      [
        ['fill_report', 60.5, 1000],
        ['order_ack', 180, 2000],
        ['order_ack', 220, 3000],
      ],
    );
    assert.equal(store.latencySamples({ kind: 'order_ack', fromMs: 2500 }).length, 1);
    store.close();
  });

  it('a database written before the table existed is upgraded in place, its rows kept', () => {
    const file = join(dir(), 'old.sqlite');
    const db = new Database(file);
    for (let v = 0; v < 2; v++) db.exec(MIGRATIONS[v]);
    db.pragma('user_version = 2');
    db.exec("INSERT INTO risk_events (ts_ms, kind, detail) VALUES (1, 'k', 'd')");
    db.close();
    const store = openStore(file);
    assert.equal(store.riskEvents().length, 1);
    store.recordLatency(rec('order_ack', 100));
    assert.equal(store.latencySamples().length, 1);
    store.close();
  });
});

describe('hlmm latency', () => {
  it('entry = round trip − median fill report; response = the fill reports (hand-computed)', () => {
    // Round trips 200, 300, 400; fill reports 50, 100, 150 → median 100 → entry 100, 200, 300.
    const rs = [200, 300, 400]
      .map((x) => rec('order_ack', x))
      .concat([50, 100, 150].map((x) => rec('fill_report', x)));
    const { samples } = latencySamplesFrom(rs);
    assert.deepEqual(samples, { entryMs: [100, 200, 300], responseMs: [50, 100, 150] });
    const r = latencyReport(rs);
    assert.deepEqual([r.order_ack.p50, r.order_ack.p99, r.order_ack.count], [300, 400, 3]);
    assert.deepEqual([r.entry.p50, r.response.p50], [200, 100]);
  });

  it('without fill reports the round trip is split in half', () => {
    assert.deepEqual(latencySamplesFrom([rec('order_ack', 300)]).samples, {
      entryMs: [150],
      responseMs: [150],
    });
  });

  it('--out writes the file the backtest reads; no samples or no database is one clear sentence', () => {
    const d = dir();
    const file = join(d, 'bot.sqlite');
    const store = openStore(file);
    for (const x of [200, 300, 400]) store.recordLatency(rec('order_ack', x));
    store.recordLatency(rec('fill_report', 100));
    store.close();
    const out = join(d, 'latency.json');
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((chunk: string) => {
      printed += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      runLatencyCommand({ db: file, out, json: true });
    } finally {
      process.stdout.write = write;
    }
    const j = JSON.parse(printed) as { order_ack: { p50: number }; entry: { p50: number } };
    assert.equal(j.order_ack.p50, 300);
    assert.equal(j.entry.p50, 200);
    assert.deepEqual(readLatencyFile(out), { entryMs: [100, 200, 300], responseMs: [100] });
    const empty = join(d, 'empty.sqlite');
    openStore(empty).close();
    assert.throws(
      () => runLatencyCommand({ db: empty, out: join(d, 'x.json'), json: true }),
      (e: Error) => e instanceof UserError && /no order round trips/.test(e.message),
    );
    assert.throws(
      () => runLatencyCommand({ db: join(d, 'missing.sqlite'), json: true }),
      (e: Error) => e instanceof UserError && /no such database/.test(e.message),
    );
  });
});
