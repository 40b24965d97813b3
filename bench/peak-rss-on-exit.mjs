// Preloaded (`node --import`) into a child process by the benchmarks: prints the process's peak resident set size
// when it exits, so a benchmark can measure a real `hlmm` command run on its own.
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
