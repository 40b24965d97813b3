import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inventoryOf } from '../../src/api/hlmm-routes.ts';
import { BotDouble, quotesAt } from '../support/api-bot-double.ts';

test('/inventory q is the position now in lots, not the last quote’s q (a fill since moved it)', () => {
  const bot = new BotDouble();
  bot.quotesState = quotesAt(100_000, 5, 1); // quoted at q = 1 lot …
  bot.accountState = { ...bot.accountState, positionBase: 0.003 }; // … then two buys of 0.001 filled
  bot.riskState = { ...bot.riskState, lotBase: 0.001 };
  const inv = inventoryOf(bot);
  assert.ok(inv.qLots !== null && Math.abs(inv.qLots - 3) < 1e-12, `q ${inv.qLots}`);
  assert.equal(inv.notionalQuote, 300);
});

test('/inventory q falls back to the last quote’s q when the bot does not say what a lot is', () => {
  const bot = new BotDouble();
  bot.quotesState = quotesAt(100_000, 5, 2);
  assert.equal(inventoryOf(bot).qLots, 2);
  bot.quotesState = null;
  assert.equal(inventoryOf(bot).qLots, null);
});
