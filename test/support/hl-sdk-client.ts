/**
 * A client nobody here wrote: @nktkas/hyperliquid 0.32.2 pointed at the fake exchange on loopback. It stamps its
 * nonces and times with Date.now(), as every SDK does. Its wallet is an ethers-v6-shaped signer over our own
 * EIP-712 signing of a test key (the SDK hashes and builds the typed data itself; we only sign the digest).
 */
import { request as httpRequest } from 'node:http';
import * as hl from '@nktkas/hyperliquid';
import WebSocket from 'ws';
import { hexBytes, signTypedData } from '../../src/exchange/hyperliquid/signing.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';

export const TEST_KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';

/** An ethers v6 Signer as far as the SDK looks at one: getAddress and signTypedData(domain, types, value). */
export function sdkWallet(keyHex: string = TEST_KEY) {
  const key = hexBytes(keyHex, 32);
  const address = Wallet.fromPrivateKey(keyHex).address;
  return {
    getAddress: async () => address,
    signTypedData: async (
      domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` },
      types: Record<string, { name: string; type: string }[]>,
      value: Record<string, unknown>,
    ): Promise<string> => {
      const primaryType = Object.keys(types).find((t) => t !== 'EIP712Domain');
      if (primaryType === undefined) throw new Error('typed data without a primary type');
      const sig = signTypedData({ domain, types, primaryType, message: value }, key);
      return `${sig.r}${sig.s.slice(2)}${sig.v.toString(16)}`;
    },
  };
}

export interface SdkClients {
  address: string;
  info: hl.InfoClient;
  exchange: hl.ExchangeClient;
  http: hl.HttpTransport;
}

/** Info and exchange clients over HTTP (testnet signatures: the fake checks phantom agent "b" by default). */
export function sdkClients(url: string, opts: { defaultExpiresAfter?: number } = {}): SdkClients {
  const http = new hl.HttpTransport({ isTestnet: true, apiUrl: url });
  const wallet = sdkWallet();
  return {
    address: Wallet.fromPrivateKey(TEST_KEY).address,
    http,
    // The type arguments spelled out: inferred from the arguments, tsc spent ≈ 3 s checking those instances
    // against the clients' default ones in SdkClients (docs/benchmarks.md, eighth session).
    info: new hl.InfoClient<hl.InfoConfig>({ transport: http }),
    exchange: new hl.ExchangeClient<hl.ExchangeSingleWalletConfig>({ transport: http, wallet, ...opts }),
  };
}

/** A WebSocket transport on the fake with `ws` as its WebSocket class (Node 20 has none built in). */
export function sdkWebSocket(wsUrl: string): hl.WebSocketTransport {
  return new hl.WebSocketTransport({
    url: wsUrl,
    isTestnet: true,
    reconnect: { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket },
  });
}

/**
 * POST a JSON body on a fresh connection (node:http, no agent) and return the status and decoded answer: a
 * pooled keep-alive socket that the server closed while a test was busy (schema generation takes seconds)
 * would fail the request with ECONNRESET.
 */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by the caller
export function postJson(url: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          const isJson = (res.headers['content-type'] ?? '').includes('json');
          resolve({ status: res.statusCode ?? 0, json: isJson ? JSON.parse(text) : text });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
