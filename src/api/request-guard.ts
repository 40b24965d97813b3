import { isIP } from 'node:net';

/**
 * What the API checks about a request before it looks at credentials, as pure functions (the server wires them
 * into Fastify's hooks). The rule behind each one:
 * - the path: the router decodes percent-escapes, so any check made on the raw URL can be walked around
 *   (`/%61pi/v1/…` once skipped the login). Whether a request needs credentials is therefore decided on the route
 *   the router matched, and, for anything it did not match, on the fully decoded path, case-folded, so no
 *   spelling of an API path reaches a handler or a file without credentials. Encoded slashes, dot segments,
 *   doubled slashes and double encoding are refused outright: no client of ours sends them.
 * - the Host header: a web page can make a browser send requests to a loopback bot through a DNS name it
 *   controls (DNS rebinding); such a request carries that name as Host. Only IP literals (no DNS involved) and
 *   the configured names (localhost by default) are accepted.
 * - the body: any web page can send a cross-site `text/plain` or form POST without a preflight, so requests with
 *   a body must be `application/json`.
 */

/** Decodes percent-escapes until nothing changes (at most 4 rounds); null when an escape is malformed. */
function decodeFully(path: string): string | null {
  let current = path;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

export interface RequestPath {
  /** The path as the router sees it once decoded, case-folded; used to decide whether credentials are needed. */
  canonical: string;
  /** Why the path is refused whatever the credentials (encoded slash, dot segment, …), or null. */
  malformed: string | null;
}

/** Reads the path part of a request URL (the query is not part of routing). */
export function requestPath(rawUrl: string): RequestPath {
  const raw = rawUrl.split('?')[0].split('#')[0];
  const decoded = decodeFully(raw);
  if (decoded === null) return { canonical: raw.toLowerCase(), malformed: 'malformed percent-encoding' };
  // For the auth decision: dot segments resolved, slashes collapsed, case folded — the most permissive reading
  // any router or file server could give the path.
  const segments: string[] = [];
  for (const seg of decoded.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const canonical = `/${segments.join('/')}`.toLowerCase();
  let malformed: string | null = null;
  if (/%2f|%5c/i.test(raw)) malformed = 'an encoded slash';
  else if (decoded !== decodeOnce(raw)) malformed = 'double percent-encoding';
  else if (/(^|\/)\.\.?(\/|$)/.test(decoded)) malformed = 'a dot segment';
  else if (decoded.includes('//') || decoded.includes('\\'))
    malformed = 'an empty path segment or a backslash';
  else if (decoded.includes('\0')) malformed = 'a NUL byte';
  return { canonical, malformed };
}

function decodeOnce(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** True when the canonical path is under /api (any spelling of it: the auth decision must not depend on case). */
export function isApiPath(canonical: string): boolean {
  return canonical === '/api' || canonical.startsWith('/api/');
}

/** Host names accepted by default besides IP literals. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['localhost'];

/**
 * True when the Host header names this server in a way DNS rebinding cannot forge: an IP literal (v4, or v6 in
 * brackets) or one of the allowed names (case-insensitive, any port).
 */
export function isAllowedHost(hostHeader: string | undefined, allowedNames: readonly string[]): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.trim().toLowerCase();
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return false;
    name = h.slice(1, end);
    return isIP(name) === 6;
  }
  name = h.replace(/:\d+$/, '');
  if (isIP(name) === 4) return true;
  return allowedNames.some((n) => n.toLowerCase() === name);
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Why a request's body type is refused, or null. A request with a body (or a declared type) must be JSON; one
 * with neither (Freqtrade's `POST /stop`) is fine.
 */
export function bodyTypeProblem(
  method: string,
  contentType: string | undefined,
  contentLength: string | undefined,
  transferEncoding: string | undefined,
): string | null {
  if (!BODY_METHODS.has(method.toUpperCase())) return null;
  const hasBody = (contentLength !== undefined && contentLength !== '0') || transferEncoding !== undefined;
  if (contentType === undefined || contentType.trim() === '') {
    return hasBody ? 'a request body must be sent as application/json' : null;
  }
  const media = contentType.split(';')[0].trim().toLowerCase();
  return media === 'application/json' ? null : `content type ${media} is not accepted; send application/json`;
}
