// A node:test reporter that writes one JSON line per test file when the file's process ends: its path, wall
// duration (ms, process start to exit) and whether it passed. scripts/run-tests.mjs reads these lines to print
// the slowest files after the run.
export default async function* timings(source) {
  for await (const event of source) {
    // Node reports each file as a test named by its path, completed when the file's process exits.
    if (event.type !== 'test:complete' || event.data.name !== event.data.file) continue;
    const { duration_ms: durationMs, passed } = event.data.details;
    yield `${JSON.stringify({ file: event.data.file, durationMs, passed })}\n`;
  }
}
