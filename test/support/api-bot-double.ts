// A BotView test double for the API, dashboard and pnl tests: state set by the test, events emitted by the test,
// control calls recorded. Product code never uses it (the real BotView is the engine's).
import type {
  AccountState,
  BotEvent,
  BotInfo,
  BotView,
  FlattenOutcome,
  FlattenRequest,
  FlattenResult,
  ForceEntryOutcome,
  OpenOrderView,
  ParamsView,
  RiskState,
} from '../../src/engine/bot-view.ts';
import type { DesiredQuotes } from '../../src/strategy/types.ts';

export class BotDouble implements BotView {
  readonly calls: string[] = [];
  private readonly listeners = new Set<(e: BotEvent) => void>();
  infoState: BotInfo;
  accountState: AccountState;
  riskState: RiskState;
  quotesState: DesiredQuotes | null = null;
  orders: OpenOrderView[] = [];
  paramsState: ParamsView = {
    current: { sigma: 3, A: 0.8, k: 0.05, gamma: 0.01 },
    source: 'params.json',
    loadedMs: 1_700_000_000_000,
  };
  logs: { tsMs: number; level: string; msg: string }[] = [];
  /** The bot clock, when a test sets one (absent = the wall clock, as BotView allows). */
  nowMs?: () => number;

  constructor(overrides: { botName?: string; mode?: 'dry' | 'live'; startedMs?: number } = {}) {
    this.infoState = {
      botName: overrides.botName ?? 'hlmm-test',
      ticker: 'BTC',
      mode: overrides.mode ?? 'dry',
      strategy: 'AvellanedaStoikov',
      model: 'as',
      stakeCurrency: 'USDC',
      startedMs: overrides.startedMs ?? 1_700_000_000_000,
      version: '0.1.0',
      feed: 'replay:test',
    };
    this.accountState = {
      positionBase: 0,
      cashQuote: 1000,
      startingBalanceQuote: 1000,
      realizedPnlQuote: 0,
      unrealizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
      equityQuote: 1000,
      mid: 100_000,
      bbo: null,
    };
    this.riskState = {
      quoting: true,
      stoppedByUser: false,
      killSwitch: { tripped: false, reason: null, atMs: null },
      staleData: false,
      lastMarketMs: 1_700_000_000_000,
      maxPositionLots: 5,
      dailyLossLimitQuote: 50,
      maxDrawdownQuote: 100,
    };
  }

  info() {
    return this.infoState;
  }
  account() {
    return this.accountState;
  }
  risk() {
    return this.riskState;
  }
  quotes() {
    return this.quotesState;
  }
  openOrders() {
    return this.orders;
  }
  params() {
    return this.paramsState;
  }
  recentLogs(limit: number) {
    return this.logs.slice(-limit);
  }
  subscribe(listener: (event: BotEvent) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
  get listenerCount() {
    return this.listeners.size;
  }
  emit(event: BotEvent) {
    if (event.type === 'quotes') this.quotesState = event.quotes;
    for (const l of this.listeners) l(event);
  }
  private emitStatus() {
    this.emit({ type: 'status', account: this.accountState, risk: this.riskState });
  }
  async stopQuoting(reason: string) {
    this.calls.push(`stopQuoting:${reason}`);
    this.riskState = { ...this.riskState, quoting: false, stoppedByUser: true };
    this.orders = [];
    this.emitStatus();
  }
  async startQuoting() {
    this.calls.push('startQuoting');
    // As the engine: a start also ends a stopentry.
    this.riskState = { ...this.riskState, quoting: true, stoppedByUser: false, entriesStopped: false };
    this.emitStatus();
  }
  /** What the double's flatten ends with (the engine's sentence for a whole exit of 0.001 at 100 000). */
  flattenResult: FlattenResult = {
    status: 'done',
    side: 'sell',
    requestedBase: 0.001,
    filledBase: 0.001,
    avgPx: 100_000,
    attempts: 1,
    capBps: 50,
    capPx: 99_500,
    positionBase: 0,
    orderType: 'limit',
    message: 'filled 0.001 of 0.001 at avg 100000 (1 reduce-only IOC order, limit); position now 0.',
  };
  flattenOutcome: FlattenOutcome = {
    status: 'sent',
    cid: 1_000_000_000,
    side: 'sell',
    sz: 0.001,
    px: 100_000,
    result: Promise.resolve(this.flattenResult),
  };
  /** The requests flatten received (ordertype, amount). */
  flattenRequests: FlattenRequest[] = [];
  async flatten(req: FlattenRequest = {}): Promise<FlattenOutcome> {
    this.calls.push('flatten');
    this.flattenRequests.push(req);
    return this.flattenOutcome;
  }

  async reloadConfig() {
    this.calls.push('reloadConfig');
  }

  async stopEntries() {
    this.calls.push('stopEntries');
    this.riskState = { ...this.riskState, entriesStopped: true };
  }
  forceEntryOutcome: ForceEntryOutcome | null = null;
  async forceEnter(side: 'buy' | 'sell', sz: number, limitPx?: number): Promise<ForceEntryOutcome> {
    this.calls.push(`forceEnter:${side}:${sz}:${limitPx ?? 'touch'}`);
    return this.forceEntryOutcome ?? { status: 'sent', cid: 1_500_000_000, side, sz, px: limitPx ?? 100_010 };
  }
  async cancelOpenOrders() {
    this.calls.push('cancelOpenOrders');
    const n = this.orders.length;
    this.orders = [];
    return n;
  }
}

/** Quotes around a mid, as the strategy would explain them. */
export function quotesAt(mid: number, halfSpread = 5, qLots = 0): DesiredQuotes {
  return {
    bid: { side: 'buy', px: mid - halfSpread, sz: 0.001 },
    ask: { side: 'sell', px: mid + halfSpread, sz: 0.001 },
    explain: {
      mid,
      reservationPrice: mid,
      halfSpreadBid: halfSpread,
      halfSpreadAsk: halfSpread,
      qLots,
      tauS: 60,
      sigma: 3,
      A: 0.8,
      k: 0.05,
      gamma: 0.01,
    },
  };
}

import type { LoginThrottle } from '../../src/api/auth.ts';
import type { MarketTape } from '../../src/api/candles.ts';
import { type ApiServer, startApiServer } from '../../src/api/server.ts';
import { createLogger } from '../../src/core/log.ts';
import type { BotInsight } from '../../src/engine/bot-insight.ts';
import type { TradeStore } from '../../src/store/trade-store.ts';
import { openStore } from '../../src/store/trade-store.ts';

export const TEST_USER = 'trader';
export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';

export interface TestServer {
  server: ApiServer;
  view: BotDouble;
  store: TradeStore;
  basic: string;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: {
    view?: BotDouble;
    store?: TradeStore;
    host?: string;
    webRoot?: string;
    corsOrigins?: string[];
    allowedHosts?: string[];
    wsToken?: string;
    loginThrottle?: LoginThrottle;
    insight?: BotInsight;
    tape?: MarketTape;
    dataDir?: string;
  } = {},
): Promise<TestServer> {
  const view = opts.view ?? new BotDouble();
  const store = opts.store ?? openStore(':memory:');
  const server = await startApiServer({
    view,
    store,
    host: opts.host ?? '127.0.0.1',
    port: 0,
    username: TEST_USER,
    password: TEST_PASSWORD,
    jwtSecret: TEST_JWT_SECRET,
    corsOrigins: opts.corsOrigins ?? [],
    logger: createLogger({ component: 'api-test', quiet: true }),
    webRoot: opts.webRoot,
    allowedHosts: opts.allowedHosts,
    wsToken: opts.wsToken,
    loginThrottle: opts.loginThrottle,
    insight: opts.insight,
    tape: opts.tape,
    dataDir: opts.dataDir,
  });
  return {
    server,
    view,
    store,
    basic: `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`,
    close: async () => {
      await server.close();
      store.close();
    },
  };
}
