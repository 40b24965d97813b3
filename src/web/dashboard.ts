import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './dashboard-style.css';
import type {
  AccountState,
  BotEvent,
  BotInfo,
  FillView,
  OpenOrderView,
  ParamsView,
  RiskState,
} from '../engine/bot-view.ts';
import type { DesiredQuotes } from '../strategy/types.ts';
import { Session, SessionExpired } from './session.ts';

/**
 * The live dashboard: one snapshot over REST on (re)connect, then BotEvents over /api/v1/hlmm/ws. Plain DOM: the
 * page is a handful of panels updated in place. Units as in the API: USDC, base units, Unix ms.
 */

interface StoredFillView {
  id: number;
  tid: number;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  feeQuote: number;
  liquidity: 'maker' | 'taker';
  tsMs: number;
}
interface ParamsPoint {
  tsMs: number;
  sigma: number;
  A: number;
  k: number;
  gamma: number;
  accepted: boolean;
  source: string;
}
interface EquityPoint {
  tsMs: number;
  equityQuote: number;
}
interface Snapshot {
  info: BotInfo;
  account: AccountState;
  risk: RiskState;
  quotes: DesiredQuotes | null;
  openOrders: OpenOrderView[];
  params: ParamsView;
  recentFills: StoredFillView[];
  paramsHistory: ParamsPoint[];
  equity: EquityPoint[];
  /** The bot's clock when the snapshot was taken (replayed exchange time in a replay). */
  nowMs?: number;
}
type ServerMessage = { type: 'snapshot'; data: Snapshot } | BotEvent;

const MAX_POINTS = 3000;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const session = new Session();

const state = {
  info: null as BotInfo | null,
  account: null as AccountState | null,
  risk: null as RiskState | null,
  orders: [] as OpenOrderView[],
  fills: [] as Array<Pick<FillView, 'side' | 'px' | 'sz' | 'feeQuote' | 'liquidity' | 'tsMs' | 'tid'>>,
  price: [[], [], [], [], [], []] as (number | null)[][],
  equity: [[], []] as number[][],
  params: [[], [], [], [], []] as number[][],
};

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}
function sig(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : Number(v.toPrecision(digits)).toString();
}
function signed(el: HTMLElement, v: number | null | undefined, digits = 2): void {
  el.textContent = fmt(v, digits);
  el.classList.toggle('pos', (v ?? 0) > 0);
  el.classList.toggle('neg', (v ?? 0) < 0);
}
// Ages are measured on the bot's clock (a replay runs in 2025 exchange time): the latest bot time seen in the
// snapshot or a quotes event; the wall clock until one arrives.
let botClockMs: number | null = null;
function ago(ms: number): string {
  const s = Math.max(0, ((botClockMs ?? Date.now()) - ms) / 1000);
  return s < 90
    ? `${s.toFixed(0)} s`
    : s < 5400
      ? `${(s / 60).toFixed(0)} min`
      : `${(s / 3600).toFixed(1)} h`;
}

// ---- charts --------------------------------------------------------------------------------------------------
function chartWidth(el: HTMLElement): number {
  return Math.max(260, el.clientWidth || el.parentElement?.clientWidth || 320);
}
let priceChart: uPlot | null = null;
let equityChart: uPlot | null = null;
let paramsChart: uPlot | null = null;

function makeCharts(): void {
  const priceEl = $('price-chart');
  const fillPoints = (stroke: string) => ({
    stroke,
    fill: stroke,
    paths: () => null,
    points: { show: true, size: 9, stroke, fill: stroke },
  });
  priceChart = new uPlot(
    {
      width: chartWidth(priceEl),
      height: 260,
      scales: { x: { time: true } },
      legend: { live: false },
      axes: [{}, { size: 76 }], // room for six-digit prices (BTC ≈ 100,000)
      series: [
        {},
        { label: 'mid', stroke: '#8a96a3', width: 1 },
        { label: 'our bid', stroke: '#2ebd85', width: 1.5 },
        { label: 'our ask', stroke: '#f0616d', width: 1.5 },
        { label: 'buy fill', ...fillPoints('#2ebd85') },
        { label: 'sell fill', ...fillPoints('#f0616d') },
      ],
    },
    state.price as uPlot.AlignedData,
    priceEl,
  );
  const eqEl = $('equity-chart');
  equityChart = new uPlot(
    {
      width: chartWidth(eqEl),
      height: 150,
      legend: { show: false },
      axes: [{}, { size: 64 }],
      series: [{}, { label: 'equity', stroke: '#5aa9e6', width: 1.5 }],
    },
    state.equity as uPlot.AlignedData,
    eqEl,
  );
  const parEl = $('params-chart');
  // Four quantities of different size: each on its own hidden scale, so the chart shows how each moves.
  paramsChart = new uPlot(
    {
      width: chartWidth(parEl),
      height: 150,
      // With one parameter set so far, uPlot would span years around it: show an hour either side instead.
      scales: {
        x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) },
      },
      axes: [{}, { show: false, scale: 'sigma' }],
      series: [
        {},
        { label: 'σ', stroke: '#5aa9e6', scale: 'sigma' },
        { label: 'A', stroke: '#c9a227', scale: 'A' },
        { label: 'k', stroke: '#b07cd8', scale: 'k' },
        { label: 'γ', stroke: '#2ebd85', scale: 'gamma' },
      ],
    },
    state.params as uPlot.AlignedData,
    parEl,
  );
  new ResizeObserver(() => {
    priceChart?.setSize({ width: chartWidth(priceEl), height: 260 });
    equityChart?.setSize({ width: chartWidth(eqEl), height: 150 });
    paramsChart?.setSize({ width: chartWidth(parEl), height: 150 });
  }).observe(document.body);
}

function pushPrice(
  tsMs: number,
  mid: number | null,
  bid: number | null,
  ask: number | null,
  fill?: FillView,
) {
  const p = state.price;
  p[0].push(tsMs / 1000);
  p[1].push(mid);
  p[2].push(bid);
  p[3].push(ask);
  p[4].push(fill?.side === 'buy' ? fill.px : null);
  p[5].push(fill?.side === 'sell' ? fill.px : null);
  if (p[0].length > MAX_POINTS) for (const s of p) s.splice(0, p[0].length - MAX_POINTS);
  priceChart?.setData(p as uPlot.AlignedData);
}

function pushEquity(tsMs: number, equity: number) {
  const e = state.equity;
  const t = tsMs / 1000;
  // Status events can arrive several times a second; keep one point per second.
  if (e[0].length > 0 && t - e[0][e[0].length - 1] < 1) {
    e[1][e[1].length - 1] = equity;
  } else {
    e[0].push(t);
    e[1].push(equity);
  }
  if (e[0].length > MAX_POINTS) for (const s of e) s.splice(0, e[0].length - MAX_POINTS);
  equityChart?.setData(e as uPlot.AlignedData);
}

// ---- panels --------------------------------------------------------------------------------------------------
function renderStatus(): void {
  const risk = state.risk;
  const el = $('status');
  if (!risk) return;
  const kill = risk.killSwitch.tripped;
  // `state` says what really rests: "on", "one side (reason)" or "pulled (reason)" — quoting per the risk layer
  // alone is not enough (the strategy may withhold both sides, e.g. an order size above the maximum).
  const pulled = risk.state?.startsWith('pulled') === true;
  const quotingNow = risk.quoting && !pulled;
  el.dataset.state = kill ? 'kill' : quotingNow ? 'quoting' : 'stopped';
  el.textContent = kill
    ? 'kill switch'
    : quotingNow
      ? 'quoting'
      : risk.stoppedByUser || risk.state === undefined
        ? 'stopped'
        : risk.state;
  $('risk-quoting').textContent = risk.stoppedByUser
    ? 'no (stopped by user)'
    : quotingNow
      ? risk.state === undefined || risk.state === 'on'
        ? 'yes'
        : `yes — ${risk.state}`
      : `no${risk.state ? ` — ${risk.state}` : ''}`;
  $('risk-kill').textContent = kill
    ? `TRIPPED: ${risk.killSwitch.reason ?? ''}${risk.killSwitch.atMs ? ` (${ago(risk.killSwitch.atMs)} ago)` : ''}`
    : 'armed';
  $('risk-kill').classList.toggle('neg', kill);
  $('risk-stale').textContent = risk.staleData
    ? `STALE${risk.lastMarketMs ? ` (last ${ago(risk.lastMarketMs)} ago)` : ''}`
    : risk.lastMarketMs
      ? `live (${ago(risk.lastMarketMs)} ago)`
      : 'waiting';
  $('risk-stale').classList.toggle('neg', risk.staleData);
  $('risk-dll').textContent =
    risk.dailyLossLimitQuote === null ? 'off' : `${fmt(risk.dailyLossLimitQuote)} USDC`;
  $('risk-mdd').textContent = risk.maxDrawdownQuote === null ? 'off' : `${fmt(risk.maxDrawdownQuote)} USDC`;
  $('inv-max').textContent = String(risk.maxPositionLots);
}

function renderAccount(): void {
  const a = state.account;
  if (!a) return;
  const base = state.info?.ticker ?? '';
  $('inv-position').textContent = `${sig(a.positionBase, 6)} ${base}`;
  $('inv-notional').textContent = a.mid === null ? '—' : `${fmt(a.positionBase * a.mid)} USDC`;
  $('pnl-equity').textContent = `${fmt(a.equityQuote)} USDC`;
  signed($('pnl-realized'), a.realizedPnlQuote);
  signed($('pnl-unrealized'), a.unrealizedPnlQuote);
  $('pnl-fees').textContent = fmt(a.feesQuote, 4);
  signed($('pnl-funding'), a.fundingQuote, 4);
}

function renderInventoryMeter(qLots: number | null): void {
  $('inv-q').textContent = qLots === null ? '—' : fmt(qLots, 2);
  const max = state.risk?.maxPositionLots ?? 0;
  const meter = $('inv-meter');
  if (qLots === null || max <= 0) {
    meter.style.width = '0';
    return;
  }
  const frac = Math.max(-1, Math.min(1, qLots / max));
  meter.style.width = `${Math.abs(frac) * 50}%`;
  meter.style.left = frac >= 0 ? '50%' : `${50 - Math.abs(frac) * 50}%`;
  meter.style.background = frac >= 0 ? 'var(--buy)' : 'var(--sell)';
}

function renderQuotes(q: DesiredQuotes | null): void {
  $('quote-bid').textContent = q?.bid ? `${q.bid.px} × ${q.bid.sz}` : '—';
  $('quote-ask').textContent = q?.ask ? `${q.ask.px} × ${q.ask.sz}` : '—';
  $('quote-mid').textContent = q?.explain ? fmt(q.explain.mid, 2) : fmt(state.account?.mid, 2);
  $('quote-res').textContent = q?.explain ? fmt(q.explain.reservationPrice, 2) : '—';
  $('quote-note').textContent = q?.explain?.note ?? '';
  if (q?.explain) {
    renderParamsNow({ sigma: q.explain.sigma, A: q.explain.A, k: q.explain.k, gamma: q.explain.gamma });
    renderInventoryMeter(q.explain.qLots);
  }
}

function renderParamsNow(p: { sigma: number; A: number; k: number; gamma: number } | null): void {
  $('p-sigma').textContent = sig(p?.sigma);
  $('p-A').textContent = sig(p?.A);
  $('p-k').textContent = sig(p?.k);
  $('p-gamma').textContent = sig(p?.gamma);
}

function renderParams(p: ParamsView): void {
  renderParamsNow(p.inUse ?? p.current);
  $('p-source').textContent =
    (p.source
      ? `from ${p.source}${p.loadedMs ? `, loaded ${new Date(p.loadedMs).toISOString().slice(0, 19)}Z` : ''}`
      : '') + inUseText(p);
  if (p.current) {
    const t = (p.loadedMs ?? Date.now()) / 1000;
    const s = state.params;
    if (s[0].length === 0 || s[0][s[0].length - 1] < t) {
      s[0].push(t);
      s[1].push(p.current.sigma);
      s[2].push(p.current.A);
      s[3].push(p.current.k);
      s[4].push(p.current.gamma);
      paramsChart?.setData(s as uPlot.AlignedData);
    }
  }
}

/** Online parameters: where the values in use come from (σ and A/k each: online, blend or calibrated). */
function inUseText(p: ParamsView): string {
  const u = p.inUse;
  if (!u) return '';
  return `; in use: ${u.source} (σ ${u.sigmaFrom}, A/k ${u.akFrom}${u.online ? `, window ${u.online.windowS} s` : ''})${u.note ? ` — ${u.note}` : ''}`;
}

function renderOrders(): void {
  const rows = state.orders
    .slice()
    .sort((a, b) => b.px - a.px)
    .map(
      (o) =>
        `<tr><td class="${o.side}">${o.side}</td><td>${o.px}</td><td>${o.sz}</td><td>${o.filledSz}</td><td>${ago(o.createdMs)}</td></tr>`,
    );
  $('orders-body').innerHTML = rows.join('') || '<tr><td colspan="5" class="muted">none</td></tr>';
}

function renderFills(): void {
  const rows = state.fills
    .slice(-100)
    .reverse()
    .map(
      (f) =>
        `<tr><td>${new Date(f.tsMs).toISOString().slice(11, 19)}</td><td class="${f.side}">${f.side}</td><td>${f.px}</td><td>${f.sz}</td><td>${fmt(f.feeQuote, 4)}</td><td>${f.liquidity}</td></tr>`,
    );
  $('fills-body').innerHTML = rows.join('') || '<tr><td colspan="6" class="muted">none yet</td></tr>';
}

function applySnapshot(s: Snapshot): void {
  if (s.nowMs !== undefined) botClockMs = s.nowMs;
  state.info = s.info;
  state.account = s.account;
  state.risk = s.risk;
  state.orders = s.openOrders;
  state.fills = s.recentFills.slice().sort((a, b) => a.tsMs - b.tsMs);
  $('bot-name').textContent = s.info.botName;
  $('bot-ticker').textContent = `${s.info.ticker} · ${s.info.strategy} (${s.info.model})`;
  $('bot-mode').textContent = s.info.mode === 'live' ? 'LIVE' : 'dry run';
  state.equity = [s.equity.map((p) => p.tsMs / 1000), s.equity.map((p) => p.equityQuote)];
  equityChart?.setData(state.equity as uPlot.AlignedData);
  const hist = s.paramsHistory.filter((p) => p.accepted).sort((a, b) => a.tsMs - b.tsMs);
  state.params = [
    hist.map((p) => p.tsMs / 1000),
    hist.map((p) => p.sigma),
    hist.map((p) => p.A),
    hist.map((p) => p.k),
    hist.map((p) => p.gamma),
  ];
  paramsChart?.setData(state.params as uPlot.AlignedData);
  renderStatus();
  renderAccount();
  renderParams(s.params);
  renderQuotes(s.quotes);
  renderOrders();
  renderFills();
}

function applyEvent(ev: BotEvent): void {
  switch (ev.type) {
    case 'quotes': {
      botClockMs = Math.max(botClockMs ?? 0, ev.tsMs);
      renderQuotes(ev.quotes);
      const mid = ev.quotes.explain?.mid ?? state.account?.mid ?? null;
      pushPrice(ev.tsMs, mid, ev.quotes.bid?.px ?? null, ev.quotes.ask?.px ?? null);
      break;
    }
    case 'fill': {
      state.fills.push(ev.fill);
      if (state.fills.length > 500) state.fills.splice(0, state.fills.length - 500);
      if (state.account) state.account.positionBase = ev.positionBase;
      pushPrice(ev.fill.tsMs, state.account?.mid ?? null, null, null, ev.fill);
      renderFills();
      renderAccount();
      break;
    }
    case 'status':
      state.account = ev.account;
      state.risk = ev.risk;
      renderStatus();
      renderAccount();
      // The venue's clock (exchange time in a replay) like the snapshot's equity points; wall clock before data.
      pushEquity(ev.account.bbo?.exchMs ?? Date.now(), ev.account.equityQuote);
      void refreshOrders();
      break;
    case 'params':
      renderParams(ev.params);
      break;
    case 'log':
      break;
  }
}

let ordersPending = false;
async function refreshOrders(): Promise<void> {
  // Open orders are not pushed; a status event (sent when something changed) triggers one cheap read.
  if (ordersPending) return;
  ordersPending = true;
  try {
    const body = await session.api<{ openOrders: OpenOrderView[] }>('/api/v1/hlmm/orders');
    state.orders = body.openOrders;
    renderOrders();
  } catch {
    // The socket's reconnect handles an expired session.
  } finally {
    ordersPending = false;
  }
}

// ---- connection ------------------------------------------------------------------------------------------------
let socket: WebSocket | null = null;
let retryMs = 1000;

function connect(): void {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${proto}://${location.host}/api/v1/hlmm/ws?token=${session.accessToken ?? ''}`);
  socket = ws;
  $('conn').textContent = 'connecting';
  ws.onopen = () => {
    retryMs = 1000;
    $('conn').textContent = 'live';
  };
  ws.onmessage = (msg) => {
    const data = JSON.parse(String(msg.data)) as ServerMessage;
    if (data.type === 'snapshot') applySnapshot(data.data);
    else applyEvent(data);
  };
  ws.onclose = async () => {
    if (socket !== ws) return;
    $('conn').textContent = 'reconnecting';
    // The token may have expired: refresh it before the next attempt; if that fails, back to the login form.
    if (!(await session.refresh())) {
      showLogin('Session expired; log in again.');
      return;
    }
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 15_000);
  };
}

// ---- controls --------------------------------------------------------------------------------------------------
const CONTROLS: Record<string, { text: string; path: string; body?: unknown }> = {
  stop: {
    text: 'Stop quoting? Resting orders are canceled; the position is kept.',
    path: '/api/v1/stop',
  },
  start: { text: 'Start quoting again?', path: '/api/v1/start' },
  flatten: {
    text: 'Flatten the position now? This sends a reduce-only order at the touch.',
    path: '/api/v1/forceexit',
    body: { tradeid: 'all' },
  },
};

function confirmAction(text: string): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('confirm-dialog');
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function runControl(action: string): Promise<void> {
  const control = CONTROLS[action];
  if (!control || !(await confirmAction(control.text))) return;
  const out = $('control-result');
  out.textContent = '…';
  try {
    const res = await session.api<{ status?: string; result?: string }>(control.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(control.body ?? {}),
    });
    out.textContent = res.status ?? res.result ?? 'done';
    const risk = await session.api<RiskState>('/api/v1/hlmm/risk');
    state.risk = risk;
    renderStatus();
  } catch (err) {
    if (err instanceof SessionExpired) showLogin('Session expired; log in again.');
    else out.textContent = (err as Error).message;
  }
}

// ---- start -----------------------------------------------------------------------------------------------------
function showLogin(message = ''): void {
  socket?.close();
  socket = null;
  session.logout();
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
}

function showApp(): void {
  $('login').hidden = true;
  $('app').hidden = false;
  if (!priceChart) makeCharts();
  session.scheduleRefresh();
  connect();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    await session.login($<HTMLInputElement>('user').value, $<HTMLInputElement>('password').value);
    $<HTMLInputElement>('password').value = '';
    showApp();
  } catch (err) {
    $('login-error').textContent = (err as Error).message;
  }
});
$('logout').addEventListener('click', () => showLogin());
document.querySelectorAll<HTMLButtonElement>('.controls button[data-action]').forEach((button) => {
  button.addEventListener('click', () => void runControl(button.dataset.action ?? ''));
});
setInterval(() => {
  renderStatus();
  renderOrders();
}, 5000);

if (session.loggedIn) showApp();
