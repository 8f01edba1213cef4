// `vtmigrate worker --config FILE`: runs a worker in the foreground.
import type { Command } from 'commander';
import { runWorker } from '../worker';

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run a vtmigrate worker (workflows and activities) until SIGTERM/SIGINT')
    .requiredOption('--config <file>', 'worker configuration (Temporal address, target topology, database credentials per cluster)')
    .action(async (opts: { config: string }) => {
      await runWorker(opts.config);
    });
}
