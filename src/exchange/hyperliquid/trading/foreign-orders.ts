import { randomBytes } from 'node:crypto';
import type { FrontendOpenOrder } from '../info-schemas.ts';

/**
 * Telling our orders from another hlmm bot's on the same account. Every hlmm cloid starts with a fixed 4-byte
 * marker ("hlmm" in ASCII), then 4 random bytes chosen once per process, then an 8-byte counter:
 *
 *     0x 686c6d6d 1a2b3c4d 0000000000000007
 *        marker   process  counter
 *
 * The 8-byte process prefix (marker + random) of each live run is stored in the bot's database, so at start-up
 * an order on the account whose prefix this database knows is an orphan of one of our earlier runs (cancelled),
 * while a marked order with an unknown prefix belongs to another running hlmm bot (refused: never cancelled).
 * Assumes no other software picks cloids starting with the same 4 bytes (a 2^-32 chance for random ones).
 */
export const HLMM_CLOID_MARKER = '686c6d6d';

/** A new process prefix: the marker followed by 4 random bytes (8 bytes, as createCloidSource wants). */
export function newCloidPrefix(): Uint8Array {
  return Buffer.concat([Buffer.from(HLMM_CLOID_MARKER, 'hex'), randomBytes(4)]);
}

export function prefixHex(prefix: Uint8Array): string {
  return `0x${Buffer.from(prefix).toString('hex')}`;
}

/** The process prefix ("0x" + 16 hex) of an hlmm cloid, or null for any other cloid (or none). */
export function cloidPrefixOf(cloid: string | null | undefined): string | null {
  if (typeof cloid !== 'string') return null;
  const c = cloid.toLowerCase();
  if (!/^0x[0-9a-f]{32}$/.test(c) || !c.startsWith(`0x${HLMM_CLOID_MARKER}`)) return null;
  return c.slice(0, 18);
}

/** True for an order placed by another hlmm process: marked, with a prefix not in `ours`. */
export function isForeignBotOrder(cloid: string | null | undefined, ours: ReadonlySet<string>): boolean {
  const p = cloidPrefixOf(cloid);
  return p !== null && !ours.has(p);
}

export interface ForeignOrders {
  orders: FrontendOpenOrder[];
  prefixes: string[];
  /** The newest placement or modification among them (the other bot's heartbeat), exchange ms. */
  newestMs: number;
}

/** Another hlmm bot's open orders on `coin` among `open`, or null when there is none. */
export function foreignBotOrders(
  open: readonly FrontendOpenOrder[],
  coin: string,
  ours: ReadonlySet<string>,
): ForeignOrders | null {
  const orders = open.filter((o) => o.coin === coin && isForeignBotOrder(o.cloid, ours));
  if (orders.length === 0) return null;
  const prefixes = [...new Set(orders.map((o) => cloidPrefixOf(o.cloid) as string))];
  const newestMs = Math.max(...orders.map((o) => o.timestamp));
  return { orders, prefixes, newestMs };
}

/** The start-up refusal: one sentence naming the other bot's orders and what to do. */
export function foreignBotSentence(
  f: ForeignOrders,
  where: { coin: string; account: string; dbFile: string; nowMs: number },
): string {
  const ageS = Math.max(0, Math.round((where.nowMs - f.newestMs) / 1000));
  return (
    `another hlmm bot is trading ${where.coin} on account ${where.account}: ${f.orders.length} open order(s) ` +
    `with cloid prefix ${f.prefixes.join(', ')} (newest placed or modified ${ageS} s ago) that the database ` +
    `"${where.dbFile}" does not know; not cancelling them: stop that bot first (if it died, its dead man's switch ` +
    'cancels them within its horizon), or trade another coin or account.'
  );
}
