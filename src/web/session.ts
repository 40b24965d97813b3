/**
 * The dashboard's session with the API, the way FreqUI does it: log in once with Basic to get an access token
 * (15 min) and a refresh token (30 days); use the access token as Bearer and as `?token=` for the WebSocket; ask
 * for a new access token before it expires. Tokens live in sessionStorage (gone when the tab closes).
 */

const ACCESS_KEY = 'hlmm.access';
const REFRESH_KEY = 'hlmm.refresh';
/** Refresh well before the 15-minute expiry. */
const REFRESH_EVERY_MS = 10 * 60 * 1000;

export class Session {
  private access: string | null = sessionStorage.getItem(ACCESS_KEY);
  private refreshToken: string | null = sessionStorage.getItem(REFRESH_KEY);
  private timer: number | undefined;

  get loggedIn(): boolean {
    return this.access !== null;
  }

  get accessToken(): string | null {
    return this.access;
  }

  async login(user: string, password: string): Promise<void> {
    const res = await fetch('/api/v1/token/login', {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(unescape(encodeURIComponent(`${user}:${password}`)))}` },
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { detail?: string };
      throw new Error(body.detail ?? `login failed (HTTP ${res.status})`);
    }
    const tokens = (await res.json()) as { access_token: string; refresh_token: string };
    this.store(tokens.access_token, tokens.refresh_token);
    this.scheduleRefresh();
  }

  logout(): void {
    this.access = null;
    this.refreshToken = null;
    sessionStorage.removeItem(ACCESS_KEY);
    sessionStorage.removeItem(REFRESH_KEY);
    window.clearInterval(this.timer);
  }

  /** New access token from the refresh token; false when the session is over (log in again). */
  async refresh(): Promise<boolean> {
    if (!this.refreshToken) return false;
    const res = await fetch('/api/v1/token/refresh', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.refreshToken}` },
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { access_token: string };
    this.store(body.access_token, this.refreshToken);
    return true;
  }

  scheduleRefresh(): void {
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
  }

  /** fetch with the Bearer token; one refresh-and-retry on 401. */
  async api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const call = () =>
      fetch(path, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          authorization: `Bearer ${this.access ?? ''}`,
        },
      });
    let res = await call();
    if (res.status === 401 && (await this.refresh())) res = await call();
    if (res.status === 401) throw new SessionExpired();
    const body = (await res.json().catch(() => ({}))) as T & { detail?: string };
    if (!res.ok) throw new Error(body.detail ?? `HTTP ${res.status}`);
    return body;
  }

  private store(access: string, refresh: string): void {
    this.access = access;
    this.refreshToken = refresh;
    sessionStorage.setItem(ACCESS_KEY, access);
    sessionStorage.setItem(REFRESH_KEY, refresh);
  }
}

export class SessionExpired extends Error {
  constructor() {
    super('session expired; log in again');
  }
}
