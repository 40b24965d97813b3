// Preloaded (`node --import`) into a child process by the benchmarks: prints the process's peak resident set size
// and its CPU time (all threads, user + system) when it exits, so a benchmark can measure a real `hlmm` command
// run on its own.
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\npeak-rss-kb ${u.maxRSS}\ncpu-us ${u.userCPUTime + u.systemCPUTime}\n`);
});
