/**
 * Fault injection: the ways a real Hyperliquid connection goes wrong, on demand, so the collector's and the
 * bot's recovery paths are tested against something that actually misbehaves. Usable in-process
 * (`exchange.faults.drop()`) and over HTTP (`POST /fault {"type":"drop"}`, see `applyFaultRequest`).
 */
import type { FakeConnection } from './subscriptions.ts';

/** Frames a broken or hostile server might send: not JSON, wrong shapes, an unknown channel, a binary frame. */
export const JUNK_FRAMES: readonly (string | Buffer)[] = [
  '{"channel":"trades","data":[{"coin":"BTC","side":"B"',
  'not json at all',
  '{"channel":"bbo","data":{"coin":"BTC"}}',
  '{"channel":"trades","data":[{"coin":"BTC","side":"X","px":"abc","sz":"-1","tid":"7","time":0}]}',
  '{"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[{"px":"NaN","sz":"1","n":1}],[]]}}',
  '{"channel":"mysteryChannel","data":{"x":1}}',
  '[1,2,3]',
  '{"data":{}}',
  Buffer.from([0xde, 0xad, 0xbe, 0xef]),
];

export type FaultRequest =
  | { type: 'drop' }
  | { type: 'silence'; seconds: number }
  | { type: 'malformed'; count: number }
  | { type: 'replayTrades' }
  | { type: 'resendOnSubscribe'; count: number }
  | { type: 'rateLimit'; kind: 'ip' | 'address'; count?: number };

export interface FaultCounters {
  drops: number;
  silences: number;
  junkFramesSent: number;
  tradeReplays: number;
  /** Frames swallowed while silent. */
  framesSuppressed: number;
}

export interface FaultTargets {
  connections(): Iterable<FakeConnection>;
  /** Re-sends each coin's recent trades to its current `trades` subscribers. */
  replayRecentTrades(): void;
  /** The next `count` requests are refused for a rate limit: HTTP 429 ('ip') or the address-limit text. */
  forceRateLimit?(kind: 'ip' | 'address', count: number): void;
}

export class FaultController {
  readonly counters: FaultCounters = {
    drops: 0,
    silences: 0,
    junkFramesSent: 0,
    tradeReplays: 0,
    framesSuppressed: 0,
  };
  /** How many recent trades a new `trades` subscriber receives (the real exchange's replay); 0 = none. */
  resendTradesOnSubscribe: number;
  private silentUntilWallMs = 0;

  constructor(
    private readonly targets: FaultTargets,
    resendTradesOnSubscribe = 30,
    private readonly wallNowMs: () => number = Date.now,
  ) {
    this.resendTradesOnSubscribe = resendTradesOnSubscribe;
  }

  /** Cuts every WebSocket connection abruptly (no close frame: the client sees code 1006). */
  drop(): number {
    let n = 0;
    for (const connection of this.targets.connections()) {
      connection.socket.terminate();
      n++;
    }
    this.counters.drops++;
    return n;
  }

  /**
   * The server goes silent for `seconds`: sockets stay open but nothing is sent — no data, no pongs, no acks —
   * like a half-open connection. The market keeps moving; what happens meanwhile is lost to the clients.
   */
  silence(seconds: number): void {
    this.silentUntilWallMs = Math.max(this.silentUntilWallMs, this.wallNowMs() + seconds * 1000);
    this.counters.silences++;
  }

  get silent(): boolean {
    return this.wallNowMs() < this.silentUntilWallMs;
  }

  /** Sends `count` junk frames (cycling through JUNK_FRAMES) to every connection. */
  malformed(count: number): void {
    for (const connection of this.targets.connections()) {
      for (let i = 0; i < count; i++) {
        connection.socket.send(JUNK_FRAMES[i % JUNK_FRAMES.length]);
        this.counters.junkFramesSent++;
      }
    }
  }

  /** Re-sends recent trades to current subscribers, as a resubscription would. */
  replayTrades(): void {
    this.targets.replayRecentTrades();
    this.counters.tradeReplays++;
  }

  /** The send gate every outgoing frame passes: false while silent. */
  allows(): boolean {
    if (this.silent) {
      this.counters.framesSuppressed++;
      return false;
    }
    return true;
  }

  /** Applies a request from POST /fault; returns an error sentence for a bad one. */
  apply(request: unknown): string | null {
    const r = request as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object') return 'the body must be a JSON object with a "type"';
    const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
    switch (r.type) {
      case 'drop':
        this.drop();
        return null;
      case 'silence':
        if (!positive(r.seconds)) return '"silence" needs "seconds" > 0';
        this.silence(r.seconds as number);
        return null;
      case 'malformed':
        if (!positive(r.count) || !Number.isInteger(r.count)) return '"malformed" needs a whole "count" > 0';
        this.malformed(r.count as number);
        return null;
      case 'replayTrades':
        this.replayTrades();
        return null;
      case 'resendOnSubscribe':
        if (typeof r.count !== 'number' || !Number.isInteger(r.count) || r.count < 0) {
          return '"resendOnSubscribe" needs a whole "count" ≥ 0';
        }
        this.resendTradesOnSubscribe = r.count;
        return null;
      case 'rateLimit': {
        if (r.kind !== 'ip' && r.kind !== 'address') return '"rateLimit" needs "kind": "ip" or "address"';
        const count = r.count ?? 1;
        if (!positive(count) || !Number.isInteger(count)) return '"rateLimit" needs a whole "count" > 0';
        if (this.targets.forceRateLimit === undefined) return 'this server has no order entry to rate-limit';
        this.targets.forceRateLimit(r.kind, count as number);
        return null;
      }
      default:
        return 'unknown fault type; use drop, silence, malformed, replayTrades, resendOnSubscribe or rateLimit';
    }
  }
}
