import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { AccountRisk } from '../engine/account-risk.ts';
import type { BotInsight } from '../engine/bot-insight.ts';
import type { BotView } from '../engine/bot-view.ts';
import type { TradeStore } from '../store/trade-store.ts';
import {
  assertSafeBinding,
  constantTimeEqual,
  createTokenService,
  LoginThrottle,
  parseBasicAuth,
  parseBearer,
} from './auth.ts';
import type { MarketTape } from './candles.ts';
import { type CoinApi, createDesks } from './coins.ts';
import { registerChartRoutes } from './freqtrade-chart-routes.ts';
import { registerFreqtradeRoutes } from './freqtrade-routes.ts';
import { registerHlmmRoutes } from './hlmm-routes.ts';
import { registerInsightRoutes } from './insight-routes.ts';
import {
  bodyTypeProblem,
  DEFAULT_ALLOWED_HOSTS,
  isAllowedHost,
  isApiPath,
  requestPath,
} from './request-guard.ts';
import { registerSockets } from './sockets.ts';

export interface ApiServerOptions {
  /** The bot (one coin); with `coins`, the first coin's view (the bot's name, version and clock). */
  view: BotView;
  /**
   * Several coins traded from one account (`hlmm trade --tickers`): each coin's view, recorder and tape. The
   * Freqtrade routes then cover every pair and hlmm's per-coin routes take ?coin= (see coins.ts). Absent = the
   * one coin of `view`, `insight` and `tape`.
   */
  coins?: readonly CoinApi[];
  /** The account's risk over several coins (overview, account kill switch); absent with one coin. */
  account?: AccountRisk;
  store: TradeStore;
  /** Listen address; 127.0.0.1 keeps the API on this machine (Freqtrade `listen_ip_address`). */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  username: string;
  password: string;
  jwtSecret: string;
  /** Browser origins allowed to call the API from another site (e.g. a FreqUI at http://localhost:8080). */
  corsOrigins: string[];
  logger: Logger;
  /** Optional fixed token also accepted by the WebSockets (Freqtrade `ws_token`). */
  wsToken?: string;
  /** Folder holding the built dashboard (index.html); found next to the bundle by default. */
  webRoot?: string;
  /**
   * Host-header names accepted besides IP literals (DNS-rebinding guard); default `localhost`. A bot reached
   * through a DNS name (a reverse proxy, `bot.example.lan`) lists that name here.
   */
  allowedHosts?: readonly string[];
  /** The failed-login throttle (tests pass one on a clock they control). */
  loginThrottle?: LoginThrottle;
  /** The bot's markouts and market history (src/engine/bot-insight.ts); absent = those routes answer 404. */
  insight?: BotInsight;
  /** The bot's live candles for FreqUI's chart (/pair_candles); absent = no live candles. */
  tape?: MarketTape;
  /** Folder of recorded market files of the bot's coin(s), for /pair_history. */
  dataDir?: string;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Every route the server answers (method and pattern), for tests that sweep them. */
  routes: readonly { method: string; url: string }[];
  close(): Promise<void>;
}

/**
 * Routes reachable without credentials, by the pattern the router matched (Freqtrade: only ping; login and
 * refresh check their own credentials). Everything else under /api needs credentials.
 */
const PUBLIC_ROUTES = new Set(['/api/v1/ping', '/api/v1/token/login', '/api/v1/token/refresh']);
/** WebSockets cannot send headers from a browser, so they authenticate with `?token=`. */
const SOCKET_ROUTES = new Set(['/api/v1/message/ws', '/api/v1/hlmm/ws']);

/** The dashboard bundle: dist/web next to the bundled CLI, or ../../dist/web from src/api when run by tsx. */
function findWebRoot(): string | null {
  for (const rel of ['./web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API user, set by the auth hook. */
    apiUser?: string;
  }
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  assertSafeBinding(opts.host, opts.password, opts.jwtSecret, {
    username: opts.username,
    wsTokens: opts.wsToken ? [opts.wsToken] : [],
  });
  const log = opts.logger;
  const tokens = createTokenService(opts.jwtSecret, opts.username);
  const allowedHosts = opts.allowedHosts ?? DEFAULT_ALLOWED_HOSTS;
  const throttle = opts.loginThrottle ?? new LoginThrottle();
  const desks = createDesks(
    opts.store,
    opts.coins ?? [{ view: opts.view, insight: opts.insight, tape: opts.tape }],
  );
  const account = opts.account ?? null;

  // Fastify's own logger stays off: it would log request headers (Authorization) — ours redacts secrets.
  // forceCloseConnections: shutting the bot down must not wait for idle keep-alive or half-open sockets.
  const app = Fastify({
    logger: false,
    trustProxy: false,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
  });

  const checkPassword = (user: string, password: string) =>
    // Both compared, always, so timing does not reveal whether the user name was right.
    [constantTimeEqual(user, opts.username), constantTimeEqual(password, opts.password)].every(Boolean);

  const refuse = (reply: FastifyReply, status: number, detail: string) =>
    reply.code(status).header('cache-control', 'no-store').send({ detail });

  /** Checks Basic credentials with the failed-login throttle; returns the user or sends 401/429. */
  const basicLogin = (req: FastifyRequest, reply: FastifyReply): string | null => {
    const basic = parseBasicAuth(req.headers.authorization);
    const waitMs = basic ? throttle.retryAfterMs(req.ip, basic.username) : 0;
    if (waitMs > 0) {
      const retry = Math.ceil(waitMs / 1000);
      reply.header('retry-after', String(retry));
      refuse(reply, 429, `Too many failed logins; try again in ${retry} s.`);
      return null;
    }
    if (basic && checkPassword(basic.username, basic.password)) {
      throttle.recordSuccess(req.ip, basic.username);
      return basic.username;
    }
    if (basic) {
      throttle.recordFailure(req.ip, basic.username);
      log.warn('api login refused', { ip: req.ip });
    }
    // No `WWW-Authenticate: Basic` challenge: a browser would answer it with its own password prompt (and a
    // fetch from the dashboard would wait on it) instead of letting the page show the error.
    refuse(reply, 401, 'Incorrect username or password');
    return null;
  };

  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  // Fastify parses text/plain bodies by default; no endpoint takes one, and it is what a cross-site page can send.
  app.removeContentTypeParser('text/plain');

  // onRequest runs after routing: `req.routeOptions.url` is the pattern the router matched, decoded as it
  // decoded it, so the decision below is the router's, not a string comparison on the raw URL.
  app.addHook('onRequest', async (req, reply) => {
    if (!isAllowedHost(req.headers.host, allowedHosts)) {
      return refuse(reply, 403, 'Host header not allowed; add the name to api_server.allowed_hosts.');
    }
    const path = requestPath(req.url);
    const route = req.routeOptions.url ?? '';
    const isApi = route.startsWith('/api/') || isApiPath(path.canonical);
    if (!isApi || (PUBLIC_ROUTES.has(route) && path.malformed === null)) {
      if (path.malformed !== null) return refuse(reply, 400, `Bad request path: ${path.malformed}.`);
      return;
    }
    // A CORS preflight carries no credentials by design; @fastify/cors answers it (or the route 404s).
    if (req.method === 'OPTIONS' && path.malformed === null) return;
    const user = await authenticate(req, reply, SOCKET_ROUTES.has(route));
    if (user === null) return reply;
    req.apiUser = user;
    if (path.malformed !== null) return refuse(reply, 400, `Bad request path: ${path.malformed}.`);
    const badBody = bodyTypeProblem(
      req.method,
      req.headers['content-type'],
      req.headers['content-length'],
      req.headers['transfer-encoding'],
    );
    if (badBody !== null) return refuse(reply, 415, `Unsupported media type: ${badBody}.`);
  });

  /** The request's user, or null after sending 401/429. */
  const authenticate = async (
    req: FastifyRequest,
    reply: FastifyReply,
    isSocket: boolean,
  ): Promise<string | null> => {
    const bearer = parseBearer(req.headers.authorization);
    if (bearer) {
      const user = await tokens.verify(bearer, 'access');
      if (user) return user;
      reply.header('www-authenticate', 'Bearer');
      refuse(reply, 401, 'Could not validate credentials');
      return null;
    }
    if (isSocket) {
      const token = new URLSearchParams(req.url.split('?')[1] ?? '').get('token');
      if (token && opts.wsToken && constantTimeEqual(token, opts.wsToken)) return 'ws_token';
      const user = token ? await tokens.verify(token, 'access') : null;
      if (user) return user;
      refuse(reply, 401, 'Could not validate credentials');
      return null;
    }
    if (req.headers.authorization) return basicLogin(req, reply);
    refuse(reply, 401, 'Unauthorized');
    return null;
  };

  // A WebSocket handshake refused here (401) is answered on a raw socket that @fastify/websocket took out of the
  // HTTP server's bookkeeping: nothing closes it, so each refused reconnect would leak a file descriptor (and
  // keep close() waiting). Close it once the refusal is written.
  app.addHook('onResponse', async (req, reply) => {
    if (req.headers.upgrade && reply.statusCode !== 101) req.raw.socket.destroy();
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error('api error', { path: req.url.split('?')[0], error: err.message });
    // A UserError from the bot (e.g. "already flat") is the caller's problem, not a server bug.
    const code = err instanceof UserError ? 400 : status;
    reply.code(code).send({ detail: code === 500 ? 'Internal error' : err.message });
  });

  // Unknown paths answer as FastAPI does, so every error of the API reads `{"detail": …}`.
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ detail: 'Not Found' });
  });

  if (opts.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: opts.corsOrigins,
      credentials: true,
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    });
  }
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  app.post('/api/v1/token/login', async (req, reply) => {
    const user = basicLogin(req, reply);
    if (!user) return reply;
    return {
      access_token: await tokens.issue(user, 'access'),
      refresh_token: await tokens.issue(user, 'refresh'),
    };
  });
  app.post('/api/v1/token/refresh', async (req, reply) => {
    const token = parseBearer(req.headers.authorization);
    const user = token ? await tokens.verify(token, 'refresh') : null;
    if (!user) return refuse(reply, 401, 'Could not validate credentials');
    return { access_token: await tokens.issue(user, 'access') };
  });

  registerFreqtradeRoutes(app, {
    desks,
    logger: log,
    onStartAll: () => {
      // Every coin quoting again: the account's kill switch is re-armed (it trips again if its limit still holds).
      if (account) account.killSwitch = null;
    },
  });
  registerChartRoutes(app, { desks, store: opts.store, dataDir: opts.dataDir });
  registerHlmmRoutes(app, { desks, account, logger: log });
  registerInsightRoutes(app, { desks });
  registerSockets(app, { desks, account, logger: log });

  const webRoot = opts.webRoot ?? findWebRoot();
  if (webRoot) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'] });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send('The dashboard is not built: run `npm run build` (it writes dist/web).'),
    );
  }

  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close().catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UserError(
        `the monitoring API cannot listen on ${opts.host}:${opts.port} (${code}); pick another --api-port (or api_server.listen_port), or --api-port 0 to turn the API off.`,
      );
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}`;
  log.info('api server listening', { url, dashboard: webRoot !== null });
  return {
    url,
    port,
    routes,
    close: async () => {
      await app.close();
    },
  };
}
