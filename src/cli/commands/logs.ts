/**
 * `modelstack logs [-f] [-n|--tail N] [--since T] [--until T] [-t]
 * [--no-log-prefix] [--no-color] [SERVICE...]`: the services' container logs, each line prefixed with
 * `<service>-<n>  | `; container stdout to stdout, container stderr to
 * stderr. With `-f`, until the containers stop or Ctrl-C.
 */
import type { Command } from 'commander';
import type { StackLogsOptions } from '../../stack/stack.js';
import { parseLogTime, parseTail } from '../arguments.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { LogPrinter, colorByDefault, prefixName } from '../log-printer.js';
import { openStack } from '../open-stack.js';

interface LogsFlags {
  follow?: boolean;
  since?: number;
  until?: number;
  tail?: number | 'all';
  timestamps?: boolean;
  /** False with `--no-log-prefix`. */
  logPrefix: boolean;
  /** False with `--no-color`. */
  color: boolean;
}

/** Adds `modelstack logs` to `program`; output goes to `io`. */
export function registerLogs(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description("Print the services' logs (container stdout to stdout, stderr to stderr)")
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'keep printing new lines until the containers stop or Ctrl-C')
    .option('-n, --tail <lines>', 'lines from the end of each container\'s log, or "all"', parseTail)
    .option('--since <time>', 'only lines since this time: a duration before now (10m, 1h30m), a date-time (2026-12-01T13:23:37Z), or Unix seconds', (v: string) => parseLogTime(v))
    .option('--until <time>', 'only lines before this time (same forms as --since)', (v: string) => parseLogTime(v))
    .option('-t, --timestamps', 'show timestamps')
    .option('--no-log-prefix', 'do not prefix lines with the container')
    .option('--no-color', 'do not color the prefixes')
    .action(async (services: string[], _options: LogsFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & LogsFlags>();
      const stack = await openStack(o, io, { services });
      const selection = services.length ? { services } : {};
      const printer = new LogPrinter(io, { prefix: o.logPrefix, color: o.color && colorByDefault(io) });
      const options: StackLogsOptions = {
        ...selection,
        // Every prefix is known before the first line, so all lines align.
        onContainers: (containers) => printer.register(containers.map((c) => prefixName(c.service, c.number))),
        ...(o.tail !== undefined ? { tail: o.tail } : {}),
        ...(o.timestamps ? { timestamps: true } : {}),
        ...(o.since !== undefined ? { since: o.since } : {}),
        ...(o.until !== undefined ? { until: o.until } : {}),
        onLine: (line) => printer.print(line),
      };
      if (!o.follow) return stack.logs(options);
      let interrupted = false;
      await withInterrupt(
        io,
        (signal) => stack.logs({ ...options, follow: true, signal }),
        () => {
          interrupted = true;
        },
      );
      if (interrupted) throw new CliExit(INTERRUPTED_EXIT_CODE);
    });
}
