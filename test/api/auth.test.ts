import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  assertSafeBinding,
  constantTimeEqual,
  isLoopbackHost,
  LoginThrottle,
  parseBasicAuth,
} from '../../src/api/auth.ts';
import { startApiServer } from '../../src/api/server.ts';
import { isUserError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/log.ts';
import { openStore } from '../../src/store/trade-store.ts';
import {
  BotDouble,
  startTestServer,
  TEST_JWT_SECRET,
  TEST_PASSWORD,
  TEST_USER,
  type TestServer,
} from '../support/api-bot-double.ts';

const basicOf = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('api auth: pure parts', () => {
  it('recognises loopback addresses only', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });

  it('refuses a non-loopback address with an empty or default password or secret, with one sentence', () => {
    const strongSecret = 'f3c1a9e07b52d8846e1f0a3b9c7d2e5a';
    const strongPassword = 'a strong one! 42';
    assert.throws(
      () => assertSafeBinding('0.0.0.0', '', strongSecret),
      (e) => isUserError(e) && /api_server\.password/.test(e.message) && /0\.0\.0\.0/.test(e.message),
    );
    assert.throws(
      () => assertSafeBinding('0.0.0.0', 'SuperSecurePassword', strongSecret),
      (e) => isUserError(e) && /password/.test(e.message),
    );
    assert.throws(
      () => assertSafeBinding('192.168.1.5', strongPassword, 'super-secret'),
      (e) => isUserError(e) && /jwt_secret_key/.test(e.message),
    );
    assert.throws(() => assertSafeBinding('192.168.1.5', strongPassword, 'short-secret'), isUserError);
    // Found by a probe: all three used to be accepted on 0.0.0.0.
    assert.throws(
      () => assertSafeBinding('0.0.0.0', 'a', strongSecret),
      (e) => isUserError(e) && /api_server\.password/.test(e.message),
    );
    assert.throws(
      () => assertSafeBinding('0.0.0.0', strongPassword, '1234567890123456'),
      (e) => isUserError(e) && /jwt_secret_key/.test(e.message),
    );
    assert.throws(
      () => assertSafeBinding('0.0.0.0', strongPassword, strongSecret, { wsTokens: ['a'] }),
      (e) => isUserError(e) && /ws_token/.test(e.message),
    );
    assert.throws(
      () => assertSafeBinding('0.0.0.0', 'hlmm-operator-7', strongSecret, { username: 'hlmm-operator-7' }),
      (e) => isUserError(e) && /not the user name/.test(e.message),
    );
    assert.throws(() => assertSafeBinding('0.0.0.0', 'x'.repeat(40), strongSecret), isUserError);
    assert.throws(() => assertSafeBinding('0.0.0.0', strongPassword, 'ab'.repeat(32)), isUserError);
    // Loopback tolerates defaults; a strong set is fine anywhere.
    assert.doesNotThrow(() => assertSafeBinding('127.0.0.1', '', ''));
    assert.doesNotThrow(() => assertSafeBinding('0.0.0.0', strongPassword, strongSecret));
    assert.doesNotThrow(() =>
      assertSafeBinding('0.0.0.0', strongPassword, strongSecret, { wsTokens: ['9d41c0e2a7b35f68'] }),
    );
  });

  it('parses Basic credentials, with a colon allowed in the password', () => {
    assert.deepEqual(parseBasicAuth(basicOf('u', 'p:w')), { username: 'u', password: 'p:w' });
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth(undefined), null);
  });

  it('compares strings in constant time, whatever their lengths', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
  });

  it('slows failed logins per address and user name with a growing delay of at most 8 s; a success clears it', () => {
    let now = 0;
    const t = new LoginThrottle({ now: () => now });
    for (let i = 0; i < 4; i++) t.recordFailure('1.2.3.4', 'ops');
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 0, 'the first failures cost nothing');
    now = 10_000;
    t.recordFailure('1.2.3.4', 'ops'); // 5th: 1 s
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 1_000);
    // Another address, or another user name from this address, is not slowed by these failures.
    assert.equal(t.retryAfterMs('5.6.7.8', 'ops'), 0);
    assert.equal(t.retryAfterMs('1.2.3.4', 'someone-else'), 0);
    now = 11_000;
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 0, 'the owner waits a second, not a minute');
    t.recordFailure('1.2.3.4', 'ops'); // 6th: 2 s
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 2_000);
    for (let i = 0; i < 10; i++) t.recordFailure('1.2.3.4', 'ops');
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 8_000, 'never more than a few seconds');
    t.recordSuccess('1.2.3.4', 'ops');
    assert.equal(t.retryAfterMs('1.2.3.4', 'ops'), 0);
    // Failures older than the 15-minute window are forgotten.
    for (let i = 0; i < 6; i++) t.recordFailure('9.9.9.9', 'ops');
    now += 15 * 60_000 + 1;
    assert.equal(t.retryAfterMs('9.9.9.9', 'ops'), 0);
  });
});

describe('api auth over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });
  const get = (path: string, authorization?: string) =>
    fetch(`${s.server.url}${path}`, { headers: authorization ? { authorization } : {} });
  const post = (path: string, authorization?: string) =>
    fetch(`${s.server.url}${path}`, { method: 'POST', headers: authorization ? { authorization } : {} });

  it('serves /ping without credentials and nothing else', async () => {
    const ping = await get('/api/v1/ping');
    assert.equal(ping.status, 200);
    assert.deepEqual(await ping.json(), { status: 'pong' });
    for (const path of ['/api/v1/profit', '/api/v1/show_config', '/api/v1/hlmm/snapshot', '/api/v1/trades']) {
      const res = await get(path);
      assert.equal(res.status, 401, path);
    }
    assert.equal((await post('/api/v1/stop')).status, 401);
    assert.deepEqual(s.view.calls, []);
  });

  it('refuses a wrong password at login and on private endpoints', async () => {
    const login = await post('/api/v1/token/login', basicOf(TEST_USER, 'wrong'));
    assert.equal(login.status, 401);
    assert.deepEqual(await login.json(), { detail: 'Incorrect username or password' });
    assert.equal((await get('/api/v1/profit', basicOf('someone', TEST_PASSWORD))).status, 401);
  });

  it('logs in with Basic, then accepts the access token as Bearer; Basic works too', async () => {
    const login = await post('/api/v1/token/login', s.basic);
    assert.equal(login.status, 200);
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
    const withBearer = await get('/api/v1/version', `Bearer ${tokens.access_token}`);
    assert.equal(withBearer.status, 200);
    assert.deepEqual(await withBearer.json(), { version: '0.1.0' });
    const withBasic = await get('/api/v1/version', s.basic);
    assert.equal(withBasic.status, 200);
  });

  it('issues 15-minute access and 30-day refresh tokens in Freqtrade layout', async () => {
    const login = await post('/api/v1/token/login', s.basic);
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    const decode = (t: string) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
    const a = decode(tokens.access_token);
    const r = decode(tokens.refresh_token);
    assert.deepEqual(a.identity, { u: TEST_USER });
    assert.equal(a.type, 'access');
    assert.equal(a.exp - a.iat, 15 * 60);
    assert.equal(r.type, 'refresh');
    assert.equal(r.exp - r.iat, 30 * 24 * 3600);
  });

  it('accepts a refresh token only at /token/refresh, which returns a working access token', async () => {
    const tokens = (await (await post('/api/v1/token/login', s.basic)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    assert.equal((await get('/api/v1/version', `Bearer ${tokens.refresh_token}`)).status, 401);
    assert.equal((await post('/api/v1/token/refresh', `Bearer ${tokens.access_token}`)).status, 401);
    assert.equal((await post('/api/v1/token/refresh')).status, 401);
    const refreshed = await post('/api/v1/token/refresh', `Bearer ${tokens.refresh_token}`);
    assert.equal(refreshed.status, 200);
    const body = (await refreshed.json()) as { access_token: string };
    assert.deepEqual(Object.keys(body), ['access_token']);
    assert.equal((await get('/api/v1/version', `Bearer ${body.access_token}`)).status, 200);
  });

  it('refuses an expired token and one signed with another secret', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const sign = (secret: string, exp: number) =>
      new SignJWT({ identity: { u: TEST_USER }, type: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(exp - 900)
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
    const expired = await sign(TEST_JWT_SECRET, nowS - 60);
    const res = await get('/api/v1/version', `Bearer ${expired}`);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { detail: 'Could not validate credentials' });
    const forged = await sign('another-secret-another-secret-000', nowS + 600);
    assert.equal((await get('/api/v1/version', `Bearer ${forged}`)).status, 401);
    const valid = await sign(TEST_JWT_SECRET, nowS + 600);
    assert.equal((await get('/api/v1/version', `Bearer ${valid}`)).status, 200);
  });
});

describe('api auth: failed-login rate limit', () => {
  it('answers 429 after 5 failed logins for a user from one address, also to the right password, for a second only', async () => {
    // The throttle's clock is the test's: the answers do not depend on how fast this machine is.
    let now = 1_000_000;
    const s = await startTestServer({ loginThrottle: new LoginThrottle({ now: () => now }) });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${s.server.url}/api/v1/token/login`, {
          method: 'POST',
          headers: { authorization: basicOf(TEST_USER, `guess-${i}`) },
        });
        assert.equal(res.status, 401);
      }
      const blocked = await fetch(`${s.server.url}/api/v1/token/login`, {
        method: 'POST',
        headers: { authorization: s.basic },
      });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.headers.get('retry-after'), '1');
      // Basic on a private endpoint is throttled too (it is also a password guess).
      const viaBasic = await fetch(`${s.server.url}/api/v1/version`, { headers: { authorization: s.basic } });
      assert.equal(viaBasic.status, 429);
      // Another user name from the same address is not locked out by these failures.
      const other = await fetch(`${s.server.url}/api/v1/token/login`, {
        method: 'POST',
        headers: { authorization: basicOf('someone-else', 'x') },
      });
      assert.equal(other.status, 401);
      // A second later the owner's correct password works (it used to be locked out for a minute).
      now += 1_000;
      const again = await fetch(`${s.server.url}/api/v1/token/login`, {
        method: 'POST',
        headers: { authorization: s.basic },
      });
      assert.equal(again.status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('api auth: refusing unsafe exposure', () => {
  it('does not start on 0.0.0.0 with a default password, and says why', async () => {
    const store = openStore(':memory:');
    try {
      await assert.rejects(
        startApiServer({
          view: new BotDouble(),
          store,
          host: '0.0.0.0',
          port: 0,
          username: 'freqtrader',
          password: 'SuperSecurePassword',
          jwtSecret: 'somethingrandom',
          corsOrigins: [],
          logger: createLogger({ component: 'test', quiet: true }),
        }),
        (e) => isUserError(e) && /password/.test(e.message) && /127\.0\.0\.1/.test(e.message),
      );
    } finally {
      store.close();
    }
  });

  it('never writes the password or a token to its log file', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'hlmm-api-')), 'api.log');
    const store = openStore(':memory:');
    const server = await startApiServer({
      view: new BotDouble(),
      store,
      host: '127.0.0.1',
      port: 0,
      username: TEST_USER,
      password: TEST_PASSWORD,
      jwtSecret: TEST_JWT_SECRET,
      corsOrigins: [],
      logger: createLogger({ component: 'api', quiet: true, file }),
    });
    try {
      const res = await fetch(`${server.url}/api/v1/token/login`, {
        method: 'POST',
        headers: { authorization: basicOf(TEST_USER, TEST_PASSWORD) },
      });
      const { access_token } = (await res.json()) as { access_token: string };
      await fetch(`${server.url}/api/v1/token/login`, {
        method: 'POST',
        headers: { authorization: basicOf(TEST_USER, 'wrong-guess') },
      });
      await fetch(`${server.url}/api/v1/stop`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
      });
      const log = readFileSync(file, 'utf8');
      assert.match(log, /api login refused/);
      assert.match(log, /api: stop quoting/);
      for (const secret of [TEST_PASSWORD, 'wrong-guess', TEST_JWT_SECRET, access_token]) {
        assert.equal(log.includes(secret), false, `log contains ${secret.slice(0, 8)}…`);
      }
    } finally {
      await server.close();
      store.close();
    }
  });
});

describe('api CORS', () => {
  it('lets only the configured origins call the API from a browser', async () => {
    const s = await startTestServer({ corsOrigins: ['http://localhost:8080'] });
    try {
      const preflight = (origin: string) =>
        fetch(`${s.server.url}/api/v1/profit`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const allowed = await preflight('http://localhost:8080');
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://localhost:8080');
      const other = await preflight('http://evil.example');
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    } finally {
      await s.close();
    }
  });
});
