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
import { FLATTEN_DEADLINE_MS, FLATTEN_DEFAULTS, FLATTEN_MAX_ATTEMPTS } from '../engine/flatten.ts';
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
/** GET /api/v1/hlmm/history (src/engine/bot-insight.ts): bot-clock times, null = a hole in the data. */
interface HistoryView {
  nowMs: number | null;
  gapMs: number;
  rows: {
    tMs: number[];
    bidPx: (number | null)[];
    askPx: (number | null)[];
    ourBidPx: (number | null)[];
    ourAskPx: (number | null)[];
  };
  fills: { tMs: number; side: 'buy' | 'sell'; px: number; sz: number }[];
  params: { tMs: number; sigma: number; A: number; k: number; gamma: number; source: string | null }[];
}
/** GET /api/v1/hlmm/markouts (src/engine/markouts.ts). */
interface MarkoutsView {
  fills: number;
  pending: number;
  horizons: {
    horizon_s: number;
    count: number;
    mean_bps: number | null;
    p10_bps: number | null;
    p50_bps: number | null;
    p90_bps: number | null;
  }[];
}
type Cell = number | null | undefined;

const MAX_POINTS = 3000;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const session = new Session();

/** GET /api/v1/hlmm/overview (src/api/overview.ts): one row per coin and the account. */
interface CoinRowView {
  coin: string;
  pair: string;
  status: string;
  state: string | null;
  mid: number | null;
  positionBase: number;
  notionalQuote: number | null;
  pnlQuote: number;
  bid: { px: number; sz: number } | null;
  ask: { px: number; sz: number } | null;
  openOrders: number;
  params: { sigma: number; A: number; k: number; gamma: number; source: string; file: string | null } | null;
}
interface OverviewView {
  multi: boolean;
  tickers: string[];
  nowMs: number;
  botName: string;
  mode: 'dry' | 'live';
  account: {
    equityQuote: number;
    pnlQuote: number;
    totalNotionalQuote: number;
    maxTotalNotionalQuote: number | null;
    /** Live: the exchange's reading; paper: Σ |position| × mid ÷ leverage; null = unknown (older bots: absent). */
    marginUsedQuote?: number | null;
    maxMarginQuote?: number | null;
    /** Why no coin adds to its position while the margin limit holds; null under it. */
    marginLimit?: string | null;
    drawdownQuote: number | null;
    maxDrawdownLimitQuote: number | null;
    dayLossQuote: number | null;
    dailyLossLimitQuote: number | null;
    killSwitch: { tripped: boolean; reason: string | null; atMs: number | null };
    coins: number;
    quotingCoins: number;
  };
  coins: CoinRowView[];
}

/**
 * Several coins (`hlmm trade --tickers`): the page opens on the all-coins overview (#overview) and shows one coin
 * as today's one-coin page (#coin=ETH), every request then carrying ?coin=. One coin: the one-coin page only.
 */
const view = {
  multi: false,
  tickers: [] as string[],
  /** The coin shown; null = the overview (several coins) or the bot's one coin. */
  coin: null as string | null,
};
/** `?coin=ETH` (or `&coin=…` after other parameters) while one coin of several is shown; '' otherwise. */
function coinParam(sep: '?' | '&' = '?'): string {
  return view.coin === null ? '' : `${sep}coin=${encodeURIComponent(view.coin)}`;
}

const state = {
  info: null as BotInfo | null,
  account: null as AccountState | null,
  risk: null as RiskState | null,
  orders: [] as OpenOrderView[],
  fills: [] as Array<Pick<FillView, 'side' | 'px' | 'sz' | 'feeQuote' | 'liquidity' | 'tsMs' | 'tid'>>,
  /** t (s), best bid, best ask, our bid, our ask, buy fill, sell fill: null = gap, undefined = no value here. */
  price: [[], [], [], [], [], [], []] as Cell[][],
  equity: [[], []] as number[][],
  /** Parameter changes on the bot clock (ms) and the values then in force. */
  paramsHist: [] as { tMs: number; sigma: number; A: number; k: number; gamma: number }[],
  gapMs: 30_000,
  /** Wall time the connection to the bot was lost; null while connected. */
  goneSinceMs: null as number | null,
};

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}
function sig(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : Number(v.toPrecision(digits)).toString();
}
/** Three significant digits, small values in exponent form (γ ≈ 7e-6 fits a table cell). */
function short(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v !== 0 && Math.abs(v) < 0.001 ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
}
function signed(el: HTMLElement, v: number | null | undefined, digits = 2, unit = 'USDC'): void {
  el.textContent = v === null || v === undefined || !Number.isFinite(v) ? '—' : `${fmt(v, digits)} ${unit}`;
  el.classList.toggle('pos', (v ?? 0) > 0);
  el.classList.toggle('neg', (v ?? 0) < 0);
}
// Ages are measured on the bot's clock (a replay runs in 2025 exchange time): the latest bot time seen in the
// snapshot or a quotes event; the wall clock until one arrives.
let botClockMs: number | null = null;
function seeBotTime(ms: number | null | undefined): void {
  if (ms !== null && ms !== undefined && Number.isFinite(ms)) botClockMs = Math.max(botClockMs ?? 0, ms);
}
function ago(ms: number): string {
  const s = Math.max(0, ((botClockMs ?? Date.now()) - ms) / 1000);
  return s < 10
    ? `${s.toFixed(1)} s`
    : s < 90
      ? `${s.toFixed(0)} s`
      : s < 5400
        ? `${(s / 60).toFixed(0)} min`
        : `${(s / 3600).toFixed(1)} h`;
}

// ---- charts --------------------------------------------------------------------------------------------------
function chartWidth(el: HTMLElement): number {
  return Math.max(260, el.clientWidth || el.parentElement?.clientWidth || 320);
}
/** x range of a time chart: the data's, or an hour either side of a single point (uPlot would span years). */
function oneHourAround(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) {
    const now = (botClockMs ?? Date.now()) / 1000;
    return [now - 3600, now + 3600];
  }
  return min === max ? [min - 3600, max + 3600] : [min, max];
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
        { label: 'best bid', stroke: '#6f8f80', width: 1, paths: uPlot.paths.stepped?.({ align: 1 }) },
        { label: 'best ask', stroke: '#9a6f73', width: 1, paths: uPlot.paths.stepped?.({ align: 1 }) },
        { label: 'our bid', stroke: '#2ebd85', width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }) },
        { label: 'our ask', stroke: '#f0616d', width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }) },
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
      // One point so far: an hour either side of it, not the years uPlot would span (bot clock, UTC).
      scales: { x: { time: true, range: oneHourAround } },
      axes: [{}, { size: 64, label: 'USDC', labelSize: 14 }],
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
      scales: { x: { time: true, range: oneHourAround } },
      // Each parameter relative to its first value in the window (1 = unchanged): one axis for four units; the
      // legend and the table below give the values themselves.
      axes: [
        { space: 70 },
        { size: 44, values: (_u, ticks) => ticks.map((t) => `${Number(t.toPrecision(3))}×`) },
      ],
      series: [
        {},
        ...(['σ', 'A', 'k', 'γ'] as const).map((label, i) => ({
          label,
          stroke: ['#5aa9e6', '#c9a227', '#b07cd8', '#2ebd85'][i],
          width: 1.5,
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: true, size: 5 },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => paramValueAt(i, idx),
        })),
      ],
    },
    [[], [], [], [], []] as unknown as uPlot.AlignedData,
    parEl,
  );
  new ResizeObserver(() => {
    priceChart?.setSize({ width: chartWidth(priceEl), height: 260 });
    equityChart?.setSize({ width: chartWidth(eqEl), height: 150 });
    paramsChart?.setSize({ width: chartWidth(parEl), height: 150 });
  }).observe(document.body);
}

/** Bot-clock span the price chart keeps (the history endpoint gives at most this much). */
const CHART_SPAN_MS = 60 * 60_000;
const fillKeys = new Set<string>();
let lastRowMs = Number.NEGATIVE_INFINITY;

/**
 * Appends the server's rows (bot clock; null = a hole in the data, so no line is drawn across it) and fills to the
 * price chart, in time order, and drops what is older than the chart's span.
 */
function appendHistory(h: HistoryView): void {
  const u = undefined;
  const events: { t: number; cells: Cell[] }[] = [];
  for (let i = 0; i < h.rows.tMs.length; i++) {
    if (h.rows.tMs[i] <= lastRowMs) continue;
    events.push({
      t: h.rows.tMs[i],
      cells: [h.rows.bidPx[i], h.rows.askPx[i], h.rows.ourBidPx[i], h.rows.ourAskPx[i], u, u],
    });
  }
  for (const f of h.fills) {
    const key = `${f.tMs}:${f.side}:${f.px}:${f.sz}`;
    if (fillKeys.has(key)) continue;
    fillKeys.add(key);
    events.push({ t: f.tMs, cells: [u, u, u, u, f.side === 'buy' ? f.px : u, f.side === 'sell' ? f.px : u] });
  }
  if (events.length === 0) return;
  events.sort((a, b) => a.t - b.t);
  const p = state.price;
  for (const e of events) {
    const n = p[0].length;
    // Rows stay in time order (a fill stamped a few ms before the latest row joins it).
    const t = n > 0 ? Math.max(e.t / 1000, p[0][n - 1] as number) : e.t / 1000;
    p[0].push(t);
    for (let c = 1; c < p.length; c++) p[c].push(e.cells[c - 1]);
    if (e.cells[0] !== undefined) lastRowMs = Math.max(lastRowMs, e.t);
  }
  const oldest = ((botClockMs ?? lastRowMs) - CHART_SPAN_MS) / 1000;
  let drop = 0;
  while (drop < p[0].length && (p[0][drop] as number) < oldest) drop++;
  drop = Math.max(drop, p[0].length - MAX_POINTS);
  if (drop > 0) for (const col of p) col.splice(0, drop);
  priceChart?.setData(p as uPlot.AlignedData);
  const from = p[0][0] as number | undefined;
  $('price-note').textContent =
    from !== undefined
      ? `${new Date(from * 1000).toISOString().slice(0, 19).replace('T', ' ')} → ${new Date(h.nowMs ?? from * 1000).toISOString().slice(11, 19)} UTC on the bot's clock (last hour at most); a gap = no market data for over ${h.gapMs / 1000} s.`
      : 'No market data yet.';
}

/** The price chart and the parameter history from the server's memory, on the bot's clock. */
async function loadHistory(reset: boolean): Promise<void> {
  let h: HistoryView;
  const after = !reset && Number.isFinite(lastRowMs) ? `&after_ms=${lastRowMs - 5000}` : '';
  try {
    h = await session.api<HistoryView>(`/api/v1/hlmm/history?minutes=60${after}${coinParam('&')}`);
  } catch (err) {
    if (reset) $('price-note').textContent = `No history from the bot (${(err as Error).message}).`;
    return;
  }
  seeBotTime(h.nowMs);
  state.gapMs = h.gapMs;
  if (reset) {
    state.price = [[], [], [], [], [], [], []];
    fillKeys.clear();
    lastRowMs = Number.NEGATIVE_INFINITY;
  }
  appendHistory(h);
  state.paramsHist = h.params.map((p) => ({ tMs: p.tMs, sigma: p.sigma, A: p.A, k: p.k, gamma: p.gamma }));
  renderParamsHistory();
}

const PARAM_KEYS = ['sigma', 'A', 'k', 'gamma'] as const;
/** The value of parameter `i` at chart row `idx` (the chart shows ratios to the first value). */
function paramValueAt(i: number, idx: number | null): string {
  const rows = paramRows();
  // No cursor on the chart: the value in force now.
  const r = rows[idx === null ? rows.length - 1 : Math.min(idx, rows.length - 1)];
  return r ? sig(r[PARAM_KEYS[i]]) : '—';
}
function paramRows() {
  const h = state.paramsHist;
  if (h.length === 0) return [];
  const last = h[h.length - 1];
  // The step runs on to the bot's clock now.
  const now = botClockMs ?? last.tMs;
  return now > last.tMs ? [...h, { ...last, tMs: now }] : h;
}

function renderParamsHistory(): void {
  const rows = paramRows();
  const first = rows[0];
  const data: (number | null)[][] = [rows.map((r) => r.tMs / 1000)];
  for (const key of PARAM_KEYS) data.push(rows.map((r) => (first[key] > 0 ? r[key] / first[key] : null)));
  paramsChart?.setData(data as uPlot.AlignedData);
  $('params-body').innerHTML =
    state.paramsHist
      .slice(-5)
      .reverse()
      .map(
        (p) =>
          `<tr><td>${new Date(p.tMs).toISOString().slice(0, 19).replace('T', ' ')}</td><td>${short(p.sigma)}</td><td>${short(p.A)}</td><td>${short(p.k)}</td><td>${short(p.gamma)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="5" class="muted">none yet</td></tr>';
}

let markoutsPending = false;
async function loadMarkouts(): Promise<void> {
  if (markoutsPending) return;
  markoutsPending = true;
  try {
    const m = await session.api<MarkoutsView>(`/api/v1/hlmm/markouts${coinParam()}`);
    const b = (v: number | null) => (v === null ? '—' : v.toFixed(2));
    $('markouts-body').innerHTML = m.horizons
      .map(
        (h) =>
          `<tr><td>${h.horizon_s} s</td><td>${h.count}</td><td class="${(h.mean_bps ?? 0) < 0 ? 'neg' : (h.mean_bps ?? 0) > 0 ? 'pos' : ''}">${b(h.mean_bps)}</td><td>${b(h.p10_bps)}</td><td>${b(h.p50_bps)}</td><td>${b(h.p90_bps)}</td></tr>`,
      )
      .join('');
  } catch (err) {
    $('markouts-body').innerHTML = `<tr><td colspan="6" class="muted">${(err as Error).message}</td></tr>`;
  } finally {
    markoutsPending = false;
  }
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
  const gone = state.goneSinceMs !== null;
  const reason = (risk.state ?? '').replace(/^pulled \((.*)\)$/, '$1');
  el.dataset.state = gone
    ? 'gone'
    : kill
      ? 'kill'
      : quotingNow
        ? 'quoting'
        : risk.stoppedByUser || risk.state === undefined
          ? 'stopped'
          : 'pulled';
  el.textContent = gone
    ? 'bot unreachable'
    : kill
      ? 'kill switch'
      : quotingNow
        ? 'quoting'
        : risk.stoppedByUser || risk.state === undefined
          ? 'stopped'
          : 'quotes pulled';
  const banner = $('quote-state');
  const say = (text: string | null, bad = false) => {
    banner.hidden = text === null;
    banner.textContent = text ?? '';
    banner.classList.toggle('neg', bad);
  };
  if (gone)
    say(
      `No connection to the bot since ${new Date(state.goneSinceMs as number).toISOString().slice(11, 19)} UTC: it has stopped, crashed or the network is down. Figures below are as last seen; retrying.`,
      true,
    );
  else if (kill)
    say(
      `Kill switch tripped: ${risk.killSwitch.reason ?? ''}. No orders rest; restart the bot to trade again.`,
      true,
    );
  else if (risk.stoppedByUser)
    say('Quoting stopped by hand (dashboard or API): no orders rest. Press “Start quoting” to resume.');
  else if (!quotingNow)
    say(
      `Quotes pulled${reason ? `: ${reason}` : ''}. Our orders are cancelled; quoting resumes by itself when the cause clears.`,
    );
  else if (risk.state?.startsWith('one side')) say(`Quoting ${risk.state}.`);
  else say(null);
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
  // Where we are beside where the limit is (today's loss: positive = lost since the UTC day started).
  const a = state.account;
  const beside = (now: number | undefined, limit: number | null) =>
    `${now === undefined ? '—' : fmt(Math.max(0, now))} / ${limit === null ? 'no limit' : `${fmt(limit)}`} USDC`;
  $('risk-dll').textContent = beside(a?.dayLossQuote, risk.dailyLossLimitQuote);
  $('risk-mdd').textContent = beside(a?.drawdownQuote, risk.maxDrawdownQuote);
  const near = (now: number | undefined, limit: number | null) =>
    now !== undefined && limit !== null && limit > 0 && now >= 0.8 * limit;
  $('risk-dll').classList.toggle('neg', near(a?.dayLossQuote, risk.dailyLossLimitQuote));
  $('risk-mdd').classList.toggle('neg', near(a?.drawdownQuote, risk.maxDrawdownQuote));
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
  $('pnl-fees').textContent = `${fmt(a.feesQuote, 4)} USDC`;
  signed($('pnl-funding'), a.fundingQuote, 4);
  const lot = state.risk?.lotBase;
  if (lot) renderInventoryMeter(a.positionBase / lot);
  document.querySelectorAll('.base-unit').forEach((el) => {
    el.textContent = base || 'base';
  });
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
  $('quote-mid').title = 'USDC';
  $('quote-res').textContent = q?.explain ? fmt(q.explain.reservationPrice, 2) : '—';
  $('quote-note').textContent = q?.explain?.note ?? '';
  if (q?.explain) {
    renderParamsNow({ sigma: q.explain.sigma, A: q.explain.A, k: q.explain.k, gamma: q.explain.gamma });
    // q as the last quote saw it, only when the bot does not say what a lot is (a fill since moves it).
    if (!state.risk?.lotBase) renderInventoryMeter(q.explain.qLots);
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
      ? `from ${p.source}${p.loadedMs ? `, read at ${new Date(p.loadedMs).toISOString().slice(0, 19)}Z (machine time)` : ''}`
      : '') + inUseText(p);
  // No history from the bot (yet): the parameters in force, from the bot's clock now.
  if (state.paramsHist.length === 0 && p.current && botClockMs !== null)
    state.paramsHist = [{ tMs: botClockMs, ...p.current }];
  renderParamsHistory();
}

/** New parameters in force (a hot reload): the history poll brings them on the bot's clock. */
function addParams(p: ParamsView): void {
  renderParams(p);
  void loadHistory(false);
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

/** A fill's time, UTC: the time alone on the bot clock's day, the date too before it (a looping replay spans days). */
function fillTime(tsMs: number): string {
  const iso = new Date(tsMs).toISOString();
  const today = botClockMs === null ? null : new Date(botClockMs).toISOString().slice(0, 10);
  return iso.slice(0, 10) === today ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function renderFills(): void {
  const rows = state.fills
    .slice(-100)
    .reverse()
    .map(
      (f) =>
        `<tr><td>${fillTime(f.tsMs)}</td><td class="${f.side}">${f.side}</td><td>${f.px}</td><td>${f.sz}</td><td>${fmt(f.feeQuote, 4)}</td><td>${f.liquidity}</td></tr>`,
    );
  $('fills-body').innerHTML = rows.join('') || '<tr><td colspan="6" class="muted">none yet</td></tr>';
}

function applySnapshot(s: Snapshot): void {
  if (s.nowMs !== undefined) botClockMs = s.nowMs;
  state.goneSinceMs = null;
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
  renderStatus();
  renderAccount();
  renderParams(s.params);
  renderQuotes(s.quotes);
  renderOrders();
  renderFills();
  // The stored history (bot clock) replaces what the page had: the chart opens on the last hour, not empty.
  void loadHistory(true).then(() => renderParams(s.params));
  void loadMarkouts();
}

function applyEvent(ev: BotEvent): void {
  switch (ev.type) {
    case 'quotes': {
      seeBotTime(ev.tsMs);
      renderQuotes(ev.quotes);
      break;
    }
    case 'fill': {
      state.fills.push(ev.fill);
      if (state.fills.length > 500) state.fills.splice(0, state.fills.length - 500);
      if (state.account) state.account.positionBase = ev.positionBase;
      renderFills();
      renderAccount();
      break;
    }
    case 'status':
      state.account = ev.account;
      state.risk = ev.risk;
      seeBotTime(ev.account.bbo?.exchMs);
      renderStatus();
      renderAccount();
      // The venue's clock (exchange time in a replay) like the snapshot's equity points; wall clock before data.
      pushEquity(ev.account.bbo?.exchMs ?? Date.now(), ev.account.equityQuote);
      void refreshOrders();
      break;
    case 'params':
      addParams(ev.params);
      break;
    case 'log':
      break;
  }
}

let ordersPending = false;
async function refreshOrders(render = true): Promise<void> {
  // Open orders are not pushed; a status event (sent when something changed) triggers one cheap read.
  if (ordersPending) return;
  ordersPending = true;
  try {
    const body = await session.api<{ openOrders: OpenOrderView[] }>(`/api/v1/hlmm/orders${coinParam()}`);
    state.orders = body.openOrders;
    if (render) renderOrders();
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
  const ws = new WebSocket(
    `${proto}://${location.host}/api/v1/hlmm/ws?token=${session.accessToken ?? ''}${coinParam('&')}`,
  );
  socket = ws;
  $('conn').textContent = 'connecting';
  ws.onopen = () => {
    retryMs = 1000;
    $('conn').textContent = 'live';
    state.goneSinceMs = null;
    renderStatus();
  };
  ws.onmessage = (msg) => {
    const data = JSON.parse(String(msg.data)) as ServerMessage;
    if (data.type === 'snapshot') applySnapshot(data.data);
    else applyEvent(data);
  };
  ws.onclose = async () => {
    if (socket !== ws) return;
    // The token may have expired: refresh it before the next attempt; if the bot answers no, back to the login
    // form. A bot that does not answer at all has stopped or is out of reach: say so, keep trying.
    let refreshed: boolean | null;
    try {
      refreshed = await session.refresh();
    } catch {
      refreshed = null;
    }
    if (socket !== ws) return;
    if (refreshed === false) {
      showLogin('Session expired; log in again.');
      return;
    }
    if (refreshed === null) state.goneSinceMs ??= Date.now();
    $('conn').textContent =
      refreshed === null
        ? `no answer from the bot; retrying in ${Math.round(retryMs / 1000)} s`
        : 'reconnecting';
    renderStatus();
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
    // The engine's one flatten (src/engine/flatten.ts), in its own numbers; the cap may be configured otherwise.
    text: `Flatten the position now? This sends reduce-only IOC limit orders at the touch, never beyond the slippage cap (--flatten-cap-bps, ${FLATTEN_DEFAULTS.slippageCapBps} bps by default), re-tried on each new book until flat, the book moves past the cap, ${FLATTEN_MAX_ATTEMPTS} attempts or ${FLATTEN_DEADLINE_MS / 1000} s.`,
    path: '/api/v1/forceexit',
    body: { tradeid: 'all' },
  },
};

/** Several coins: the same buttons on one coin (hlmm's per-coin controls), and the account's on every coin. */
const ACCOUNT_CONTROLS: Record<string, { text: string; path: string }> = {
  'stop-all': {
    text: 'Stop quoting on EVERY coin? Resting orders are canceled; positions are kept.',
    path: '/api/v1/hlmm/stop',
  },
  'start-all': { text: 'Start quoting again on every coin?', path: '/api/v1/hlmm/start' },
  'flatten-all': {
    text: `Flatten EVERY coin's position now? Each coin sends reduce-only IOC limit orders within the slippage cap (${FLATTEN_DEFAULTS.slippageCapBps} bps by default), as the one-coin flatten does.`,
    path: '/api/v1/hlmm/flatten',
  },
  'kill-all': {
    text: 'Trip the account kill switch? Every coin cancels its orders and stops quoting until started again.',
    path: '/api/v1/hlmm/kill',
  },
};

function controlOf(action: string): { text: string; path: string; body?: unknown } | undefined {
  if (action in ACCOUNT_CONTROLS) return ACCOUNT_CONTROLS[action];
  const control = CONTROLS[action];
  if (!control || !view.multi || view.coin === null) return control;
  const coin = view.coin;
  const path = { stop: '/api/v1/hlmm/stop', start: '/api/v1/hlmm/start', flatten: '/api/v1/hlmm/flatten' }[
    action as 'stop' | 'start' | 'flatten'
  ];
  return { text: `${coin}: ${control.text}`, path: `${path}${coinParam()}`, body: {} };
}

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
  const control = controlOf(action);
  if (!control || !(await confirmAction(control.text))) return;
  const forAccount = action in ACCOUNT_CONTROLS;
  const out = $(forAccount ? 'account-result' : 'control-result');
  out.textContent = '…';
  try {
    const res = await session.api<{ status?: string; result?: string }>(control.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(control.body ?? {}),
    });
    out.textContent = res.status ?? res.result ?? 'done';
    if (forAccount) {
      await loadOverview();
      return;
    }
    const risk = await session.api<RiskState>(`/api/v1/hlmm/risk${coinParam()}`);
    state.risk = risk;
    renderStatus();
  } catch (err) {
    if (err instanceof SessionExpired) showLogin('Session expired; log in again.');
    else if (err instanceof TypeError)
      // fetch's own network failure ("Failed to fetch"): the request may or may not have reached the bot.
      out.textContent =
        'The bot did not answer (no connection): it may have stopped. Check it before trying again.';
    else out.textContent = (err as Error).message;
  }
}

// ---- several coins: the overview and the coin tabs --------------------------------------------------------------
function renderTabs(): void {
  const nav = $('coin-tabs');
  nav.hidden = !view.multi;
  if (!view.multi) return;
  const tab = (key: string, label: string, active: boolean) =>
    `<button type="button" data-view="${key}" class="${active ? 'active' : ''}">${label}</button>`;
  nav.innerHTML = [
    tab('overview', 'All coins', view.coin === null),
    ...view.tickers.map((t) => tab(t, t, view.coin === t)),
  ].join('');
}

function renderOverview(o: OverviewView): void {
  seeBotTime(o.nowMs);
  const a = o.account;
  $('bot-name').textContent = o.botName;
  $('bot-ticker').textContent = `${o.tickers.join(', ')} · all coins`;
  $('bot-mode').textContent = o.mode === 'live' ? 'LIVE' : 'dry run';
  const status = $('status');
  status.dataset.state = a.killSwitch.tripped
    ? 'kill'
    : a.quotingCoins === a.coins
      ? 'quoting'
      : a.quotingCoins === 0
        ? 'stopped'
        : 'pulled';
  status.textContent = a.killSwitch.tripped ? 'kill switch' : `${a.quotingCoins} of ${a.coins} quoting`;
  $('acct-equity').textContent = `${fmt(a.equityQuote)} USDC`;
  signed($('acct-pnl'), a.pnlQuote);
  const beside = (now: number | null, limit: number | null) =>
    `${now === null ? '—' : fmt(Math.max(0, now))} / ${limit === null ? 'no limit' : fmt(limit)} USDC`;
  $('acct-notional').textContent = beside(a.totalNotionalQuote, a.maxTotalNotionalQuote);
  $('acct-margin').textContent = beside(a.marginUsedQuote ?? null, a.maxMarginQuote ?? null);
  $('acct-margin').classList.toggle('neg', (a.marginLimit ?? null) !== null);
  $('acct-margin').title = a.marginLimit ?? '';
  $('acct-dd').textContent = beside(a.drawdownQuote, a.maxDrawdownLimitQuote);
  $('acct-dll').textContent = beside(a.dayLossQuote, a.dailyLossLimitQuote);
  $('acct-kill').textContent = a.killSwitch.tripped ? `TRIPPED: ${a.killSwitch.reason ?? ''}` : 'armed';
  $('acct-kill').classList.toggle('neg', a.killSwitch.tripped);
  $('acct-quoting').textContent = `${a.quotingCoins} of ${a.coins}`;
  const esc = (t: string) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const cls = (v: number) => (v > 0 ? 'pos' : v < 0 ? 'neg' : '');
  $('coins-body').innerHTML = o.coins
    .map((c) => {
      const p = c.params;
      const quote = (q: { px: number; sz: number } | null) => (q ? `${q.px} × ${q.sz}` : '—');
      return `<tr data-coin="${esc(c.coin)}"><td><b>${esc(c.coin)}</b></td><td><span class="badge" data-state="${esc(c.status)}" title="${esc(c.state ?? '')}">${esc(c.status)}</span></td><td>${fmt(c.mid)}</td><td>${sig(c.positionBase, 6)}</td><td>${fmt(c.notionalQuote)}</td><td class="${cls(c.pnlQuote)}">${fmt(c.pnlQuote, 4)}</td><td class="buy">${quote(c.bid)}</td><td class="sell">${quote(c.ask)}</td><td>${p ? short(p.sigma) : '—'}</td><td>${p ? short(p.A) : '—'}</td><td>${p ? short(p.k) : '—'}</td><td>${p ? short(p.gamma) : '—'}</td><td class="muted">${p ? esc(p.source) : 'none'}</td><td>${c.openOrders}</td></tr>`;
    })
    .join('');
  $('overview-note').textContent =
    `${new Date(o.nowMs).toISOString().slice(0, 19).replace('T', ' ')} UTC on the bot's clock. σ in USDC/√s, A in 1/s, k and γ in 1/USDC; params = where the values in use come from (file, or online/blend). Click a coin for its page.`;
}

let overviewPending = false;
async function loadOverview(): Promise<OverviewView | null> {
  if (overviewPending) return null;
  overviewPending = true;
  try {
    const o = await session.api<OverviewView>('/api/v1/hlmm/overview');
    view.multi = o.multi;
    view.tickers = o.tickers;
    if (view.multi && view.coin === null) renderOverview(o);
    return o;
  } catch (err) {
    if (err instanceof SessionExpired) showLogin('Session expired; log in again.');
    else $('overview-note').textContent = `No answer from the bot (${(err as Error).message}).`;
    return null;
  } finally {
    overviewPending = false;
  }
}

/** Forgets what the page holds of the coin shown (a new coin's snapshot and history refill it). */
function resetCoinState(): void {
  state.info = null;
  state.account = null;
  state.risk = null;
  state.orders = [];
  state.fills = [];
  state.price = [[], [], [], [], [], [], []];
  state.equity = [[], []];
  state.paramsHist = [];
  fillKeys.clear();
  lastRowMs = Number.NEGATIVE_INFINITY;
  priceChart?.setData(state.price as uPlot.AlignedData);
  equityChart?.setData(state.equity as uPlot.AlignedData);
  $('control-result').textContent = '';
}

/** Shows the overview (coin null) or one coin; several coins only. */
function selectView(coin: string | null): void {
  const old = socket;
  socket = null;
  old?.close();
  view.coin = coin !== null && view.tickers.includes(coin) ? coin : null;
  const hash = view.coin === null ? '#overview' : `#coin=${view.coin}`;
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
  renderTabs();
  $('overview').hidden = view.coin !== null;
  $('coin-view').hidden = view.coin === null;
  resetCoinState();
  if (view.coin === null) {
    $('conn').textContent = 'live';
    void loadOverview();
  } else {
    if (!priceChart) makeCharts();
    connect();
  }
}

function coinFromHash(): string | null {
  const m = /^#coin=([A-Za-z0-9]+)$/.exec(location.hash);
  return m ? m[1] : null;
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

async function showApp(): Promise<void> {
  $('login').hidden = true;
  $('app').hidden = false;
  session.scheduleRefresh();
  // Several coins or one: the overview says. An older bot without it is a one-coin bot.
  const o = await loadOverview();
  if (o?.multi) {
    selectView(coinFromHash());
    return;
  }
  $('overview').hidden = true;
  $('coin-view').hidden = false;
  if (!priceChart) makeCharts();
  connect();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    await session.login($<HTMLInputElement>('user').value, $<HTMLInputElement>('password').value);
    $<HTMLInputElement>('password').value = '';
    await showApp();
  } catch (err) {
    $('login-error').textContent = (err as Error).message;
  }
});
$('logout').addEventListener('click', () => showLogin());
document.querySelectorAll<HTMLButtonElement>('.controls button[data-action]').forEach((button) => {
  button.addEventListener('click', () => void runControl(button.dataset.action ?? ''));
});
$('coin-tabs').addEventListener('click', (e) => {
  const key = (e.target as HTMLElement).closest<HTMLElement>('button[data-view]')?.dataset.view;
  if (key) selectView(key === 'overview' ? null : key);
});
$('coins-body').addEventListener('click', (e) => {
  const coin = (e.target as HTMLElement).closest<HTMLElement>('tr[data-coin]')?.dataset.coin;
  if (coin) selectView(coin);
});
window.addEventListener('hashchange', () => {
  if (view.multi && session.loggedIn) selectView(coinFromHash());
});
setInterval(() => {
  renderStatus();
  renderOrders();
  if (view.multi && view.coin === null) return;
  if (state.goneSinceMs === null && session.loggedIn && !$('app').hidden) void loadMarkouts();
}, 5000);
// The chart, the open orders and their ages follow the bot's own history (bot clock), polled: the WebSocket's
// quote events carry no book, and a replay's bot clock runs faster than the wall's.
setInterval(() => {
  if (view.multi && view.coin === null) {
    if (session.loggedIn && !$('app').hidden) void loadOverview();
    return;
  }
  if (state.goneSinceMs !== null || !session.loggedIn || $('app').hidden || priceChart === null) return;
  // Orders first, then the history: its bot time is then at or after every order's creation (real ages).
  void refreshOrders(false).then(() => loadHistory(false).then(renderOrders));
}, 2000);

if (session.loggedIn) void showApp();
