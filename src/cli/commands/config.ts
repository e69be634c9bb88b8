/**
 * `modelstack config [--format yaml|json]`: load the compose file(s) and
 * print the normalized project as `docker compose config` prints it.
 */
import type { Command } from 'commander';
import { serializeProject } from '../../compose/serialize.js';
import { CliUsageError, type CliIo, type GlobalOptions } from '../context.js';
import { loadProjectFromCli } from '../load-project.js';

export function registerConfig(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('Parse, resolve and print the compose file(s) in canonical form')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (options: { format: string }, command: Command) => {
      const format = options.format.toLowerCase();
      if (format !== 'yaml' && format !== 'json') {
        throw new CliUsageError(`unknown --format ${JSON.stringify(options.format)}; use yaml or json`);
      }
      const global = command.optsWithGlobals<GlobalOptions & { format: string }>();
      const project = await loadProjectFromCli(global, io);
      io.stdout(serializeProject(project, { format }));
    });
}
