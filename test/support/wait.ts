/**
 * Waiting in tests without depending on how fast the machine is. Tests wait for a condition or an event, never
 * for a fixed time; the budget below only stops a test that would otherwise hang, so it is far above what any
 * wait takes on a quiet machine (CI shares its cores with other jobs: `npm run test:stress` runs the suite with
 * both cores busy to prove it).
 */

/** Longest any single wait may take before the test fails, wall ms (a hang guard, not a speed target). */
export const WAIT_BUDGET_MS = 120_000;

/** Resolves once `cond()` holds; polls every `pollMs`; fails naming `what` after `budgetMs`. */
export async function until(
  what: string,
  cond: () => boolean,
  budgetMs = WAIT_BUDGET_MS,
  pollMs = 20,
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > budgetMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** What settledAfter needs of a running bot (a TradingEngine). */
interface BotClockView {
  nowMs(): number;
  risk(): { lastMarketMs: number | null };
}

/**
 * Resolves once the bot has processed market data stamped `exchangeMs` past its clock's present. Paper orders
 * and cancels land after a latency in bot time (100 ms by default) that the venue applies as market events and
 * clock ticks arrive, so after this every action sent before the call has landed — however slowly the machine
 * ran meanwhile. Needs a feed that keeps moving (a looping replay).
 */
export async function settledAfter(
  bot: BotClockView,
  exchangeMs = 1_000,
  what = 'market data past now',
): Promise<void> {
  const t0 = bot.nowMs();
  await until(`${what} (${exchangeMs} ms of exchange time)`, () => {
    const last = bot.risk().lastMarketMs;
    return last !== null && last > t0 + exchangeMs;
  });
}

/**
 * Resolves once the fake exchange has handled no new action for 25 polls in a row: whatever a frozen (SIGSTOPped)
 * bot had already put on the wire has landed (the fake runs in the test's process, so its handling only waits on
 * this event loop).
 */
export async function actionsSettled(counters: { actions: number }): Promise<void> {
  let seen = counters.actions;
  let still = 0;
  await until("the frozen bot's last actions handled", () => {
    if (counters.actions !== seen) {
      seen = counters.actions;
      still = 0;
      return false;
    }
    return ++still >= 25;
  });
}

/**
 * SIGKILLs a bot child process at a moment `cond` holds on the fake exchange: the bot may re-quote or pull its
 * quotes at any time, so it is frozen (SIGSTOP) first, what it had already sent is let land, and `cond` is checked
 * again; if it no longer holds the bot runs on (SIGCONT) and the wait starts over. `atKill` runs in the same
 * synchronous step as that last check (no event-loop turn between them: the fake exchange's market cannot move in
 * between), e.g. to cancel what the frozen bot left resting while the state that `cond` saw still holds.
 */
export async function killWhen(
  bot: { child: { kill(signal: NodeJS.Signals): boolean }; exit: Promise<unknown> },
  counters: { actions: number },
  what: string,
  cond: () => boolean,
  atKill?: () => void,
): Promise<void> {
  for (;;) {
    await until(what, cond);
    bot.child.kill('SIGSTOP');
    await actionsSettled(counters);
    if (cond()) {
      atKill?.();
      break;
    }
    bot.child.kill('SIGCONT');
  }
  bot.child.kill('SIGKILL');
  await bot.exit;
}
