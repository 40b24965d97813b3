/**
 * Our /info parsers (src/exchange/hyperliquid/info-schemas.ts) accept both the real recorded responses
 * (../shared/data/hyperliquid/api-responses, copied to test/fixtures/) — an older API version — and the current
 * docs' shapes, here answers of the fake exchange, which the conformance test checks against the SDK's types.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { z } from 'zod';
import {
  allMidsSchema,
  clearinghouseStateSchema,
  frontendOpenOrdersSchema,
  l2BookSchema,
  metaAndAssetCtxsSchema,
  metaSchema,
  openOrdersSchema,
  userFillsSchema,
  userFundingSchema,
  userRateLimitSchema,
} from '../../../src/exchange/hyperliquid/info-schemas.ts';
import { startFakeExchange } from '../../../src/fake-exchange/server.ts';
import { postJson, sdkClients } from '../../support/hl-sdk-client.ts';
import { sdkErrors } from '../../support/hl-sdk-schemas.ts';
import { REPO_ROOT } from '../../support/repo-root.ts';

const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'hyperliquid', 'api-responses');
const FIXTURES = existsSync(SHARED) ? SHARED : 'test/fixtures/hyperliquid/api-responses';
const SAMPLE = new URL('../../../data/sample', import.meta.url).pathname;

const SCHEMAS: Record<string, z.ZodType> = {
  meta: metaSchema,
  allMids: allMidsSchema,
  l2Book: l2BookSchema,
  openOrders: openOrdersSchema,
  frontendOpenOrders: frontendOpenOrdersSchema,
  clearinghouseState: clearinghouseStateSchema,
  userFills: userFillsSchema,
  userRateLimit: userRateLimitSchema,
};

test('the recorded real responses parse (an older API version: no tid, feeToken, marginTables…)', () => {
  for (const [type, schema] of Object.entries(SCHEMAS)) {
    const file = join(FIXTURES, `info-${type}.json`);
    const { response } = JSON.parse(readFileSync(file, 'utf8'));
    const parsed = schema.safeParse(response);
    assert.ok(parsed.success, `${type}: ${parsed.success ? '' : parsed.error.message}`);
  }
  // The recorded fills predate twapId and feeToken; the recorded positions carry maxTradeSzs, since dropped.
  const fills = JSON.parse(readFileSync(join(FIXTURES, 'info-userFills.json'), 'utf8')).response;
  assert.equal(fills[0].twapId, undefined);
});

test("the docs' current shapes parse, new fields kept (fills twapId, meta marginTables…)", async () => {
  const address = sdkClients('http://127.0.0.1:1').address;
  const ex = await startFakeExchange({
    dataDir: SAMPLE,
    symbols: ['BTC'],
    speed: 50,
    trading: { accounts: [{ address }] },
  });
  try {
    const sdk = sdkClients(ex.url);
    while (ex.markets.get('BTC')?.mid() == null) await new Promise((r) => setTimeout(r, 20));
    const mid = ex.markets.get('BTC')!.mid()!;
    const ask = String(Math.ceil(mid * 1.01));
    await sdk.exchange.order({
      orders: [{ a: 0, b: true, p: ask, s: '0.001', r: false, t: { limit: { tif: 'Ioc' } } }],
      grouping: 'na',
    });
    await sdk.exchange.order({
      orders: [
        {
          a: 0,
          b: true,
          // 20 % under the mid: the replay (50×, jumping the sample's gaps) never trades down there, so the
          // order rests and the only fill is the IOC’s (at 5 % under, a run once saw 10 fills where 1 was expected).
          p: String(Math.floor(mid * 0.8)),
          s: '0.001',
          r: false,
          t: { limit: { tif: 'Alo' } },
        },
      ],
      grouping: 'na',
    });
    const post = async (body: Record<string, unknown>) => (await postJson(`${ex.url}/info`, body)).json;
    const bodies: Record<string, Record<string, unknown>> = {
      meta: { type: 'meta' },
      allMids: { type: 'allMids' },
      l2Book: { type: 'l2Book', coin: 'BTC' },
      openOrders: { type: 'openOrders', user: address },
      frontendOpenOrders: { type: 'frontendOpenOrders', user: address },
      clearinghouseState: { type: 'clearinghouseState', user: address },
      userFills: { type: 'userFills', user: address },
      userRateLimit: { type: 'userRateLimit', user: address },
    };
    for (const [type, schema] of Object.entries(SCHEMAS)) {
      const parsed = schema.safeParse(await post(bodies[type]));
      assert.ok(parsed.success, `${type}: ${parsed.success ? '' : parsed.error.message}`);
    }
    const fills = userFillsSchema.parse(await post(bodies.userFills));
    assert.equal(fills.length, 1);
    assert.equal(fills[0].twapId, null);
    assert.equal(typeof fills[0].tid, 'number');
    const meta = metaSchema.parse(await post(bodies.meta));
    assert.equal(meta.universe[0].marginTableId, 50);
    assert.equal(meta.collateralToken, 0);
    assert.ok((meta.marginTables ?? []).length > 0);
    const rl = userRateLimitSchema.parse(await post(bodies.userRateLimit));
    assert.equal(rl.nRequestsSurplus, 0);
    const ctxs = await post({ type: 'metaAndAssetCtxs' });
    assert.ok(metaAndAssetCtxsSchema.safeParse(ctxs).success);
    assert.deepEqual(sdkErrors('info', 'MetaAndAssetCtxsResponse', ctxs), []);
    assert.ok(
      userFundingSchema.safeParse(await post({ type: 'userFunding', user: address, startTime: 0 })).success,
    );
  } finally {
    await ex.close();
  }
});
