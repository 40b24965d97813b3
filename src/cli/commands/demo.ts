import { numberOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';

export const defineDemo: DefineCommand = (program) => {
  program
    .command('demo')
    .description('Offline demo: the fake exchange replays the bundled BTC sample while collect records it.')
    .option('--seconds <s>', 'how long to record', numberOption({ positive: true, max: 600 }), 7)
    .option('--speed <x>', 'replay speed, exchange time per wall time', numberOption({ positive: true }), 800)
    .option('--keep', 'keep the recorded files (their directory is printed)', false)
    .action(async (opts) => {
      const { runDemo } = await import('../../collect/demo.ts');
      await runDemo(opts);
    });
};
