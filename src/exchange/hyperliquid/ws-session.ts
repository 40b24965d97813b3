/**
 * A WebSocket session with Hyperliquid that stays up: it connects, (re)sends every subscription it holds,
 * pings so the server never sees an idle client, watches for silence, and reconnects with exponential backoff
 * and jitter. Written for the collector first and for the trading bot next (market data and user channels), so
 * it knows nothing about files: it hands each parsed frame to `onMessage`.
 *
 * Assumptions about the venue (Hyperliquid docs, "Timeouts and heartbeats"):
 * - the server closes a connection it has received nothing from for 60 s → we ping every `pingIntervalMs`
 *   (30 s default), answered by {"channel":"pong"};
 * - a half-open socket looks alive but delivers nothing → the watchdog reconnects when no *liveness* frame
 *   arrived for `stallTimeoutMs` (60 s default). For market data, liveness = a market-data frame (pongs prove the
 *   socket, not the feed); a user-channel session, legitimately quiet, sets `liveness: 'any'` so pongs count.
 * - subscriptions do not survive a reconnect → all are sent again on each open.
 *
 * Backoff: attempt n (0-based) waits min(cap, initial·2^n) scaled by a jitter factor in [1 − j, 1 + j]
 * (never above the cap); the attempt counter resets once a connection delivers liveness, so a link that worked
 * reconnects after ~1 s rather than after the last long delay. Client choice: plain `ws` (see docs/collect.md).
 */

import WebSocket from 'ws';
import type { Logger } from '../../core/log.ts';
import { HYPERLIQUID_URLS } from './endpoints.ts';
import {
  isMarketData,
  type ParsedServerMessage,
  PING_FRAME,
  parseServerMessage,
  type Subscription,
  subscribeFrame,
  subscriptionKey,
  unsubscribeFrame,
} from './ws-messages.ts';

export const HYPERLIQUID_MAINNET_WS_URL = HYPERLIQUID_URLS.mainnet.ws;

export interface BackoffPolicy {
  /** First delay, ms (1 s). */
  initialMs: number;
  /** Largest delay, ms (300 s). */
  maxMs: number;
  /** Relative jitter j: the delay is scaled by a uniform factor in [1 − j, 1 + j] (0.2). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 300_000, jitter: 0.2 };

/** Delay before reconnect attempt `attempt` (0 = first retry). `random` ∈ [0, 1) picks the jitter. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: number): number {
  const nominal = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 40));
  const factor = 1 + policy.jitter * (2 * random - 1);
  return Math.min(policy.maxMs, Math.max(0, Math.round(nominal * factor)));
}

export interface DataGap {
  /** Wall-clock ms of the last liveness frame before the gap (or of the disconnect if none came). */
  startMs: number;
  /** Wall-clock ms of the first liveness frame after it. */
  endMs: number;
  /** Why the gap started: "closed 1006", "stall", "connect failed: …". */
  cause: string;
}

export interface WsSessionStats {
  /** Successful opens (the first one included). */
  connects: number;
  /** Opens after the first one. */
  reconnects: number;
  /** Connection attempts that failed or closed before opening. */
  failedAttempts: number;
  /** Times the watchdog gave up on a silent socket. */
  stalls: number;
  framesReceived: number;
  malformedFrames: number;
  /** `error` channel frames from the server (e.g. rejected subscriptions). */
  serverErrors: number;
  /** Wall-clock ms of the last liveness frame, 0 before the first. */
  lastLivenessMs: number;
  gaps: number;
}

export interface WsSessionOptions {
  url: string;
  subscriptions?: Subscription[];
  /** Every parsed frame, malformed ones included. `recvS` = local receive time, Unix s. */
  onMessage: (msg: ParsedServerMessage, recvS: number) => void;
  logger?: Logger;
  pingIntervalMs?: number;
  stallTimeoutMs?: number;
  /** Which frames prove the session alive for the watchdog: market data (default) or any frame. */
  liveness?: 'market-data' | 'any';
  backoff?: BackoffPolicy;
  /** WebSocket handshake timeout, ms. */
  connectTimeoutMs?: number;
  onOpen?: () => void;
  onGap?: (gap: DataGap) => void;
  /** For tests: the jitter source. */
  random?: () => number;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

export class WsSession {
  readonly stats: WsSessionStats = {
    connects: 0,
    reconnects: 0,
    failedAttempts: 0,
    stalls: 0,
    framesReceived: 0,
    malformedFrames: 0,
    serverErrors: 0,
    lastLivenessMs: 0,
    gaps: 0,
  };
  private readonly subs = new Map<string, Subscription>();
  private readonly opts: Required<
    Pick<WsSessionOptions, 'pingIntervalMs' | 'stallTimeoutMs' | 'liveness' | 'backoff' | 'connectTimeoutMs'>
  >;
  private socket: WebSocket | null = null;
  private state: State = 'idle';
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  /** Liveness clock of the current connection (its open time until a liveness frame arrives). */
  private lastAliveMs = 0;
  /** Set while data is interrupted: when and why it started. */
  private gapStart: { ms: number; cause: string } | null = null;
  private stoppedResolve: (() => void) | null = null;

  constructor(private readonly options: WsSessionOptions) {
    for (const s of options.subscriptions ?? []) this.subs.set(subscriptionKey(s), s);
    this.opts = {
      pingIntervalMs: options.pingIntervalMs ?? 30_000,
      stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
      liveness: options.liveness ?? 'market-data',
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Adds a subscription (kept across reconnects) and sends it now if connected. */
  subscribe(subscription: Subscription): void {
    const key = subscriptionKey(subscription);
    if (this.subs.has(key)) return;
    this.subs.set(key, subscription);
    if (this.state === 'open') this.socket?.send(subscribeFrame(subscription));
  }

  unsubscribe(subscription: Subscription): void {
    const key = subscriptionKey(subscription);
    if (!this.subs.delete(key)) return;
    if (this.state === 'open') this.socket?.send(unsubscribeFrame(subscription));
  }

  /** Sends a raw frame if connected (e.g. a `post` request); false when not connected. */
  send(frame: string): boolean {
    if (this.state !== 'open' || this.socket === null) return false;
    this.socket.send(frame);
    return true;
  }

  /** Forces a reconnect now (used by the watchdog; also handy for tests and operators). */
  reconnect(cause: string): void {
    if (this.state === 'stopped') return;
    this.dropSocket(cause);
  }

  /** Closes the socket and stops reconnecting. Resolves when the socket is closed. */
  stop(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    const socket = this.socket;
    this.state = 'stopped';
    this.clearTimers();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (socket === null || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.stoppedResolve = resolve;
      // A peer that does not answer the close handshake is cut after 1 s.
      const cut = setTimeout(() => socket.terminate(), 1_000);
      cut.unref();
      socket.once('close', () => {
        clearTimeout(cut);
        this.stoppedResolve?.();
        this.stoppedResolve = null;
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'client stopping');
    });
  }

  private log(): Logger | undefined {
    return this.options.logger;
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = new WebSocket(this.options.url, {
      handshakeTimeout: this.opts.connectTimeoutMs,
      perMessageDeflate: false,
    });
    this.socket = socket;
    let opened = false;

    socket.on('open', () => {
      if (this.socket !== socket || this.state === 'stopped') return;
      opened = true;
      this.state = 'open';
      this.stats.connects++;
      if (this.stats.connects > 1) this.stats.reconnects++;
      this.lastAliveMs = Date.now();
      for (const sub of this.subs.values()) socket.send(subscribeFrame(sub));
      this.startTimers(socket);
      this.log()?.info('connected', { url: this.options.url, subscriptions: this.subs.size });
      this.options.onOpen?.();
    });

    socket.on('message', (raw: WebSocket.RawData, isBinary: boolean) => {
      if (this.socket !== socket) return;
      const recvS = receiveTimeS();
      this.onFrame(isBinary ? '' : raw.toString(), recvS * 1000, recvS);
    });

    socket.on('error', (err: Error) => {
      // 'close' follows; the reason is logged there. Keeping a listener stops `ws` from throwing.
      if (!opened) this.log()?.debug('socket error', { error: err.message });
    });

    socket.on('close', (code: number) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.state === 'stopped') return;
      if (!opened) this.stats.failedAttempts++;
      const cause = opened ? `closed ${code}` : `connect failed (${code})`;
      this.markGapStart(cause);
      this.scheduleRetry(cause);
    });
  }

  private onFrame(text: string, recvMs: number, recvS: number): void {
    this.stats.framesReceived++;
    const msg = parseServerMessage(text, recvS);
    if (msg.channel === 'malformed') this.stats.malformedFrames++;
    else if (msg.channel === 'error') {
      this.stats.serverErrors++;
      this.log()?.warn('server error frame', { message: msg.message.slice(0, 200) });
    }
    if (this.opts.liveness === 'any' ? msg.channel !== 'malformed' : isMarketData(msg)) {
      this.lastAliveMs = recvMs;
      this.stats.lastLivenessMs = recvMs;
      // The link works again: the next failure starts the backoff over, and an open gap ends here.
      this.attempt = 0;
      if (this.gapStart !== null) this.endGap(recvMs);
    }
    this.options.onMessage(msg, recvS);
  }

  private startTimers(socket: WebSocket): void {
    this.pingTimer = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(PING_FRAME);
    }, this.opts.pingIntervalMs);
    const check = Math.max(20, Math.min(1_000, this.opts.stallTimeoutMs / 4));
    this.watchdogTimer = setInterval(() => {
      const silentMs = Date.now() - this.lastAliveMs;
      if (silentMs >= this.opts.stallTimeoutMs) {
        this.stats.stalls++;
        this.log()?.warn('no data, reconnecting', { silentS: Math.round(silentMs / 100) / 10 });
        this.dropSocket('stall');
      }
    }, check);
    this.pingTimer.unref();
    this.watchdogTimer.unref();
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.pingTimer = null;
    this.watchdogTimer = null;
  }

  /** Abandons the current socket (no waiting for a close handshake a dead peer will never send). */
  private dropSocket(cause: string): void {
    const socket = this.socket;
    this.socket = null;
    this.clearTimers();
    if (socket) {
      socket.removeAllListeners('message');
      socket.on('error', () => {});
      socket.terminate();
    }
    if (this.state === 'stopped') return;
    this.markGapStart(cause);
    if (this.retryTimer === null) this.scheduleRetry(cause);
  }

  private markGapStart(cause: string): void {
    if (this.gapStart !== null) return;
    const startMs = this.stats.lastLivenessMs > 0 ? this.stats.lastLivenessMs : Date.now();
    this.gapStart = { ms: startMs, cause };
    this.log()?.warn('data gap started', { at: new Date(startMs).toISOString(), cause });
  }

  private endGap(endMs: number): void {
    const gap: DataGap = { startMs: this.gapStart!.ms, endMs, cause: this.gapStart!.cause };
    this.gapStart = null;
    this.stats.gaps++;
    this.log()?.warn('data gap ended', {
      from: new Date(gap.startMs).toISOString(),
      to: new Date(gap.endMs).toISOString(),
      seconds: Math.round((gap.endMs - gap.startMs) / 100) / 10,
      cause: gap.cause,
    });
    this.options.onGap?.(gap);
  }

  private scheduleRetry(cause: string): void {
    this.state = 'waiting';
    const delay = backoffDelayMs(this.attempt, this.opts.backoff, (this.options.random ?? Math.random)());
    this.attempt++;
    this.log()?.info('reconnecting', { inS: delay / 1000, attempt: this.attempt, cause });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state !== 'stopped') this.connect();
    }, delay);
  }
}

/**
 * Local receive time in Unix seconds with a sub-millisecond fraction. Date.now() only has whole ms, so time is
 * taken from the monotonic high-resolution clock anchored to the wall clock, re-anchored every 10 s so a wall
 * clock adjustment (NTP) shows up within 10 s. Stays within ~1 ms of Date.now().
 */
let anchorOffsetMs = Date.now() - performance.now();
let anchoredAtMs = performance.now();
export function receiveTimeS(): number {
  const mono = performance.now();
  if (mono - anchoredAtMs > 10_000) {
    anchorOffsetMs = Date.now() - mono;
    anchoredAtMs = mono;
  }
  return (anchorOffsetMs + mono) / 1000;
}
