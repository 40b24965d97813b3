// Drives a built FreqUI (served at UI) against a running hlmm bot (API) in Debian's Chromium: logs in, opens every
// page, loads the strategy's plot config, clicks Days/Weeks/Months; prints console errors and failed requests to
// the bot, and the status of every call FreqUI made; screenshots in OUT. See docs/frequi.md, "Checked in a browser".
// HLMM_API_PASSWORD=… UI=http://127.0.0.1:3000 API=http://127.0.0.1:18080 node scripts/frequi-browser.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { chromium } = require('playwright-core');

const UI = process.env.UI ?? 'http://127.0.0.1:3000';
const API = process.env.API ?? 'http://127.0.0.1:18080';
const OUT = process.env.OUT ?? '/tmp/frequi-shots';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PASS = process.env.HLMM_API_PASSWORD;
if (!PASS) {
  console.error('frequi-browser: set HLMM_API_PASSWORD to the bot API password.');
  process.exit(2);
}
const pages = (
  process.env.PAGES ??
  'trade,dashboard,graph,backtest,open_trades,trade_history,balance,logs,settings,pairlist'
).split(',');
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1500, height: 950 } });
const page = await ctx.newPage();
const events = [];
let where = 'start';
page.on('console', (m) => {
  if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('ERR_NAME_NOT_RESOLVED'))
    events.push(`[${where}] console.${m.type()}: ${m.text().slice(0, 400)}`);
});
page.on('pageerror', (e) => events.push(`[${where}] pageerror: ${e.message.slice(0, 400)}`));
page.on(
  'requestfailed',
  (r) =>
    /iconify|unisvg|simplesvg/.test(r.url()) ||
    events.push(`[${where}] requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`),
);
const apiCalls = new Map();
page.on('response', async (r) => {
  const u = r.url();
  if (!u.startsWith(API)) return;
  const key = `${r.request().method()} ${u.replace(API, '')}`;
  apiCalls.set(key, r.status());
  if (r.status() >= 400) {
    let body = '';
    try {
      body = (await r.text()).slice(0, 300);
    } catch {}
    events.push(`[${where}] HTTP ${r.status()}: ${key} ${body}`);
  }
});

await page.goto(`${UI}/login`);
await page.getByRole('textbox', { name: 'Bot Name' }).fill('hlmm-paper');
await page.locator('#url-input').fill(API);
await page.getByRole('textbox', { name: 'Username' }).fill('hlmm');
await page.getByRole('textbox', { name: 'Password' }).fill(PASS);
where = 'login';
await page.locator('button[type=submit]').click();
await page.waitForTimeout(3000);
await page.screenshot({ path: `${OUT}/00-after-login.png` });

for (const p of pages) {
  where = p;
  await page.goto(`${UI}/${p}`);
  await page.waitForTimeout(Number(process.env.WAIT_MS ?? 5000));
  await page.screenshot({ path: `${OUT}/${p}.png`, fullPage: process.env.FULL === '1' });
}
const shot = (name) => page.screenshot({ path: `${OUT}/${name}.png` });
const settle = (ms = 4000) => page.waitForTimeout(ms);
// Chart with the strategy's plot config: FreqUI loads it only from the plot configurator ("From strategy", Save).
where = 'graph-plotconfig';
await page.goto(`${UI}/graph`);
await settle();
await page.getByTitle('Plot configurator').first().click();
await settle(1500);
await page.getByRole('button', { name: 'From strategy' }).click();
await settle(1500);
await page.getByRole('button', { name: 'Save' }).click();
await settle(1000);
await shot('graph-configurator');
await page.keyboard.press('Escape');
await page.goto(`${UI}/graph`);
await settle(6000);
await shot('graph-strategy-plot');
// Profit periods on the dashboard.
where = 'dashboard-periods';
await page.goto(`${UI}/dashboard`);
await settle();
for (const label of ['Weeks', 'Months', 'Days']) {
  where = `dashboard-${label}`;
  await page.getByRole('button', { name: label, exact: true }).first().click();
  await settle(2500);
  await shot(`dashboard-${label.toLowerCase()}`);
}
// Trade page with the strategy plot, then the open trade's details.
where = 'trade-detail';
await page.goto(`${UI}/trade`);
await settle(6000);
await shot('trade-strategy-plot');
await page.goto(`${UI}/open_trades`);
await settle();
await shot('open_trades');
writeFileSync(`${OUT}/events.txt`, events.join('\n'));
writeFileSync(
  `${OUT}/calls.txt`,
  [...apiCalls]
    .map(([k, v]) => `${v} ${k}`)
    .sort()
    .join('\n'),
);
console.log(events.join('\n'));
console.log('---- calls');
console.log(
  [...apiCalls]
    .map(([k, v]) => `${v} ${k}`)
    .sort()
    .join('\n'),
);
await browser.close();
