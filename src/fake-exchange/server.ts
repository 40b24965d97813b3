/**
 * The local Hyperliquid stand-in: one HTTP server on loopback with
 *   - WebSocket `/ws`: subscribe/unsubscribe (acks, snapshots), ping/pong, `post` info requests, and the
 *     bbo/trades/l2Book pushes of the replay;
 *   - POST `/info`: the InfoRoutes table (meta, l2Book, allMids built in);
 *   - POST `/fault`: fault injection for out-of-process tests; GET `/status`: clock and counters.
 *   - POST `/exchange`: signed L1 actions (exchange-endpoint.ts) executed by order entry (order-entry.ts), which
 *     matches our orders against the replay with the shared fill model; /info user queries and the user
 *     channels (user-info.ts); optional IP/address rate limits (rate-limits.ts).
 * Extension points: `routes` (HTTP path → handler), `info.register(type, …)`, `subscriptions.registerType(type, …)`
 * and `publish(key, frame)`, and `clock`, the exchange time every new piece must use.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { latestMarketFile } from '../data/layout.ts';
import { infoRequestWeight } from '../exchange/hyperliquid/info-client.ts';
import { channelFrame, parseClientRequest, type Subscription } from '../exchange/hyperliquid/ws-messages.ts';
import { type FillModelConfig, fillModelConfig, latencyModelFor } from '../sim/fill-model-config.ts';
import { createQueueModel, type QueueModelName } from '../sim/index.ts';
import { type BookAggregation, parseBookAggregation } from './book-aggregation.ts';
import { CoinMarket } from './coin-market.ts';
import { type EndpointReply, ExchangeEndpoint } from './exchange-endpoint.ts';
import { FaultController } from './faults.ts';
import { DEFAULT_FUNDING_RATE_PER_HOUR, FundingModel } from './funding.ts';
import { InfoRequestError, InfoRoutes, registerMarketInfo, universeFor } from './info-routes.ts';
import { type AccountConfig, OrderEntry } from './order-entry.ts';
import { PublicInfo } from './public-info.ts';
import { RateLimits } from './rate-limits.ts';
import { MarketReplay, type ReplayStats } from './replay.ts';
import { ReplayClock } from './replay-clock.ts';
import { FakeConnection, SubscriptionRegistry } from './subscriptions.ts';
import { registerFundingInfo, registerUserChannels, registerUserInfo } from './user-info.ts';

/** Order entry settings: who may trade, with what, and the limits (docs/fake-exchange.md). */
export interface TradingOptions {
  /** Accounts that exist (an address signing for anything else is refused as unknown). */
  accounts?: AccountConfig[];
  /** Approved agent (API wallet) address → account address. */
  agents?: Record<string, string>;
  /** Starting USDC per account (default 10,000). */
  startUsdc?: number;
  /** Default 0.00015 (0.015 %) and 0.00045 (0.045 %): Hyperliquid's base tier. */
  makerFeeRate?: number;
  takerFeeRate?: number;
  /** Signatures use the mainnet phantom agent ("a") instead of testnet's "b" (default false). */
  isMainnet?: boolean;
  /** Queue model of the shared fill model (default risk-averse). */
  queue?: QueueModelName;
  /**
   * The shared fill-model configuration (src/sim/fill-model-config.ts), over `queue` and the fee rates above: its
   * queue model, power, fees and entry/cancel latency (constant, or drawn from `latencySamples` with
   * `latencySeed`). Entry latency defaults to 0 ms here (not the backtest's 100): the network delay is real. The
   * response latency and the feed latency are not applied (answers, pushes and the replay cross the real socket).
   */
  fillModel?: Partial<FillModelConfig>;
  /** IP weight per rolling minute, 0 = unlimited (default 0; Hyperliquid 1200). */
  ipWeightPerMinute?: number;
  /** Requests per address before traded volume counts (default 10,000 as Hyperliquid; Infinity = off). */
  addressRequestBuffer?: number;
  /** Traded volume needed before scheduleCancel may be armed (default 0). */
  scheduleCancelMinVolumeUsdc?: number;
  /** First oid handed out (default 1,000,000,000). */
  firstOid?: number;
  /** Hourly funding rate applied to open positions at each hour of exchange time (default 0.0000125; funding.ts). */
  fundingRatePerHour?: number;
}

export interface FakeExchangeOptions {
  /** Directory with prices_/trades_(/orderbooks_)<SYM>.csv(.gz). */
  dataDir: string;
  symbols: string[];
  /** TCP port; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Exchange ms per wall ms (1 = real time); 0 = firehose. Default 1. */
  speed?: number;
  /** Play the data again when it ends (see replay.ts); default false: the feed goes quiet. */
  loop?: boolean;
  /** Start of the replay, Unix ms. */
  fromMs?: number;
  /** Recent trades sent to each new trades subscriber, as the real exchange does. Default 30. */
  resendTradesOnSubscribe?: number;
  /** Close a connection that sent nothing for this long (Hyperliquid: 60 s). 0 = never. */
  idleTimeoutMs?: number;
  /** Longest wait between two recorded events, exchange ms (longer holes are skipped). Default 10,000. */
  maxGapMs?: number;
  /** Synthesised books: at most one per coin per this much exchange time. Default 500. */
  bookIntervalMs?: number;
  /** Sees every frame actually sent to a client (tests). */
  tap?: (frame: string, connectionId: number) => void;
  /** Order entry (/exchange, user /info, user channels). */
  trading?: TradingOptions;
  logger?: Logger;
}

export interface HttpReply {
  status: number;
  body: unknown;
}

/** An HTTP endpoint: method and handler of the decoded JSON body (undefined for GET). */
export interface HttpRoute {
  method: 'GET' | 'POST';
  handle(body: unknown, request: IncomingMessage): HttpReply | Promise<HttpReply>;
}

export interface FakeExchange {
  /** http://host:port */
  url: string;
  /** ws://host:port/ws */
  wsUrl: string;
  port: number;
  clock: ReplayClock;
  faults: FaultController;
  info: InfoRoutes;
  routes: Map<string, HttpRoute>;
  subscriptions: SubscriptionRegistry;
  markets: Map<string, CoinMarket>;
  /** Accounts, orders and fills; `trading.addAccount(address, usdc)` opens an account at run time. */
  trading: OrderEntry;
  /** POST /exchange; `exchange.approveAgent(agent, account)` approves an API wallet at run time. */
  exchange: ExchangeEndpoint;
  /** Hourly funding of open positions; `funding.ratePerHour = x` changes the rate at run time. */
  funding: FundingModel;
  /** Rate limits; `limits.force('ip' | 'address', n)` refuses the next n requests. */
  limits: RateLimits;
  replayStats: ReplayStats;
  /** Open WebSocket connections. */
  connections(): ReadonlySet<FakeConnection>;
  /** Connections accepted since start. */
  connectionsAccepted(): number;
  /** Resolves when the replay ends (never with `loop`, until close). */
  replayDone: Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startFakeExchange(options: FakeExchangeOptions): Promise<FakeExchange> {
  const host = options.host ?? '127.0.0.1';
  const symbols = options.symbols;
  const markets = new Map<string, CoinMarket>();
  for (const symbol of symbols) {
    for (const kind of ['prices', 'trades'] as const) {
      if (latestMarketFile(options.dataDir, kind, symbol) === null) {
        throw new UserError(
          `No ${kind}_${symbol}.csv(.gz) in ${options.dataDir}; pass --data with a directory recorded by "hlmm collect".`,
        );
      }
    }
    markets.set(
      symbol,
      new CoinMarket(symbol, latestMarketFile(options.dataDir, 'orderbooks', symbol) !== null),
    );
  }

  const clock = new ReplayClock(options.speed ?? 1);
  const registry = new SubscriptionRegistry();
  const connections = new Set<FakeConnection>();
  let accepted = 0;
  const logger = options.logger;

  const tradingOptions = options.trading ?? {};
  const limits = new RateLimits({
    ipWeightPerMinute: tradingOptions.ipWeightPerMinute,
    addressRequestBuffer: tradingOptions.addressRequestBuffer,
  });
  const faults = new FaultController(
    {
      connections: () => connections,
      forceRateLimit: (kind, count) => limits.force(kind, count),
      replayRecentTrades: () => {
        for (const [coin, market] of markets) {
          const trades = market.recentTrades(faults.resendTradesOnSubscribe);
          if (trades.length > 0) registry.publish(`trades:${coin}`, channelFrame('trades', trades));
        }
      },
    },
    options.resendTradesOnSubscribe ?? 30,
  );

  // Market-data subscription types: validation and the snapshot pushed right after the ack.
  const coinOf = (sub: Subscription): CoinMarket | undefined =>
    typeof sub.coin === 'string' ? markets.get(sub.coin) : undefined;
  const validateCoin = (sub: Subscription) => (coinOf(sub) === undefined ? 'Invalid subscription' : null);
  registry.registerType('bbo', {
    validate: validateCoin,
    snapshot: (sub) => {
      const bbo = coinOf(sub)!.wireBbo();
      return bbo === null ? [] : [channelFrame('bbo', bbo)];
    },
  });
  registry.registerType('trades', {
    validate: validateCoin,
    snapshot: (sub) => {
      const trades = coinOf(sub)!.recentTrades(faults.resendTradesOnSubscribe);
      return trades.length === 0 ? [] : [channelFrame('trades', trades)];
    },
  });
  registry.registerType('l2Book', {
    validate: (sub) => {
      const aggregation = parseBookAggregation(sub as Record<string, unknown>);
      return typeof aggregation === 'string' ? 'Invalid subscription' : validateCoin(sub);
    },
    snapshot: (sub) => {
      const market = coinOf(sub)!;
      const aggregation = parseBookAggregation(sub as Record<string, unknown>) as BookAggregation | null;
      return market.hasBook ? [market.bookFrame(aggregation)] : [];
    },
  });

  const info = new InfoRoutes();
  registerMarketInfo(info, markets, clock, symbols);

  const fill = fillModelConfig({
    entryLatencyMs: 0,
    queue: tradingOptions.queue,
    makerFeeRate: tradingOptions.makerFeeRate,
    takerFeeRate: tradingOptions.takerFeeRate,
    ...Object.fromEntries(Object.entries(tradingOptions.fillModel ?? {}).filter(([, v]) => v !== undefined)),
  });
  const trading = new OrderEntry({
    clock,
    markets,
    registry,
    universe: universeFor(symbols),
    accounts: tradingOptions.accounts,
    startUsdc: tradingOptions.startUsdc,
    makerFeeRate: fill.makerFeeRate,
    takerFeeRate: fill.takerFeeRate,
    queue: createQueueModel(fill.queue, fill.queuePower),
    latency: latencyModelFor(fill),
    firstOid: tradingOptions.firstOid,
    scheduleCancelMinVolumeUsdc: tradingOptions.scheduleCancelMinVolumeUsdc,
    onPublicTrade: (coin, px, sz, timeMs) => publicInfo.onTrade(coin, px, sz, timeMs),
    logger,
  });
  trading.start();
  const exchange = new ExchangeEndpoint({
    entry: trading,
    limits,
    isMainnet: tradingOptions.isMainnet,
    agents: tradingOptions.agents,
  });
  const funding = new FundingModel({
    ratePerHour: tradingOptions.fundingRatePerHour ?? DEFAULT_FUNDING_RATE_PER_HOUR,
    accounts: trading.accounts,
    markPx: (coin) => trading.markPx(coin),
    registry,
  });
  registerUserInfo(info, trading, limits, funding);
  // userRole as Hyperliquid answers it: an approved agent names its account; an account with a balance is a user.
  // FAKE-ONLY: vaults and sub-accounts are not modelled.
  info.register('userRole', (r) => {
    const user = typeof r.user === 'string' ? r.user.toLowerCase() : '';
    const account = exchange.agentAccount(user);
    if (account !== undefined) return { role: 'agent', data: { user: account } };
    return trading.accounts.has(user) ? { role: 'user' } : { role: 'missing' };
  });
  registerUserChannels(registry, trading, funding);
  registerFundingInfo(info, trading, funding, universeFor(symbols), markets);
  const publicInfo = new PublicInfo({
    info,
    registry,
    markets,
    universe: universeFor(symbols),
    entry: trading,
    funding,
    maxBuilderFee: (user, builder) => exchange.maxBuilderFee(user, builder),
  });
  publicInfo.start();
  // Quiet stretches of the replay: settle an hour that passed with no event (the replay settles before events).
  const fundingTimer = setInterval(() => funding.advanceTo(clock.nowMs()), 200);
  fundingTimer.unref();

  const replay = new MarketReplay({
    dataDir: options.dataDir,
    symbols,
    clock,
    markets,
    registry,
    loop: options.loop ?? false,
    bookIntervalMs: options.bookIntervalMs ?? 500,
    maxGapMs: options.maxGapMs ?? 10_000,
    fromMs: options.fromMs,
    onEvent: (coin, event) => {
      trading.onMarketEvent(coin, event);
      if (event.kind === 'trade') publicInfo.onTrade(coin, event.px, event.sz, event.exchMs);
      else publicInfo.onEventTime(event.exchMs);
    },
    beforeEvent: (atMs) => funding.advanceTo(atMs),
    logger,
    maxBufferedBytes: () => {
      let max = 0;
      for (const c of connections) if (c.socket.bufferedAmount > max) max = c.socket.bufferedAmount;
      return max;
    },
  });

  const routes = new Map<string, HttpRoute>();
  const remoteIp = (request: IncomingMessage) => request.socket.remoteAddress ?? '';
  routes.set('/info', {
    method: 'POST',
    handle: (body, request) => {
      const type = (body as { type?: unknown } | null)?.type;
      if (!limits.takeIp(remoteIp(request), infoRequestWeight(typeof type === 'string' ? type : ''))) {
        return { status: 429, body: 'Too Many Requests' };
      }
      return { status: 200, body: info.answer(body) };
    },
  });
  routes.set('/exchange', {
    method: 'POST',
    handle: (body, request) => {
      if (!limits.takeIp(remoteIp(request), ExchangeEndpoint.weightOf(body))) {
        return { status: 429, body: 'Too Many Requests' };
      }
      return exchange.handle(body);
    },
  });
  routes.set('/fault', {
    method: 'POST',
    handle: (body) => {
      const error = faults.apply(body);
      return error === null
        ? { status: 200, body: { ok: true, counters: faults.counters } }
        : { status: 400, body: { ok: false, error } };
    },
  });
  routes.set('/status', {
    method: 'GET',
    handle: () => ({
      status: 200,
      body: {
        exchangeTimeMs: clock.nowMs(),
        speed: clock.speed,
        connections: connections.size,
        connectionsAccepted: accepted,
        replay: replay.stats,
        faults: faults.counters,
        trading: { ...trading.counters, ...exchange.counters, ...limits.counters },
      },
    }),
  });

  const http = createServer((req, res) => {
    void serveHttp(routes, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_BODY_BYTES });

  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new FakeConnection(++accepted, ws, (conn, frame) => {
        if (!faults.allows()) return false;
        options.tap?.(frame, conn.id);
        return true;
      });
      connections.add(connection);
      ws.on('message', (raw, isBinary) => {
        connection.lastHeardMs = Date.now();
        if (isBinary) {
          connection.send(channelFrame('error', 'Binary frames are not supported'));
          return;
        }
        handleClientFrame(connection, raw.toString());
      });
      ws.on('close', () => {
        connections.delete(connection);
        registry.remove(connection);
      });
      ws.on('error', () => {}); // a client vanishing mid-frame is its problem, not the server's
    });
  });

  const handleClientFrame = (connection: FakeConnection, text: string): void => {
    const request = parseClientRequest(text);
    if ('error' in request) {
      connection.send(channelFrame('error', `${request.error}: ${text.slice(0, 200)}`));
      return;
    }
    switch (request.method) {
      case 'ping':
        connection.send('{"channel":"pong"}');
        return;
      case 'subscribe':
        registry.subscribe(connection, request.subscription);
        return;
      case 'unsubscribe':
        registry.unsubscribe(connection, request.subscription);
        return;
      case 'post': {
        let response: unknown;
        if (request.request.type === 'action') {
          // Same handling as POST /exchange; a body that is not an action comes back as an error payload.
          const id = request.id;
          const answer = (reply: EndpointReply) =>
            connection.send(
              channelFrame('post', {
                id,
                response:
                  reply.status === 200
                    ? { type: 'action', payload: reply.body }
                    : { type: 'error', payload: String(reply.body) },
              }),
            );
          const reply = exchange.handle(request.request.payload);
          if (reply instanceof Promise) void reply.then(answer);
          else answer(reply);
          return;
        } else {
          try {
            const payload = request.request.payload as Record<string, unknown>;
            response = { type: 'info', payload: { type: payload?.type, data: info.answer(payload) } };
          } catch (err) {
            response = { type: 'error', payload: err instanceof Error ? err.message : String(err) };
          }
        }
        connection.send(channelFrame('post', { id: request.id, response }));
        return;
      }
    }
  };

  // Hyperliquid closes connections that sent nothing for 60 s; so does the stand-in, to keep clients honest.
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const idleTimer =
    idleTimeoutMs > 0
      ? setInterval(
          () => {
            const now = Date.now();
            for (const c of connections)
              if (now - c.lastHeardMs > idleTimeoutMs) c.socket.close(1000, 'idle');
          },
          Math.min(1_000, idleTimeoutMs / 2),
        )
      : null;
  idleTimer?.unref();

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(`Port ${options.port} is already in use; pick another --port (0 = any free port).`)
          : err,
      );
    };
    http.once('error', onError);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  const replayDone = replay.run().catch((err: unknown) => {
    logger?.error('replay failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  });
  replayDone.catch(() => {}); // callers who await it see the error; unobserved, it must not crash the process
  // Without more market data, orders on their way still reach the matching engine (firehose has no timer).
  replayDone.then(
    () => trading.onReplayEnd(),
    () => {},
  );

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    port,
    clock,
    faults,
    info,
    routes,
    subscriptions: registry,
    markets,
    trading,
    exchange,
    funding,
    limits,
    replayStats: replay.stats,
    connections: () => connections,
    connectionsAccepted: () => accepted,
    replayDone,
    close() {
      closing ??= (async () => {
        replay.stop();
        trading.stop();
        publicInfo.stop();
        clearInterval(fundingTimer);
        if (idleTimer) clearInterval(idleTimer);
        for (const c of connections) c.socket.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await replayDone.catch(() => {});
      })();
      return closing;
    },
  };
}

async function serveHttp(routes: Map<string, HttpRoute>, req: IncomingMessage, res: ServerResponse) {
  const reply = (status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const route = routes.get(path);
  if (route === undefined) return reply(404, 'Not Found');
  if (req.method !== route.method) return reply(405, 'Method Not Allowed');
  let body: unknown;
  if (route.method === 'POST') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return reply(413, 'Payload Too Large');
      chunks.push(chunk as Buffer);
    }
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(422, 'Failed to deserialize the JSON body into the target type');
    }
  }
  try {
    const out = await route.handle(body, req);
    reply(out.status, out.body);
  } catch (err) {
    if (err instanceof InfoRequestError) reply(err.status, err.message);
    else reply(500, err instanceof Error ? err.message : String(err));
  }
}
