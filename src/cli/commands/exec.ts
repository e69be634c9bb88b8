/**
 * `modelstack exec [-T] [--index N] [-u USER] [-w DIR] [-e KEY=VAL]...
 * SERVICE COMMAND [ARGS...]`: run a command in a service's running
 * container, stream its output as it arrives (stdout to stdout, stderr to
 * stderr) and exit with its exit code. Everything after SERVICE belongs to
 * the command (`exec web ls -la`). No TTY and no stdin: not interactive.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { collect, parseIndex } from '../arguments.js';
import { CliExit, CliUsageError, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';

interface ExecFlags {
  index: number;
  user?: string;
  workdir?: string;
  env: string[];
}

/** Adds `modelstack exec` to `program`; output goes to `io`. */
export function registerExec(program: Command, io: CliIo): void {
  program
    .command('exec')
    .description("Run a command in a service's running container and exit with its exit code (no TTY, no stdin: not interactive)")
    .usage('[options] SERVICE COMMAND [ARGS...]')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments (options after SERVICE are passed to it)')
    .option('-T, --no-TTY', 'accepted for Compose compatibility: exec never allocates a TTY')
    .option('--index <n>', 'which container of the service', parseIndex, 1)
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable; KEY alone takes its value from our environment)', collect, [])
    // Compose stops reading its own options at SERVICE: `exec web ls -la` runs `ls -la`.
    .passThroughOptions()
    .action(async (service: string, cmd: string[], _options: ExecFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & ExecFlags>();
      const env = parseEnv(o.env, io.env);
      const stack = await openStack(o, io, { services: [service] });
      const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
      const write = (stream: 'stdout' | 'stderr', text: string) => {
        if (text) (stream === 'stderr' ? io.stderr(text) : io.stdout(text));
      };
      let interrupted = false;
      try {
        const result = await withInterrupt(
          io,
          (signal) =>
            stack.exec(service, cmd, {
              index: o.index,
              ...(o.user ? { user: o.user } : {}),
              ...(o.workdir ? { workingDir: o.workdir } : {}),
              ...(Object.keys(env).length ? { env } : {}),
              signal,
              onOutput: (stream, chunk) => write(stream, decoders[stream].write(chunk)),
            }),
          () => {
            interrupted = true;
          },
        );
        if (result.exitCode !== 0) throw new CliExit(result.exitCode);
      } catch (err) {
        if (!interrupted) throw err;
        throw new CliExit(INTERRUPTED_EXIT_CODE, 'exec was interrupted; the command may still be running in the container');
      } finally {
        write('stdout', decoders.stdout.end());
        write('stderr', decoders.stderr.end());
      }
    });
}

/** `-e KEY=VAL` and `-e KEY` (value from our environment; left out when unset, as Docker does). */
function parseEnv(entries: string[], environment: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!key) throw new CliUsageError(`-e ${JSON.stringify(entry)}: expected KEY=VALUE or KEY`);
    const value = eq < 0 ? environment[key] : entry.slice(eq + 1);
    if (value !== undefined) env[key] = value;
  }
  return env;
}
