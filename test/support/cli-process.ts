// Runs the real CLI (./bin/hlmm: the production bundle, see ./hlmm-cli.ts) as a child process whose output the
// test reads while it runs and whose exit it awaits.
import { spawn } from 'node:child_process';
import { HLMM_ARGV } from './hlmm-cli.ts';

export function spawnCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...HLMM_ARGV, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit, out: () => stdout, err: () => stderr };
}
