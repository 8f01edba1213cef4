// `vtmigrate worker --config FILE`: runs a worker in the foreground.
// The worker (activities, MySQL, binlog reader) is loaded only when this command runs, so the
// other commands start without it.
import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run a vtmigrate worker (workflows and activities) until SIGTERM/SIGINT')
    .requiredOption('--config <file>', 'worker configuration (Temporal address, target topology, database credentials per cluster)')
    .action(async (opts: { config: string }) => {
      const { runWorker } = await import('../worker');
      await runWorker(opts.config);
    });
}
