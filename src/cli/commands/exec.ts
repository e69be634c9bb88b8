/**
 * `modelstack exec [-T] [--index N] [-u USER] [-w DIR] [-e KEY=VAL]...
 * SERVICE COMMAND [ARGS...]`: run a command in a service's running
 * container and exit with its exit code, as `docker compose exec` does.
 * Everything after SERVICE belongs to the command (`exec web ls -la`).
 *
 * - stdin is forwarded (`echo x | modelstack exec web cat` prints x); its
 *   end closes the command's stdin.
 * - When stdin is a terminal, the command runs on a pseudo-terminal (`-T`
 *   turns that off): our terminal goes raw, so keys, Ctrl-C included, reach
 *   the command; its size follows ours; output arrives raw on stdout.
 * - Otherwise its stdout and stderr go to ours, as they arrive.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { collect, parseIndex } from '../arguments.js';
import { CliExit, type CliIo, type CliStdin, CliUsageError, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';

interface ExecFlags {
  /** False with -T. */
  TTY: boolean;
  index: number;
  user?: string;
  workdir?: string;
  env: string[];
}

/** Adds `modelstack exec` to `program`; output goes to `io`. */
export function registerExec(program: Command, io: CliIo): void {
  program
    .command('exec')
    .description("Run a command in a service's running container and exit with its exit code (interactive on a terminal)")
    .usage('[options] SERVICE COMMAND [ARGS...]')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments (options after SERVICE are passed to it)')
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin is a terminal')
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
      const { stdin } = io;
      const terminal = o.TTY && stdin?.isTTY === true && stdin.setRawMode ? io.terminal : undefined;
      let interrupted = false;
      const restore = terminal ? rawMode(stdin!) : () => {};
      try {
        const result = await withInterrupt(
          io,
          (signal) =>
            stack.exec(service, cmd, {
              index: o.index,
              ...(o.user ? { user: o.user } : {}),
              ...(o.workdir ? { workingDir: o.workdir } : {}),
              ...(Object.keys(env).length ? { env } : {}),
              ...(stdin ? { stdin } : {}),
              ...(terminal ? { terminal: { ...terminal.size(), onResize: terminal.onResize } } : {}),
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
        restore();
        // The command is done (the exec paused our input): an input that stays open (a pipe nobody closes) must not keep the process alive.
        stdin?.unref?.();
        write('stdout', decoders.stdout.end());
        write('stderr', decoders.stderr.end());
      }
    });
}

/** Puts the terminal in raw mode (keys go to the command as typed); returns what restores it. */
function rawMode(stdin: CliStdin): () => void {
  stdin.setRawMode!(true);
  return () => void stdin.setRawMode!(false);
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
