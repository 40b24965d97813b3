/**
 * forceexit / forcesell: Freqtrade's ForceExitPayload checked (422 {"detail": …} for a bad ordertype or amount),
 * ordertype and a partial amount passed to the one flatten, and an answer that says what really happened — a
 * flatten that did not get done is a 409 with what was filled, never "Created exit order".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseForceExitBody } from '../../src/api/flatten-request.ts';
import type { FlattenOutcome } from '../../src/engine/flatten.ts';
import { startTestServer, type TestServer } from '../support/api-bot-double.ts';

describe('forceexit body and answers', () => {
  let s: TestServer;
  const post = (path: string, body: unknown) =>
    fetch(`${s.server.url}/api/v1/${path}`, {
      method: 'POST',
      headers: { authorization: s.basic, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  before(async () => {
    s = await startTestServer();
    s.view.accountState = { ...s.view.accountState, positionBase: 0.003 };
  });
  after(async () => {
    await s.close();
  });

  it('refuses an ordertype other than limit/market and an amount that is not a number > 0 (422 with detail)', async () => {
    const bogus = await post('forceexit', { tradeid: 'all', ordertype: 'bogus' });
    assert.equal(bogus.status, 422);
    assert.deepEqual(await bogus.json(), { detail: 'ordertype must be "limit" or "market" (got "bogus").' });
    for (const amount of [0, -1, 'x', true]) {
      const r = await post('forcesell', { tradeid: 'all', amount });
      assert.equal(r.status, 422, String(amount));
      assert.match(((await r.json()) as { detail: string }).detail, /^amount must be a number of base units/);
    }
    assert.deepEqual(s.view.flattenRequests, [], 'nothing reached the bot');
  });

  it('passes ordertype and a partial amount (a numeric string too) to the flatten', async () => {
    assert.equal(
      (await post('forceexit', { tradeid: 'all', ordertype: 'market', amount: 0.001 })).status,
      200,
    );
    assert.equal(
      (await post('forceexit', { tradeid: 'all', ordertype: 'limit', amount: '0.002' })).status,
      200,
    );
    assert.deepEqual(s.view.flattenRequests, [
      { origin: 'api', orderType: 'market', amountBase: 0.001 },
      { origin: 'api', orderType: 'limit', amountBase: 0.002 },
    ]);
  });

  it('a flatten that missed and hit the cap answers 409 with what was filled, not "Created exit order"', async () => {
    const capped = {
      ...s.view.flattenResult,
      status: 'capped' as const,
      filledBase: 0,
      avgPx: null,
      positionBase: 0.003,
      message:
        'filled 0 of 0.003 (1 reduce-only IOC order, limit); not flat: the book moved beyond the 50 bps cap (bid 99400, cap 99500); position now 0.003.',
    };
    s.view.flattenOutcome = {
      ...(s.view.flattenOutcome as FlattenOutcome & { status: 'sent' }),
      result: Promise.resolve(capped),
    };
    const r = await post('forceexit', { tradeid: 'all' });
    assert.equal(r.status, 409);
    const body = (await r.json()) as { detail: string };
    assert.equal(
      body.detail,
      'Exit for trade all: filled 0 of 0.003 (1 reduce-only IOC order, limit); not flat: the book moved beyond the 50 bps cap (bid 99400, cap 99500); position now 0.003.',
    );
    assert.doesNotMatch(body.detail, /Created exit order/);
  });

  it('the body check on its own', () => {
    assert.deepEqual(parseForceExitBody({ tradeid: 3 }), { request: { origin: 'api' } });
    assert.deepEqual(parseForceExitBody([]), {
      detail: 'The body must be a JSON object such as {"tradeid": "all"}.',
    });
    assert.deepEqual(parseForceExitBody({}), { detail: 'tradeid is required ("all" or a trade id).' });
  });
});
