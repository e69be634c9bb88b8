/**
 * `modelstack config`: print the normalized project (placeholder until the
 * compose loader lands; see issue 3).
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';

export function registerConfig(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('Parse, resolve and print the compose file(s) in canonical form')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(() => {
      io.stderr('config: not implemented yet\n');
    });
}
