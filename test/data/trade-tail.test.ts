import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRADES_HEADER } from '../../src/data/layout.ts';
import { RecentTradeIds } from '../../src/data/trade-dedup.ts';
import { readTradeTail } from '../../src/data/trade-tail.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-tail-'));
const row = (tid: number) => `1756707631.5,107947,0.01,buy,${tid},1756707631000\n`;

function tradesFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

test('trade tail: last rows in file order, header and malformed rows skipped', () => {
  const file = tradesFile(
    'a.csv',
    `${TRADES_HEADER}\n${row(11)}${row(7)}1756707631.5,107947,0.01,buy,x,1756707631000\n` +
      `1756707631.5,107947,0.01,buy,12\n${row(30)}${row(7)}1756707631.5,1,1,buy,-4,1\r\n${row(5)}`,
  );
  assert.deepEqual(readTradeTail(file, 100), [11, 7, 30, 7, 5]); // file duplicates kept
  assert.deepEqual(readTradeTail(file, 2), [7, 5]);
  assert.deepEqual(readTradeTail(file, 1), [5]);
});

test('trade tail: a CRLF row and a row cut by a crash at the end', () => {
  const file = tradesFile(
    'b.csv',
    `${TRADES_HEADER}\r\n${row(1).replace('\n', '\r\n')}${row(2)}1756707631.5,10`,
  );
  assert.deepEqual(readTradeTail(file, 10), [1, 2]);
});

test('trade tail: the byte budget bounds the read, and the cut first line is dropped', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => row(i + 1)).join('');
  const file = tradesFile('c.csv', `${TRADES_HEADER}\n${rows}`);
  const rowBytes = row(1000).length; // 42 bytes
  // 3 whole rows plus 10 bytes of the row before: that partial row must not yield an id.
  assert.deepEqual(readTradeTail(file, 100, 3 * rowBytes + 10), [998, 999, 1000]);
  // Exactly 3 rows + the newline before them.
  assert.deepEqual(readTradeTail(file, 100, 3 * rowBytes + 1), [998, 999, 1000]);
  assert.deepEqual(readTradeTail(file, 100, 5), []); // no whole row inside the window
  const all = readTradeTail(file, 5000);
  assert.equal(all.length, 1000);
  assert.equal(all[0], 1);
  assert.equal(all[999], 1000);
});

test('trade tail: reads across blocks (a file larger than one 256 KiB block)', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => row(1_000_000 + i)).join('');
  const file = tradesFile('d.csv', `${TRADES_HEADER}\n${rows}`);
  const tail = readTradeTail(file, 12_000);
  assert.equal(tail.length, 12_000);
  assert.equal(tail[0], 1_000_000 + 8_000);
  assert.equal(tail[11_999], 1_019_999);
  assert.equal(readTradeTail(file, 50_000).length, 20_000);
});

test('trade tail: empty file, header only, .gz refused', () => {
  assert.deepEqual(readTradeTail(tradesFile('e.csv', ''), 10), []);
  assert.deepEqual(readTradeTail(tradesFile('f.csv', `${TRADES_HEADER}\n`), 10), []);
  assert.throws(() => readTradeTail(join(dir, 'trades_BTC.csv.gz'), 10), /plain \.csv/);
});

test('seeding the window: seeded ids are duplicates, seeding itself counts none', () => {
  const ids = new RecentTradeIds(3);
  ids.seed([5, 6, 6, 7, 8]); // window keeps the newest 3: 6, 7, 8
  assert.equal(ids.duplicates, 0);
  assert.equal(ids.size, 3);
  assert.equal(ids.admit(8), false);
  assert.equal(ids.admit(6), false);
  assert.equal(ids.admit(5), true); // evicted by the window, so new again
  assert.equal(ids.duplicates, 2);
});
