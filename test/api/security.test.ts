// The API's front door: no spelling of a path gets past the login, control endpoints take JSON only, the Host
// header must name this server, and tokens must be exactly what this server issues.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { bodyTypeProblem, isAllowedHost, requestPath } from '../../src/api/request-guard.ts';
import {
  BotDouble,
  startTestServer,
  TEST_JWT_SECRET,
  TEST_USER,
  type TestServer,
} from '../support/api-bot-double.ts';

interface RawAnswer {
  status: number;
  body: string;
}

/** An HTTP request with the path sent byte for byte (fetch would normalise dot segments and backslashes). */
function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Every way a path can be spelled so that some router, file server or proxy reads it as the same path. */
function spellings(path: string): string[] {
  const [, first, ...rest] = path.split('/');
  const tail = rest.join('/');
  const encodeChar = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const encodeAll = (s: string) => [...s].map((c) => (/[a-z0-9_]/i.test(c) ? encodeChar(c) : c)).join('');
  return [
    path,
    `/%61${first.slice(1)}/${tail}`, // one letter percent-encoded: the bypass the probe found
    `/%41${first.slice(1)}/${tail}`, // upper-case escape
    `/%2561${first.slice(1)}/${tail}`, // double-encoded
    `/${first}/${encodeAll(tail)}`, // every letter of the rest encoded
    `/${first.toUpperCase()}/${tail}`, // mixed case
    `/Api/${tail.toUpperCase()}`,
    `${path}/`, // trailing slash
    `/${first}//${tail}`, // doubled slash
    `/${first}/./${tail}`, // dot segment
    `/x/../${first}/${tail}`,
    `/${first}%2f${tail}`, // encoded slash
    `/${first}%2F${tail}`,
    `/${first}\\${tail}`,
    `${path}?x=1`,
    `${path}%3Fx=1`,
    `${path};x=1`,
  ];
}

describe('api security: the login cannot be walked around', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ wsToken: 'ws-token-for-the-test-0123' });
  });
  after(async () => {
    await s.close();
  });

  it('answers 401 to every private route in every spelling, without credentials, and runs nothing', async () => {
    const publicRoutes = new Set(['/api/v1/ping', '/api/v1/token/login', '/api/v1/token/refresh']);
    const routes = s.server.routes.filter((r) => r.url.startsWith('/api/') && !publicRoutes.has(r.url));
    // The sweep covers every route the server has: a new endpoint is swept without editing this test.
    assert.ok(routes.length >= 40, `only ${routes.length} routes found`);
    let checked = 0;
    for (const r of routes) {
      if (r.method === 'OPTIONS') continue;
      const path = r.url.replace(/:[a-z_]+/g, '1');
      for (const p of spellings(path)) {
        const res = await rawRequest(s.server.url, { method: r.method, path: p });
        assert.equal(res.status, 401, `${r.method} ${p} answered ${res.status}: ${res.body.slice(0, 80)}`);
        checked++;
      }
    }
    assert.ok(checked > 500, `${checked} requests`);
    assert.deepEqual(s.view.calls, [], 'a control call got through');
  });

  it('opens neither WebSocket on an encoded path without a token', async () => {
    const wsUrl = s.server.url.replace('http', 'ws');
    for (const path of [
      '/%61pi/v1/message/ws',
      '/api/v1/hlmm/%77s',
      '/API/v1/message/ws',
      '/api/v1/hlmm/ws/',
    ]) {
      const outcome = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${wsUrl}${path}`);
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => resolve('error'));
      });
      assert.equal(outcome, '401', path);
    }
  });

  it('refuses malformed paths with 400 even with credentials, and serves the plain path', async () => {
    for (const p of ['/api/v1/./version', '/api//v1/version', '/api/v1%2fversion', '/api/v1/%2576ersion']) {
      const res = await rawRequest(s.server.url, { path: p, headers: { authorization: s.basic } });
      assert.equal(res.status, 400, p);
      assert.match(JSON.parse(res.body).detail, /^Bad request path/);
    }
    const ok = await rawRequest(s.server.url, {
      path: '/api/v1/version',
      headers: { authorization: s.basic },
    });
    assert.equal(ok.status, 200);
    // The router's own decoding still works for a client that encodes a plain letter.
    const encoded = await rawRequest(s.server.url, {
      path: '/%61pi/v1/version',
      headers: { authorization: s.basic },
    });
    assert.equal(encoded.status, 200);
    // Public routes in their own spelling only.
    assert.equal((await rawRequest(s.server.url, { path: '/api/v1/ping' })).status, 200);
    // Any other spelling of it is not the public route: credentials first, like every API path.
    assert.equal((await rawRequest(s.server.url, { path: '/api/v1/./ping' })).status, 401);
  });
});

describe('api security: control endpoints take JSON only', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('refuses text/plain and form bodies with 415 (what a cross-site page can send) and runs nothing', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      for (const path of ['/api/v1/stop', '/api/v1/start', '/api/v1/forceexit', '/api/v1/reload_config']) {
        const res = await rawRequest(s.server.url, {
          method: 'POST',
          path,
          headers: { authorization: s.basic, 'content-type': type },
          body: '{"tradeid":"all"}',
        });
        assert.equal(res.status, 415, `${type} ${path}`);
      }
    }
    const untyped = await rawRequest(s.server.url, {
      method: 'POST',
      path: '/api/v1/stop',
      headers: { authorization: s.basic, 'content-length': '2' },
      body: '{}',
    });
    assert.equal(untyped.status, 415, 'a body without a content type');
    assert.deepEqual(s.view.calls, []);
    const json = await rawRequest(s.server.url, {
      method: 'POST',
      path: '/api/v1/stop',
      headers: { authorization: s.basic, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 200);
    const bare = await rawRequest(s.server.url, {
      method: 'POST',
      path: '/api/v1/start',
      headers: { authorization: s.basic },
    });
    assert.equal(bare.status, 200, 'a POST with no body (Freqtrade clients) still works');
    assert.equal(s.view.calls.length, 2);
    assert.match(s.view.calls[0], /^stopQuoting:/);
    assert.equal(s.view.calls[1], 'startQuoting');
  });
});

describe('api security: the Host header must name this server', () => {
  it('refuses a foreign name (DNS rebinding) and accepts IP literals, localhost and configured names', async () => {
    const s = await startTestServer({ allowedHosts: ['localhost', 'bot.example.lan'] });
    try {
      const port = new URL(s.server.url).port;
      const ask = (host: string) =>
        rawRequest(s.server.url, { path: '/api/v1/version', headers: { host, authorization: s.basic } });
      for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.nip.example:${port}`]) {
        const res = await ask(host);
        assert.equal(res.status, 403, host);
        assert.match(JSON.parse(res.body).detail, /Host header not allowed/);
      }
      // Even the public ping: a rebinding page must not learn that a bot is there.
      const ping = await rawRequest(s.server.url, {
        path: '/api/v1/ping',
        headers: { host: 'attacker.example' },
      });
      assert.equal(ping.status, 403);
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `LOCALHOST:${port}`,
        'bot.example.lan',
        '[::1]:1',
      ]) {
        assert.equal((await ask(host)).status, 200, host);
      }
    } finally {
      await s.close();
    }
  });

  it('pure rule: IP literals, listed names, nothing else', () => {
    assert.equal(isAllowedHost('10.1.2.3:3004', []), true);
    assert.equal(isAllowedHost('[::1]:3004', []), true);
    assert.equal(isAllowedHost('[not-ip]:3004', []), false);
    assert.equal(isAllowedHost('localhost', ['localhost']), true);
    assert.equal(isAllowedHost('evil.localhost', ['localhost']), false);
    assert.equal(isAllowedHost(undefined, ['localhost']), false);
  });
});

describe('api security: only tokens this server would issue', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const nowS = () => Math.floor(Date.now() / 1000);
  const version = (token: string) =>
    fetch(`${s.server.url}/api/v1/version`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses a token without exp, with a 10-year exp, for an unknown user, or issued in the future', async () => {
    const base = () =>
      new SignJWT({ identity: { u: TEST_USER }, type: 'access' }).setProtectedHeader({ alg: 'HS256' });
    const noExp = await base().setIssuedAt(nowS()).sign(key);
    const noIat = await base()
      .setExpirationTime(nowS() + 600)
      .sign(key);
    const tenYears = await base()
      .setIssuedAt(nowS())
      .setExpirationTime(nowS() + 10 * 365 * 86_400)
      .sign(key);
    const future = await base()
      .setIssuedAt(nowS() + 3600)
      .setExpirationTime(nowS() + 3600 + 600)
      .sign(key);
    const stranger = await new SignJWT({ identity: { u: 'mallory' }, type: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(nowS())
      .setExpirationTime(nowS() + 600)
      .sign(key);
    for (const [name, token] of Object.entries({ noExp, noIat, tenYears, future, stranger })) {
      assert.equal((await version(token)).status, 401, name);
    }
    const good = await base()
      .setIssuedAt(nowS())
      .setExpirationTime(nowS() + 900)
      .sign(key);
    assert.equal((await version(good)).status, 200);
  });
});

describe('api security: pure path and body rules', () => {
  it('reads the canonical path the way the most permissive server would', () => {
    assert.deepEqual(requestPath('/%61pi/v1/x'), { canonical: '/api/v1/x', malformed: null });
    assert.equal(requestPath('/API/V1/x').canonical, '/api/v1/x');
    assert.equal(requestPath('/%2561pi/v1/x').canonical, '/api/v1/x');
    assert.equal(requestPath('/%2561pi/v1/x').malformed, 'double percent-encoding');
    assert.equal(requestPath('/a/../api/x').canonical, '/api/x');
    assert.equal(requestPath('/a/../api/x').malformed, 'a dot segment');
    assert.equal(requestPath('/api%2fx').malformed, 'an encoded slash');
    assert.equal(requestPath('/api/%zz').malformed, 'malformed percent-encoding');
    assert.equal(requestPath('/index.html?x=%2f').malformed, null, 'the query is not the path');
  });

  it('accepts JSON bodies and bodiless requests only', () => {
    assert.equal(bodyTypeProblem('GET', 'text/plain', '5', undefined), null);
    assert.equal(bodyTypeProblem('POST', undefined, undefined, undefined), null);
    assert.equal(bodyTypeProblem('POST', 'application/json; charset=utf-8', '2', undefined), null);
    assert.match(bodyTypeProblem('POST', 'text/plain', '2', undefined) ?? '', /text\/plain is not accepted/);
    assert.match(bodyTypeProblem('DELETE', undefined, undefined, 'chunked') ?? '', /application\/json/);
  });
});

describe('api security: no key material is served', () => {
  it('show_config scrubs a 64-hex-digit secret wherever it came from (a bot name here)', async () => {
    const key = `0X${'ab12'.repeat(16).toUpperCase()}`;
    const view = new BotDouble({ botName: `bot-${key}-x` });
    const s = await startTestServer({ view });
    try {
      const res = await fetch(`${s.server.url}/api/v1/show_config`, { headers: { authorization: s.basic } });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.equal(text.toLowerCase().includes('ab12'.repeat(16)), false, text.slice(0, 200));
      assert.match(text, /bot-\[redacted\]-x/);
    } finally {
      await s.close();
    }
  });
});
