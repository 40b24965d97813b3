import type { BotView } from '../engine/bot-view.ts';
import type { FlattenRequest, FlattenResult } from '../engine/flatten.ts';

/**
 * forceexit / forcesell (and the dashboard's Flatten button, which posts to forceexit): the body checked as
 * Freqtrade's ForceExitPayload (`tradeid`, `ordertype` "limit" | "market", `amount` in base units), the one flatten
 * of the engine run, and an answer that says what really happened. Kept apart from the route table so every
 * caller of the flatten goes through the same checks and words.
 */
export interface FlattenAnswer {
  code: number;
  body: { result: string } | { detail: string };
}

/** How long the HTTP answer waits for the flatten to end, wall ms (it carries on after; the log says the end). */
export const FLATTEN_ANSWER_WAIT_MS = 30_000;

/** The body → a flatten request, or the one sentence of a 422. */
export function parseForceExitBody(body: unknown): { request: FlattenRequest } | { detail: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { detail: 'The body must be a JSON object such as {"tradeid": "all"}.' };
  const b = body as { tradeid?: unknown; ordertype?: unknown; amount?: unknown };
  if (b.tradeid === undefined || b.tradeid === null || b.tradeid === '')
    return { detail: 'tradeid is required ("all" or a trade id).' };
  const request: FlattenRequest = { origin: 'api' };
  if (b.ordertype !== undefined && b.ordertype !== null) {
    if (b.ordertype !== 'limit' && b.ordertype !== 'market')
      return {
        detail: `ordertype must be "limit" or "market" (got ${JSON.stringify(b.ordertype)}).`,
      };
    request.orderType = b.ordertype;
  }
  if (b.amount !== undefined && b.amount !== null) {
    const amount = typeof b.amount === 'string' && b.amount.trim() !== '' ? Number(b.amount) : b.amount;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0)
      return {
        detail: `amount must be a number of base units greater than 0 (got ${JSON.stringify(b.amount)}).`,
      };
    request.amountBase = amount;
  }
  return { request };
}

/**
 * Runs the flatten and waits (up to `waitMs`) for its end. 200 when the requested size is closed, 409 with what
 * was filled when it is not (the book moved beyond the cap, the exchange refused, attempts ran out), 400 flat,
 * 409 no market data yet, 202 while it still works after `waitMs`.
 */
export async function flattenAnswer(
  view: BotView,
  request: FlattenRequest,
  trade: string | number,
  waitMs = FLATTEN_ANSWER_WAIT_MS,
): Promise<FlattenAnswer> {
  const exit = await view.flatten(request);
  if (!('result' in exit)) {
    if (exit.status === 'flat')
      return { code: 400, body: { detail: 'No open trade: the position is flat.' } };
    if (exit.status === 'too-small')
      return {
        code: 422,
        body: {
          detail: `amount ${request.amountBase} is smaller than one size step of the coin; nothing was sent.`,
        },
      };
    return { code: 409, body: { detail: 'No market data yet to price the exit at; try again shortly.' } };
  }
  const joined =
    exit.status === 'in-flight'
      ? `An exit order for trade ${trade} is already working (${exit.side} ${exit.sz} at ${exit.px}); no second order was sent. `
      : '';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
    timer.unref?.();
  });
  const result: FlattenResult | null = await Promise.race([exit.result, late]);
  clearTimeout(timer);
  if (result === null)
    return {
      code: 202,
      body: {
        result: `${joined}Exit for trade ${trade} still working after ${waitMs / 1000} s (${exit.side} ${exit.sz} at ${exit.px}, reduce-only IOC); the log will say how it ended.`,
      },
    };
  if (result.status === 'done') {
    const created = joined === '' ? `Created exit order for trade ${trade}: ` : `${joined}It ended: `;
    return { code: 200, body: { result: `${created}${result.message}` } };
  }
  return { code: 409, body: { detail: `${joined}Exit for trade ${trade}: ${result.message}` } };
}

/**
 * One answer for flattens on several coins: 200 when every coin's is, else the first refusal's code (409, 400…),
 * 202 when one still works; each coin's sentence after its ticker.
 */
export function combineAnswers(parts: readonly { coin: string; answer: FlattenAnswer }[]): FlattenAnswer {
  const text = (a: FlattenAnswer) => ('result' in a.body ? a.body.result : a.body.detail);
  const joined = parts.map((p) => `${p.coin}: ${text(p.answer)}`).join(' ');
  const refused = parts.find((p) => p.answer.code >= 300);
  if (refused) return { code: refused.answer.code, body: { detail: joined } };
  const working = parts.some((p) => p.answer.code === 202);
  return { code: working ? 202 : 200, body: { result: joined } };
}
