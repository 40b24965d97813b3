/**
 * Errors of the Hyperliquid HTTP clients. None of them ever carries a request body (it holds a signature) or a key:
 * messages name the endpoint and what went wrong.
 */

/** Base class, so callers can tell exchange trouble from bugs. */
export class HyperliquidApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HyperliquidApiError';
  }
}

/**
 * Rate limited: HTTP 429 after the retries ran out, or the exchange refused an action for the address-based limit.
 * `retryAfterMs` is how long the client now waits before its next request.
 */
export class RateLimitedError extends HyperliquidApiError {
  readonly retryAfterMs: number;
  readonly kind: 'ip' | 'address';
  constructor(message: string, retryAfterMs: number, kind: 'ip' | 'address') {
    super(message);
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
    this.kind = kind;
  }
}

/** A non-2xx HTTP answer other than 429 (status kept, body excerpt kept short). */
export class HttpStatusError extends HyperliquidApiError {
  readonly status: number;
  constructor(path: string, status: number, bodyExcerpt: string) {
    super(`POST ${path} answered HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`);
    this.name = 'HttpStatusError';
    this.status = status;
  }
}

/** Network failure or timeout: the request may or may not have reached the exchange. */
export class TransportError extends HyperliquidApiError {
  constructor(path: string, cause: unknown) {
    super(`POST ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TransportError';
  }
}

/** The response was not the documented shape (zod said why). */
export class ResponseShapeError extends HyperliquidApiError {
  constructor(what: string, detail: string) {
    super(`unexpected ${what} response: ${detail}`);
    this.name = 'ResponseShapeError';
  }
}

/**
 * The exchange refused the whole action ({"status":"err","response":"…"}): nothing in it was executed. Per-order
 * rejections inside an accepted batch are statuses, not this error.
 */
export class ActionRejectedError extends HyperliquidApiError {
  readonly actionType: string;
  readonly reason: string;
  constructor(actionType: string, reason: string) {
    super(`${actionType} rejected by the exchange: ${reason}`);
    this.name = 'ActionRejectedError';
    this.actionType = actionType;
    this.reason = reason;
  }
}
