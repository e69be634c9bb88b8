/**
 * The one way a command gets its {@link Stack}: from the compose file(s)
 * when there are any, or — for commands that work from labels alone — from
 * the project name (`-p` or COMPOSE_PROJECT_NAME) when there is no file.
 */
import { type Logger, pino } from 'pino';
import { Engine } from '../engine/engine.js';
import { Stack } from '../stack/stack.js';
import type { StackEventListener } from '../stack/events.js';
import { ComposeFileError } from '../compose/errors.js';
import { assertServicesExist } from '../compose/load-errors.js';
import { assertValidProjectName } from '../compose/project-name.js';
import { CliUsageError, type CliIo, type GlobalOptions } from './context.js';
import { loadProjectFromCli } from './load-project.js';

export interface OpenStackOptions {
  /** The command needs the compose file (`up`); otherwise a project name is enough. */
  requireFile?: boolean;
  /** Services named on the command line: checked against the file before anything talks to the engine. */
  services?: string[];
  onEvent?: StackEventListener;
}

/** The engine the Docker CLI would use with the same environment and `--context`, connected (its API version negotiated). */
export function connectCliEngine(global: Pick<GlobalOptions, 'context'>, io: Pick<CliIo, 'env'>, logger: Logger): Promise<Engine> {
  return Engine.connect({ env: io.env, logger, ...(global.context ? { context: global.context } : {}) });
}

/**
 * Loads the project the global options describe and wraps it in a Stack.
 *
 * @throws CliUsageError when there is neither a compose file nor a project name.
 * @throws NoSuchServiceError when a named service is not in the file.
 */
export async function openStack(global: GlobalOptions, io: CliIo, options: OpenStackOptions = {}): Promise<Stack> {
  // The CLI reports warnings through its progress view; pino stays quiet so
  // nothing but our own lines reaches the terminal.
  const logger = pino({ level: 'silent' });
  const stackOptions = { logger, ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
  const connect = () => connectCliEngine(global, io, logger);
  try {
    const project = await loadProjectFromCli(global, io);
    assertServicesExist(project, options.services ?? []);
    return new Stack(project, { ...stackOptions, engine: await connect() });
  } catch (err) {
    const noFile = err instanceof ComposeFileError && err.code === 'COMPOSE_NO_FILES';
    if (!noFile || options.requireFile) throw err;
    const name = global.projectName || io.env['COMPOSE_PROJECT_NAME'];
    if (!name) {
      throw new CliUsageError(`no compose file found in ${io.cwd} or its parent folders, and no project name; pass -f FILE, or -p NAME to act on a running stack`);
    }
    assertValidProjectName(name, global.projectName ? '-p' : 'COMPOSE_PROJECT_NAME');
    return Stack.forProject(name, { ...stackOptions, engine: await connect() });
  }
}

