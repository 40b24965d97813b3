// `npm run test:stress`: the whole test suite while two busy processes keep both cores loaded, as on a shared CI
// machine. Tests must not depend on how fast wall time passes; this proves it. The busy processes are started
// and always ended here: on success, failure, Ctrl-C or SIGTERM, and they end themselves if this script dies
// without a chance to clean up (they watch their parent).
// Usage: node scripts/test-stress.mjs [test files…]   (default: every test, as `npm test` runs them)
import { spawn } from 'node:child_process';

const BUSY_PROCESSES = 2;
// A spin loop that exits once its parent is gone (checked every few tens of ms of spinning).
const SPIN = 'const p=process.ppid;for(let i=1;;i++){if(i%50000000===0&&process.ppid!==p)process.exit(0)}';

const busy = [];
for (let i = 0; i < BUSY_PROCESSES; i++) {
  busy.push(spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' }));
}
function stopBusy() {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
/** The test run, once started: a signal to this script is passed on to it. */
let tests = null;
process.on('exit', stopBusy);
for (const [signal, number] of [
  ['SIGHUP', 1],
  ['SIGINT', 2],
  ['SIGTERM', 15],
]) {
  process.on(signal, () => {
    // The test run is its own process group (runner, test files, bots they spawn): end all of it.
    if (tests && tests.exitCode === null) {
      try {
        process.kill(-tests.pid, signal);
      } catch {}
    }
    stopBusy();
    process.exit(128 + number);
  });
}

process.stdout.write(
  `test:stress: ${BUSY_PROCESSES} busy processes (pids ${busy.map((c) => c.pid).join(', ')}) load the cores\n`,
);
// scripts/run-tests.mjs builds dist/ first (CLI tests spawn ./bin/hlmm).
tests = spawn(process.execPath, ['scripts/run-tests.mjs', ...process.argv.slice(2)], {
  stdio: 'inherit',
  detached: true,
});
tests.on('exit', (code, signal) => {
  stopBusy();
  process.exit(code ?? (signal ? 1 : 0));
});
