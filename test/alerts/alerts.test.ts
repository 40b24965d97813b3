/**
 * Alerts: engine events → alerts (entry/exit fills, kill switch, stale data, disconnect/reconnect, parameters
 * refused, shutdown); Freqtrade-style webhooks (json and form, templates, retries with back-off) against a local
 * HTTP receiver; Telegram's sendMessage against a local stand-in; the token and key material never in a payload,
 * an error or a config dump; a push never waits for the network.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Alert, AlertDispatcher, AlertSubscriber } from '../../src/alerts/alerts.ts';
import { alertsFor } from '../../src/alerts/setup.ts';
import { TelegramSink, telegramText } from '../../src/alerts/telegram.ts';
import { fillTemplate, WebhookSink, webhookBody, webhookPayload } from '../../src/alerts/webhook.ts';
import { redactedConfig } from '../../src/config/redact.ts';
import { configSchema } from '../../src/config/schema.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import { bbo, engineFor } from '../support/trade-funding-double.ts';
import { until } from '../support/wait.ts';

const H = 1_756_771_200_000;

interface Seen {
  path: string;
  contentType: string;
  body: string;
}

/** A local HTTP receiver: records every request; `answer` decides the status (default 200). */
class Receiver {
  readonly seen: Seen[] = [];
  answer: (n: number) => { status: number; body?: unknown } | 'hang' = () => ({
    status: 200,
    body: { ok: true },
  });
  private server: Server | null = null;
  private readonly hanging: ServerResponse[] = [];
  url = '';
  async start(): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        this.seen.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body });
        const a = this.answer(this.seen.length);
        if (a === 'hang') {
          this.hanging.push(res);
          return;
        }
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body ?? {}));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const alert = (over: Partial<Alert> = {}): Alert => ({
  kind: 'exit_fill',
  tsMs: H,
  botName: 'hlmm',
  coin: 'BTC',
  message: 'Exit fill sell 0.001 BTC @ 100100 USDC (taker); position 0, realized 0.1 USDC',
  fields: { side: 'sell', price: 100_100, amount: 0.001, position: 0 },
  ...over,
});

describe('engine events → alerts', () => {
  it('classifies fills as entry or exit and maps the risk, feed and shutdown events', async () => {
    const got: Alert[] = [];
    const clock = { now: H };
    const { engine, store } = engineFor(clock, null);
    engine.subscribeEvents(new AlertSubscriber({ push: (a) => got.push(a) }, 'hlmm', 'BTC'));
    engine.start({
      account: {
        positionBase: 0.002,
        avgEntryPx: 100_000,
        cashQuote: 800,
        realizedPnlQuote: 0,
        feesQuote: 0,
        fundingQuote: 0,
      },
    });
    engine.onMarket(bbo(H, 100_100, 100_102));
    const out = await engine.flatten({ amountBase: 0.001 });
    clock.now = H + 10;
    engine.onMarket(bbo(H + 10, 100_100, 100_102));
    assert.ok(out.status === 'sent');
    await out.result;
    engine.setFeedConnected(false);
    engine.setFeedConnected(true);
    engine.refuseParams('sigma is not a number', 'params_BTC.json');
    await engine.stop('SIGTERM');
    assert.deepEqual(
      got.map((a) => a.kind),
      ['exit_fill', 'disconnect', 'reconnect', 'params_refused', 'shutdown'],
    );
    const fill = got[0];
    assert.equal(
      fill.message,
      'Exit fill sell 0.001 BTC @ 100100 USDC (taker); position 0.001, realized 0.1 USDC',
    );
    assert.deepEqual(
      {
        side: fill.fields.side,
        price: fill.fields.price,
        amount: fill.fields.amount,
        position: fill.fields.position,
      },
      { side: 'sell', price: 100_100, amount: 0.001, position: 0.001 },
    );
    assert.equal(got[3].message, 'Parameters refused: sigma is not a number');
    assert.equal(got[4].message, 'Bot stopped: SIGTERM');
    store.close();
  });

  it('an entry is a fill away from zero; through zero is an exit; key material is scrubbed', () => {
    const got: Alert[] = [];
    const s = new AlertSubscriber({ push: (a) => got.push(a) }, 'hlmm', 'BTC', () => H);
    const f = { tid: 1, oid: 9, cid: 1, cloid: null, feeQuote: 0, liquidity: 'maker' as const, exchMs: H };
    const a = { realizedPnlQuote: 0, unrealizedPnlQuote: 0, equityQuote: 1000 } as never;
    s.fill({ ...f, side: 'buy', px: 100, sz: 1, positionBase: 1, closedPnlQuote: null, hash: null }, a);
    s.fill({ ...f, side: 'sell', px: 101, sz: 2, positionBase: -1, closedPnlQuote: null, hash: null }, a);
    s.fill({ ...f, side: 'sell', px: 101, sz: 1, positionBase: -2, closedPnlQuote: null, hash: null }, a);
    const key = `0x${'ab'.repeat(32)}`;
    s.risk('kill_switch', `drawdown 101 USDC ≥ 100 (${key})`, 101, 100);
    s.risk('stale_data', 'no market data for 12.0 s (limit 10 s)', 12, 10);
    s.risk('quotes_resumed', 'market data fresh again', null, null);
    assert.deepEqual(
      got.map((x) => x.kind),
      ['entry_fill', 'exit_fill', 'entry_fill', 'kill_switch', 'stale_data'],
    );
    assert.ok(!JSON.stringify(got).includes('ab'.repeat(32)), 'no key material in any alert');
    assert.equal(got[4].message, 'Stale data: no market data for 12.0 s (limit 10 s)');
    assert.deepEqual(got[3].fields.value, 101);
  });
});

describe('webhook payloads', () => {
  it('fills Freqtrade-style templates and encodes json or form', () => {
    assert.equal(
      fillTemplate('at {price:.2f} ({amount}) {nope}', { price: 100.5, amount: 0.001 }),
      'at 100.50 (0.001) {nope}',
    );
    assert.equal(fillTemplate('{price:8f}', { price: 1 }), '1.00000000');
    const p = webhookPayload(alert(), { value1: 'Exit {pair} {amount} at {price}', value2: 3 });
    assert.deepEqual(p, { value1: 'Exit BTC/USDC:USDC 0.001 at 100100', value2: 3 });
    const d = webhookPayload(alert(), null);
    assert.deepEqual(d, {
      type: 'exit_fill',
      bot_name: 'hlmm',
      coin: 'BTC',
      pair: 'BTC/USDC:USDC',
      timestamp: H,
      message: alert().message,
      side: 'sell',
      price: 100_100,
      amount: 0.001,
      position: 0,
    });
    assert.deepEqual(webhookBody({ a: 'x y', b: 1, c: null }, 'form'), {
      body: 'a=x+y&b=1&c=',
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.deepEqual(webhookBody({ a: 1 }, 'json'), { body: '{"a":1}', contentType: 'application/json' });
  });
});

describe('delivery against a local receiver', () => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.close());

  it('json: one POST per alert, in order; a push returns before the receiver sees anything', async () => {
    rx.seen.length = 0;
    const d = new AlertDispatcher(
      [new WebhookSink({ url: `${rx.url}/hook/SECRETPATH`, format: 'json', templates: {} })],
      { retries: 0, retryDelayMs: 1, timeoutMs: 5_000 },
      null,
    );
    d.push(alert());
    d.push(alert({ kind: 'shutdown', message: 'Bot stopped: SIGTERM', fields: { reason: 'SIGTERM' } }));
    assert.equal(rx.seen.length, 0, 'push did not wait for the network');
    await d.close(5_000);
    assert.equal(rx.seen.length, 2);
    assert.equal(rx.seen[0].path, '/hook/SECRETPATH');
    assert.equal(rx.seen[0].contentType, 'application/json');
    assert.equal(JSON.parse(rx.seen[0].body).type, 'exit_fill');
    assert.equal(JSON.parse(rx.seen[1].body).message, 'Bot stopped: SIGTERM');
    assert.deepEqual(d.counts, { sent: 2, failed: 0, dropped: 0 });
  });

  it('form with a template; a kind set to false is not sent', async () => {
    rx.seen.length = 0;
    const d = new AlertDispatcher(
      [
        new WebhookSink({
          url: rx.url,
          format: 'form',
          templates: { exit_fill: { value1: 'Exit {coin} at {price}' }, entry_fill: false },
        }),
      ],
      { retries: 0, retryDelayMs: 1, timeoutMs: 5_000 },
      null,
    );
    d.push(alert({ kind: 'entry_fill' }));
    d.push(alert());
    await d.close(5_000);
    assert.equal(rx.seen.length, 1);
    assert.equal(rx.seen[0].contentType, 'application/x-www-form-urlencoded');
    assert.equal(rx.seen[0].body, 'value1=Exit+BTC+at+100100');
  });

  it('retries with back-off: two 500s then 200 → delivered on the third POST; always failing → given up', async () => {
    rx.seen.length = 0;
    rx.answer = (n) => ({ status: n <= 2 ? 500 : 200 });
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) } as never;
    const d = new AlertDispatcher(
      [new WebhookSink({ url: rx.url, format: 'json', templates: {} })],
      { retries: 3, retryDelayMs: 5, timeoutMs: 5_000 },
      logger,
    );
    d.push(alert());
    await until('delivered', () => d.counts.sent === 1);
    assert.equal(rx.seen.length, 3);
    rx.seen.length = 0;
    rx.answer = () => ({ status: 503 });
    d.push(alert());
    await until('given up', () => d.counts.failed === 1);
    assert.equal(rx.seen.length, 4, 'one POST and three re-tries');
    assert.deepEqual(warnings, ['alert not delivered']);
    await d.close(1_000);
    rx.answer = () => ({ status: 200, body: { ok: true } });
  });

  it('a receiver that never answers: the send times out and the next alert still goes', async () => {
    rx.seen.length = 0;
    rx.answer = (n) => (n === 1 ? 'hang' : { status: 200 });
    const d = new AlertDispatcher(
      [new WebhookSink({ url: rx.url, format: 'json', templates: {} })],
      { retries: 0, retryDelayMs: 1, timeoutMs: 200 },
      null,
    );
    d.push(alert());
    d.push(alert({ kind: 'shutdown' }));
    await until('both handled', () => d.counts.failed + d.counts.sent === 2);
    assert.deepEqual(d.counts, { sent: 1, failed: 1, dropped: 0 });
    await d.close(1_000);
    rx.answer = () => ({ status: 200, body: { ok: true } });
  });

  it('Telegram: sendMessage with chat_id and text to the stand-in; the token never in an error', async () => {
    rx.seen.length = 0;
    const token = `123456:${randomBytes(12).toString('hex')}`;
    const tg = new TelegramSink({ baseUrl: `${rx.url}/`, token, chatId: '-1001', silent: ['entry_fill'] });
    await tg.send(alert(), new AbortController().signal);
    await tg.send(alert({ kind: 'entry_fill' }), new AbortController().signal);
    assert.equal(rx.seen.length, 1, 'entry_fill is silent');
    assert.equal(rx.seen[0].path, `/bot${token}/sendMessage`);
    assert.deepEqual(JSON.parse(rx.seen[0].body), { chat_id: '-1001', text: telegramText(alert()) });
    assert.equal(telegramText(alert()), `🔵 hlmm BTC: ${alert().message}`);
    rx.answer = () => ({
      status: 401,
      body: { ok: false, error_code: 401, description: `Unauthorized ${token}` },
    });
    await assert.rejects(tg.send(alert(), new AbortController().signal), (err: Error) => {
      assert.equal(err.message, 'telegram: HTTP 401: Unauthorized [redacted]');
      return true;
    });
    rx.answer = () => ({ status: 200, body: { ok: true } });
  });
});

describe('alerts from the config', () => {
  it('turns on the configured sinks; a sink without what it needs is one sentence naming the key', () => {
    const off = alertsFor(configSchema.parse({}), { botName: 'b', coin: 'BTC', logger: null, env: {} });
    assert.equal(off, null);
    assert.throws(
      () =>
        alertsFor(configSchema.parse({ webhook: { enabled: true } }), {
          botName: 'b',
          coin: 'BTC',
          logger: null,
          env: {},
        }),
      { message: '"webhook.enabled" is true but "webhook.url" is not set; give the URL to POST alerts to.' },
    );
    assert.throws(
      () =>
        alertsFor(configSchema.parse({ telegram: { enabled: true, chat_id: 5 } }), {
          botName: 'b',
          coin: 'BTC',
          logger: null,
          env: {},
        }),
      /no bot token is set; put it in HLMM_TELEGRAM_TOKEN/,
    );
    const on = alertsFor(
      configSchema.parse({
        webhook: { enabled: true, url: 'https://h.example/x' },
        telegram: { enabled: true, chat_id: 5 },
      }),
      { botName: 'b', coin: 'BTC', logger: null, env: { HLMM_TELEGRAM_TOKEN: '1:abc' } },
    );
    assert.deepEqual(on?.sinks, ['webhook', 'telegram']);
  });

  it('the Telegram token and the webhook URL path are redacted in config dumps', () => {
    const cfg = configSchema.parse({
      webhook: { enabled: true, url: 'https://maker.ifttt.com/trigger/ev/with/key/SECRETKEY' },
      telegram: { enabled: true, token: '123:SECRETTOKEN', chat_id: '1' },
    });
    const dump = JSON.stringify(redactedConfig(cfg));
    assert.ok(!dump.includes('SECRETKEY') && !dump.includes('SECRETTOKEN'), dump);
    assert.match(dump, /"url":"https:\/\/maker\.ifttt\.com\/\[redacted\]"/);
    assert.match(dump, /"token":"\[redacted\]"/);
  });
});

describe('hlmm trade --replay with a webhook', () => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.close());

  it('posts a fill alert per fill and the shutdown alert, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-alerts-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ webhook: { enabled: true, url: `${rx.url}/hook`, format: 'json' } }),
    );
    const bot = await startTrading(
      {
        config,
        replay: 'data/sample',
        loop: true,
        speed: 300,
        params: 'data/sample/params_BTC.json',
        db: join(dir, 'bot.sqlite'),
        apiPort: 0,
        quiet: true,
        logFile: join(dir, 'bot.jsonl'),
        resetPaper: true,
      },
      { handleSignals: false },
    );
    try {
      await until('2 fills', () => bot.engine.summary().fills >= 2);
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    const kinds = rx.seen.map((r) => (JSON.parse(r.body) as { type: string }).type);
    assert.equal(
      kinds.filter((k) => k === 'entry_fill' || k === 'exit_fill').length,
      s.fills,
      kinds.join(','),
    );
    assert.equal(kinds.at(-1), 'shutdown');
    const last = JSON.parse(rx.seen.at(-1)?.body ?? '{}') as { message: string; bot_name: string };
    assert.equal(last.message, 'Bot stopped: test done');
    assert.equal(last.bot_name, 'hlmm');
  });
});
