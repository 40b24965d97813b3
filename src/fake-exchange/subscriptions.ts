/**
 * WebSocket connections of the fake exchange and what each one subscribed to. Subscription *types* are
 * registered (bbo, trades, l2Book today; orderUpdates, userFills, user later), each with its validation and the
 * snapshot the real exchange sends right after the ack; pushes are routed by subscription key ("trades:BTC").
 */
import WebSocket from 'ws';
import { channelFrame, type Subscription, subscriptionKey } from '../exchange/hyperliquid/ws-messages.ts';

/** One client socket. `send` is the only way frames leave the server, so faults and taps see everything. */
export class FakeConnection {
  readonly subscriptions = new Map<string, Subscription>();
  /** Wall ms of the last frame received from the client (the server's idle timeout reads it). */
  lastHeardMs = Date.now();

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    private readonly gate: (connection: FakeConnection, frame: string) => boolean,
  ) {}

  /** Sends a text frame unless a fault swallows it; false when it was not sent. */
  send(frame: string): boolean {
    if (this.socket.readyState !== WebSocket.OPEN || !this.gate(this, frame)) return false;
    this.socket.send(frame);
    return true;
  }
}

export interface SubscriptionType {
  /** Checks the body; returns an error sentence (sent back on the `error` channel) or null when valid. */
  validate(subscription: Subscription): string | null;
  /** Frames sent right after the ack: the current state the real exchange pushes to a new subscriber. */
  snapshot?(subscription: Subscription, connection: FakeConnection): string[];
}

export class SubscriptionRegistry {
  private readonly types = new Map<string, SubscriptionType>();
  private readonly subscribers = new Map<string, Set<FakeConnection>>();

  registerType(type: string, definition: SubscriptionType): void {
    this.types.set(type, definition);
  }

  /** Handles a subscribe request: ack + snapshot, or an error frame (the real exchange's wording). */
  subscribe(connection: FakeConnection, subscription: Subscription): void {
    const definition = this.types.get(subscription.type);
    const error = definition === undefined ? 'Invalid subscription' : definition.validate(subscription);
    if (error !== null) {
      connection.send(channelFrame('error', `${error} ${JSON.stringify(subscription)}`));
      return;
    }
    const key = subscriptionKey(subscription);
    if (connection.subscriptions.has(key)) {
      connection.send(channelFrame('error', `Already subscribed: ${JSON.stringify(subscription)}`));
      return;
    }
    connection.subscriptions.set(key, subscription);
    let set = this.subscribers.get(key);
    if (set === undefined) this.subscribers.set(key, (set = new Set()));
    set.add(connection);
    connection.send(channelFrame('subscriptionResponse', { method: 'subscribe', subscription }));
    for (const frame of definition!.snapshot?.(subscription, connection) ?? []) connection.send(frame);
  }

  unsubscribe(connection: FakeConnection, subscription: Subscription): void {
    const key = subscriptionKey(subscription);
    if (!connection.subscriptions.delete(key)) {
      connection.send(channelFrame('error', `Already unsubscribed: ${JSON.stringify(subscription)}`));
      return;
    }
    this.subscribers.get(key)?.delete(connection);
    connection.send(channelFrame('subscriptionResponse', { method: 'unsubscribe', subscription }));
  }

  /** Forgets a closed connection. */
  remove(connection: FakeConnection): void {
    for (const key of connection.subscriptions.keys()) this.subscribers.get(key)?.delete(connection);
    connection.subscriptions.clear();
  }

  /** Sends `frame` (serialised once) to every subscriber of `key`; returns how many got it. */
  publish(key: string, frame: string): number {
    const set = this.subscribers.get(key);
    if (set === undefined) return 0;
    let sent = 0;
    for (const connection of set) if (connection.send(frame)) sent++;
    return sent;
  }

  /**
   * Sends each subscriber of `key` the frame its own subscription asks for (l2Book with nSigFigs/mantissa);
   * `frameFor` is called once per subscriber and may cache by the subscription's parameters.
   */
  publishEach(key: string, frameFor: (subscription: Subscription) => string): number {
    const set = this.subscribers.get(key);
    if (set === undefined) return 0;
    let sent = 0;
    for (const connection of set) {
      const subscription = connection.subscriptions.get(key);
      if (subscription !== undefined && connection.send(frameFor(subscription))) sent++;
    }
    return sent;
  }

  subscribersOf(key: string): ReadonlySet<FakeConnection> {
    return this.subscribers.get(key) ?? new Set();
  }
}
