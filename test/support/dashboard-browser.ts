/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), for the browser
 * tests: the bundle as scripts/build.mjs makes it, and a fresh browser profile with its first page.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { WAIT_BUDGET_MS } from './wait.ts';

const CHROMIUM = '/usr/bin/chromium';
/** The browser tests' skip reason where Chromium is missing (never on CI: there it must be installed). */
export const NO_BROWSER = existsSync(CHROMIUM) || process.env.CI ? false : `${CHROMIUM} is not installed`;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The dashboard bundle as scripts/build.mjs makes it, into a new temporary folder; returns the folder. */
export async function buildDashboard(): Promise<string> {
  const webRoot = mkdtempSync(join(tmpdir(), 'hlmm-web-'));
  await build({
    entryPoints: { dashboard: 'src/web/dashboard.ts' },
    outdir: webRoot,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100'],
    logLevel: 'warning',
  });
  copyFileSync('src/web/index.html', join(webRoot, 'index.html'));
  return webRoot;
}

/**
 * Headless Chromium on a new profile (its folder in `profile`, for the caller to remove) whose first page records
 * every page error into `pageErrors`; every wait of the page is bounded by the tests' hang guard.
 */
export async function openDashboardBrowser(
  width: number,
  pageErrors: string[],
): Promise<{ context: BrowserContext; page: Page; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'hlmm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height: 900 },
  });
  context.setDefaultTimeout(WAIT_BUDGET_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, profile };
}
