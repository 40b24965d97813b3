import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { FillView } from '../../src/engine/bot-view.ts';
import { quotesAt, startTestServer, type TestServer } from '../support/api-bot-double.ts';
import { until, WAIT_BUDGET_MS } from '../support/wait.ts';

/** A WebSocket client that keeps every message and lets the test wait for one. */
class Client {
  readonly messages: Record<string, unknown>[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.messages.push(JSON.parse(raw.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new Client(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      // No req.destroy() here on purpose: the server must close a refused handshake itself (else it leaks
      // the socket and close() hangs, which the `after` hook would show).
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
      });
    });
  }
  /**
   * Subscribes to message types and resolves once the server has applied it: it answers messages in order, so
   * the reply to a `whitelist` request sent next proves the subscription is in place (that reply is then dropped).
   */
  async subscribe(types: string[]) {
    this.ws.send(JSON.stringify({ type: 'subscribe', data: types }));
    this.ws.send(JSON.stringify({ type: 'whitelist' }));
    const reply = await this.waitFor((m) => m.type === 'whitelist', 'whitelist reply');
    this.messages.splice(this.messages.indexOf(reply), 1);
  }
  async waitFor(pred: (m: Record<string, unknown>) => boolean, what: string, timeoutMs = WAIT_BUDGET_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  close() {
    this.ws.close();
  }
}

const fill = (
  tid: number,
  side: 'buy' | 'sell',
  px: number,
  sz: number,
  feeQuote: number,
  tsMs: number,
): FillView => ({
  tid,
  oid: tid,
  side,
  px,
  sz,
  feeQuote,
  liquidity: 'maker',
  tsMs,
});

describe('WebSockets', () => {
  let s: TestServer;
  let token: string;
  let wsBase: string;
  before(async () => {
    s = await startTestServer();
    wsBase = s.server.url.replace('http', 'ws');
    const res = await fetch(`${s.server.url}/api/v1/token/login`, {
      method: 'POST',
      headers: { authorization: s.basic },
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await s.close();
  });

  it('refuse a connection without a valid token', async () => {
    await assert.rejects(Client.open(`${wsBase}/api/v1/message/ws`), /HTTP 401/);
    await assert.rejects(Client.open(`${wsBase}/api/v1/hlmm/ws?token=not-a-jwt`), /HTTP 401/);
  });

  it('message ws: entry_fill, exit_fill (a crossing fill sends both) and status, in Freqtrade shapes', async () => {
    const c = await Client.open(`${wsBase}/api/v1/message/ws?token=${token}`);
    await c.subscribe(['status', 'entry_fill', 'exit_fill']);
    const T = 1_750_000_000_000;
    // Fill 1 opens a long; stored before it is announced.
    const f1 = fill(1, 'buy', 100_000, 0.01, 0.1, T);
    s.store.recordFill({ ...f1, coin: 'BTC', cloid: null });
    s.view.emit({ type: 'fill', fill: f1, positionBase: 0.01 });
    const entry = await c.waitFor((m) => m.type === 'entry_fill', 'entry_fill');
    assert.equal(entry.trade_id, 1);
    assert.equal(entry.pair, 'BTC/USDC:USDC');
    assert.equal(entry.direction, 'Long');
    assert.equal(entry.amount, 0.01);
    assert.equal(entry.open_rate, 100_000);
    assert.equal(entry.limit, 100_000);
    assert.equal(entry.sub_trade, false);
    assert.equal(entry.stake_currency, 'USDC');
    assert.equal(entry.open_date, new Date(T).toISOString());

    // Fill 2 sells 0.03 through flat (not yet in the store): closes trade 1 with 0.01, opens short trade 2 with
    // 0.02. Trade 1: gross 0.01·100 = 1.0, fees 0.1 + 0.3·(0.01/0.03) = 0.2 → profit 0.8.
    const f2 = fill(2, 'sell', 100_100, 0.03, 0.3, T + 60_000);
    s.view.emit({ type: 'fill', fill: f2, positionBase: -0.02 });
    const exit = await c.waitFor((m) => m.type === 'exit_fill', 'exit_fill');
    assert.equal(exit.trade_id, 1);
    assert.equal(exit.is_final_exit, true);
    assert.equal(exit.sub_trade, false);
    assert.equal(exit.exit_reason, 'flat');
    assert.equal(exit.gain, 'profit');
    assert.ok(Math.abs((exit.profit_amount as number) - 0.8) < 1e-9, String(exit.profit_amount));
    assert.ok(Math.abs((exit.profit_ratio as number) - 0.0008) < 1e-12, String(exit.profit_ratio));
    assert.equal(exit.amount, 0.01);
    assert.equal(exit.close_rate, 100_100);
    assert.equal(exit.close_date, new Date(T + 60_000).toISOString());
    const entry2 = await c.waitFor((m) => m.type === 'entry_fill' && m.trade_id === 2, 'second entry_fill');
    assert.equal(entry2.direction, 'Short');
    assert.equal(entry2.amount, 0.02);
    assert.equal(c.messages.indexOf(exit) < c.messages.indexOf(entry2), true, 'exit before entry');

    await fetch(`${s.server.url}/api/v1/stop`, { method: 'POST', headers: { authorization: s.basic } });
    const status = await c.waitFor((m) => m.type === 'status', 'status');
    assert.deepEqual(status, { type: 'status', status: 'stopped' });
    await fetch(`${s.server.url}/api/v1/start`, { method: 'POST', headers: { authorization: s.basic } });
    await c.waitFor((m) => m.type === 'status' && m.status === 'running', 'status running');
    c.close();
  });

  it('message ws: sends only the subscribed types', async () => {
    const c = await Client.open(`${wsBase}/api/v1/message/ws?token=${token}`);
    await c.subscribe(['status']);
    s.view.emit({ type: 'fill', fill: fill(10, 'buy', 100_000, 0.01, 0, Date.now()), positionBase: -0.01 });
    await fetch(`${s.server.url}/api/v1/stop`, { method: 'POST', headers: { authorization: s.basic } });
    await c.waitFor((m) => m.type === 'status', 'status');
    assert.deepEqual(
      c.messages.map((m) => m.type),
      ['status'],
    );
    await fetch(`${s.server.url}/api/v1/start`, { method: 'POST', headers: { authorization: s.basic } });
    c.close();
  });

  it('message ws: new_candle once per 1m candle on the bot clock, as FreqUI subscribes for its chart', async () => {
    const c = await Client.open(`${wsBase}/api/v1/message/ws?token=${token}`);
    // FreqUI's subscription at api_version ≥ 2.21.
    await c.subscribe(['whitelist', 'entry_fill', 'exit_fill', 'entry_cancel', 'exit_cancel', 'new_candle']);
    const minute = Date.UTC(2025, 8, 1, 12, 0);
    s.view.emit({ type: 'quotes', tsMs: minute + 1_000, quotes: quotesAt(100_010) });
    s.view.emit({ type: 'quotes', tsMs: minute + 59_000, quotes: quotesAt(100_010) });
    s.view.emit({ type: 'quotes', tsMs: minute + 60_000, quotes: quotesAt(100_010) });
    s.view.emit({ type: 'quotes', tsMs: minute + 61_000, quotes: quotesAt(100_010) });
    const nc = await c.waitFor((m) => m.type === 'new_candle', 'new_candle');
    assert.deepEqual(nc.data, ['BTC/USDC:USDC', '1m', 'futures']);
    // A fill in the next minute starts the third candle.
    s.view.emit({
      type: 'fill',
      fill: fill(11, 'buy', 100_000, 0.001, 0, minute + 125_000),
      positionBase: 0.001,
    });
    await c.waitFor((m) => m.type === 'entry_fill' || m.type === 'exit_fill', 'the fill');
    assert.equal(c.messages.filter((m) => m.type === 'new_candle').length, 2);
    c.close();
  });

  it('dashboard ws: a snapshot first, then every bot event; unsubscribes on close', async () => {
    // Sockets of earlier tests close asynchronously: start from none.
    await until('no listeners left from earlier tests', () => s.view.listenerCount === 0);
    const before = s.view.listenerCount;
    assert.equal(before, 0);
    const c = await Client.open(`${wsBase}/api/v1/hlmm/ws?token=${token}`);
    const snap = await c.waitFor((m) => m.type === 'snapshot', 'snapshot');
    const data = snap.data as Record<string, Record<string, unknown>>;
    assert.equal(data.info.botName, 'hlmm-test');
    assert.equal(data.risk.quoting, true);
    assert.ok(Array.isArray(data.recentFills));
    s.view.emit({ type: 'quotes', tsMs: 1, quotes: quotesAt(100_010) });
    const q = await c.waitFor((m) => m.type === 'quotes', 'quotes');
    assert.deepEqual((q.quotes as { bid: unknown }).bid, { side: 'buy', px: 100_005, sz: 0.001 });
    assert.equal(s.view.listenerCount, before + 1);
    c.close();
    await until('the closed socket unsubscribed', () => s.view.listenerCount === before);
    assert.equal(s.view.listenerCount, before);
  });
});

describe('hlmm endpoints', () => {
  it('quotes with the model values, params and history, inventory, fills since, equity, risk', async () => {
    const s = await startTestServer();
    try {
      const get = async (path: string) => {
        const res = await fetch(`${s.server.url}/api/v1/hlmm/${path}`, {
          headers: { authorization: s.basic },
        });
        assert.equal(res.status, 200, path);
        return (await res.json()) as Record<string, unknown>;
      };
      s.view.quotesState = quotesAt(100_000, 5, 2);
      s.view.accountState = { ...s.view.accountState, positionBase: 0.002, mid: 100_000 };
      const quotes = await get('quotes');
      const explain = (quotes.quotes as { explain: Record<string, number> }).explain;
      assert.equal(explain.sigma, 3);
      assert.equal(explain.gamma, 0.01);
      assert.equal(explain.reservationPrice, 100_000);

      s.store.recordParams({
        tsMs: 1,
        source: 'a.json',
        sigma: 2,
        A: 1,
        k: 0.04,
        gamma: 0.02,
        accepted: true,
        reason: null,
      });
      s.store.recordParams({
        tsMs: 2,
        source: 'b.json',
        sigma: 3,
        A: 0.8,
        k: 0.05,
        gamma: 0.01,
        accepted: true,
        reason: null,
      });
      const params = await get('params');
      assert.deepEqual(params.current, { sigma: 3, A: 0.8, k: 0.05, gamma: 0.01 });
      const hist = params.history as { source: string }[];
      assert.deepEqual(
        hist.map((h) => h.source),
        ['b.json', 'a.json'],
      );

      const inv = await get('inventory');
      assert.equal(inv.positionBase, 0.002);
      assert.equal(inv.qLots, 2);
      assert.equal(inv.maxPositionLots, 5);
      assert.equal(inv.notionalQuote, 200);

      for (let tid = 1; tid <= 3; tid++) {
        s.store.recordFill({
          tid,
          coin: 'BTC',
          oid: tid,
          cloid: null,
          side: 'buy',
          px: 100_000,
          sz: 0.001,
          feeQuote: 0.01,
          liquidity: 'maker',
          tsMs: tid * 1000,
        });
      }
      const recent = await get('fills?limit=2');
      assert.deepEqual(
        (recent.fills as { tid: number }[]).map((f) => f.tid),
        [3, 2],
      );
      const since = await get('fills?since=1');
      assert.deepEqual(
        (since.fills as { tid: number }[]).map((f) => f.tid),
        [2, 3],
      );
      assert.equal(since.lastId, 3);

      for (const [ts, eq] of [
        [1000, 1000],
        [2000, 1001.5],
      ]) {
        s.store.recordPnl({
          tsMs: ts,
          coin: 'BTC',
          midPx: 100_000,
          positionSz: 0,
          cashQuote: eq,
          realizedQuote: eq - 1000,
          unrealizedQuote: 0,
          feesQuote: 0,
          fundingQuote: 0,
          equityQuote: eq,
        });
      }
      const equity = await get('equity');
      assert.deepEqual(
        (equity.points as { equityQuote: number }[]).map((p) => p.equityQuote),
        [1000, 1001.5],
      );

      s.store.recordRiskEvent({ tsMs: 5, kind: 'stale_data', detail: 'no book for 5 s' });
      const risk = await get('risk');
      assert.equal(risk.quoting, true);
      assert.equal((risk.killSwitch as { tripped: boolean }).tripped, false);
      assert.equal((risk.events as { kind: string }[])[0].kind, 'stale_data');
    } finally {
      await s.close();
    }
  });
});
