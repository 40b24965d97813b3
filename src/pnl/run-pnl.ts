import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import { type BotEndpoint, type BotSummary, fetchBotSummary } from './bot-summary.ts';
import { renderPnlTable, shouldColor, totalsOf } from './pnl-table.ts';

export interface PnlOptions {
  bots?: string[];
  botsFile?: string;
  user?: string;
  password?: string;
  timeoutS: number;
  json: boolean;
}

/**
 * The bots file: a JSON list (or `{ "bots": [...] }`) of `{ "name"?, "url", "user"?, "password"? }`. A password
 * may also be given as `"password_env": "VAR"` so the file need not hold it.
 */
export function readBotsFile(file: string, env: NodeJS.ProcessEnv = process.env): BotEndpoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`--bots-file ${file} cannot be read; check the path.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UserError(`--bots-file ${file} is not valid JSON (${(err as Error).message}).`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { bots?: unknown })?.bots;
  if (!Array.isArray(list) || list.length === 0) {
    throw new UserError(
      `--bots-file ${file} must hold a non-empty JSON list of {"name", "url", "user", "password"}.`,
    );
  }
  return list.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.url !== 'string' || !/^https?:\/\//.test(e.url)) {
      throw new UserError(`--bots-file ${file}: entry ${i} needs "url" starting with http:// or https://.`);
    }
    for (const key of Object.keys(e)) {
      if (!['name', 'url', 'user', 'username', 'password', 'password_env'].includes(key)) {
        throw new UserError(
          `--bots-file ${file}: entry ${i} has unknown key "${key}" (allowed: name, url, user, password, password_env).`,
        );
      }
    }
    let password = typeof e.password === 'string' ? e.password : undefined;
    if (typeof e.password_env === 'string') {
      password = env[e.password_env];
      if (password === undefined) {
        throw new UserError(
          `--bots-file ${file}: entry ${i} reads its password from $${e.password_env}, which is not set.`,
        );
      }
    }
    const user =
      typeof e.user === 'string' ? e.user : typeof e.username === 'string' ? e.username : undefined;
    return { name: typeof e.name === 'string' ? e.name : undefined, url: e.url, user, password };
  });
}

export function botsFromFlags(urls: string[], user?: string, password?: string): BotEndpoint[] {
  return urls.map((url) => {
    if (!/^https?:\/\//.test(url))
      throw new UserError(`--bots: "${url}" must start with http:// or https://.`);
    return { url, user, password };
  });
}

/** Reads every bot in parallel; the output order is the input order. */
export async function collectSummaries(
  bots: BotEndpoint[],
  timeoutMs: number,
  nowMs = Date.now(),
): Promise<BotSummary[]> {
  return Promise.all(bots.map((b) => fetchBotSummary(b, { timeoutMs, nowMs })));
}

export async function runPnl(opts: PnlOptions): Promise<void> {
  if (!opts.bots && !opts.botsFile) throw new UserError('give --bots URL[,URL…] or --bots-file FILE.');
  const password = opts.password ?? process.env.HLMM_API_PASSWORD;
  const bots = [
    ...(opts.bots ? botsFromFlags(opts.bots, opts.user, opts.user !== undefined ? password : undefined) : []),
    ...(opts.botsFile ? readBotsFile(opts.botsFile) : []),
  ];
  const rows = await collectSummaries(bots, opts.timeoutS * 1000);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ bots: rows, totals: totalsOf(rows) }, null, 2)}\n`);
  } else {
    process.stdout.write(renderPnlTable(rows, { color: shouldColor(process.stdout, process.env) }));
  }
  // Every bot down is worth a non-zero exit for cron/monitoring; some down is shown in the table.
  if (rows.length > 0 && rows.every((r) => r.error !== null)) process.exitCode = 1;
}
