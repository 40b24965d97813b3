/**
 * The several-coin API's trade list (src/api/coins.ts) on the bot's event loop: three coins × 20 000 stored fills
 * (10 000 round trips each). FreqUI polls /status, /trades and /profit every few seconds; each answer takes the
 * merged, numbered list of every coin's round trips. Measured: the first look-up (reads every fill from SQLite and
 * builds the round trips), a look-up with nothing new (kept), and one after a new fill on one coin (that coin's
 * round trips rebuilt, every coin's renumbered). CPU time of this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDesks } from '../src/api/coins.ts';
import type { FillRecord } from '../src/store/records.ts';
import { openStore } from '../src/store/trade-store.ts';
import { BotDouble } from '../test/support/api-bot-double.ts';
import { measure, report } from './measure.ts';

const COINS = ['BTC', 'ETH', 'BNB'];
const FILLS_PER_COIN = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'hlmm-bench-multi-api-'));
const store = openStore(join(dir, 'bot.sqlite'));
let tid = 0;
const fill = (coin: string, i: number): FillRecord => ({
  tid: ++tid,
  coin,
  oid: tid,
  cloid: null,
  side: i % 2 === 0 ? 'buy' : 'sell',
  px: 100 + (i % 7),
  sz: 1,
  feeQuote: 0.01,
  liquidity: 'maker',
  tsMs: 1.7e12 + i * 1000,
});
const rows: FillRecord[] = [];
for (let i = 0; i < FILLS_PER_COIN; i++) for (const coin of COINS) rows.push(fill(coin, i));
store.recordFills(rows);
const desks = createDesks(
  store,
  COINS.map((ticker) => {
    const view = new BotDouble();
    view.infoState = { ...view.infoState, ticker };
    return { view };
  }),
);

const first = await measure(() => desks.trades(true).length);
report('first look-up, 3 coins × 10 000 round trips', first.cpuS * 1000, 'ms CPU', `${first.result} trades`);
const REPEAT = 200;
const kept = await measure(() => {
  for (let i = 0; i < REPEAT; i++) desks.trades(true);
});
report('look-up with nothing new (kept)', (kept.cpuS * 1e6) / REPEAT, 'µs CPU per look-up');
const NEW = 20;
const fresh = await measure(() => {
  for (let i = 0; i < NEW; i++) {
    store.recordFill(fill('ETH', FILLS_PER_COIN + i));
    desks.trades(true);
  }
});
report(
  'look-up after a new fill on one coin',
  (fresh.cpuS * 1000) / NEW,
  'ms CPU per look-up',
  'store write included',
);
// The peer: one coin's API (as `hlmm trade --ticker`) over the same store, a new fill on its coin each time.
const one = createDesks(store, [
  {
    view: (() => {
      const view = new BotDouble();
      view.infoState = { ...view.infoState, ticker: 'ETH' };
      return view;
    })(),
  },
]);
one.trades(true);
const single = await measure(() => {
  for (let i = 0; i < NEW; i++) {
    store.recordFill(fill('ETH', FILLS_PER_COIN + NEW + i));
    one.trades(true);
  }
});
report(
  'peer: one coin, look-up after a new fill',
  (single.cpuS * 1000) / NEW,
  'ms CPU per look-up',
  'same store, same run',
);
store.close();
rmSync(dir, { recursive: true, force: true });
