/**
 * The one way a command turns the global options (`-f`, `-p`, `--env-file`,
 * `--profile`, `--project-directory`) into a loaded project, so every
 * command reads compose files exactly like `config` does.
 */
import { describeWarning, type LoadWarning } from '../compose/errors.js';
import { loadProject } from '../compose/load.js';
import type { Project } from '../compose/model.js';
import type { CliIo, GlobalOptions } from './context.js';

/** Loads the project the global options describe; warnings go to stderr. */
export async function loadProjectFromCli(options: GlobalOptions, io: CliIo): Promise<Project> {
  return loadProject({
    files: options.file,
    ...(options.projectName !== undefined ? { projectName: options.projectName } : {}),
    ...(options.projectDirectory !== undefined ? { workingDir: options.projectDirectory } : {}),
    envFiles: options.envFile,
    profiles: options.profile,
    env: io.env,
    cwd: io.cwd,
    onWarning: (w) => io.stderr(`${formatWarning(w)}\n`),
  });
}

/** `modelstack: warning: file:line:col: key: message`. */
export function formatWarning(w: LoadWarning): string {
  return `modelstack: warning: ${describeWarning(w)}`;
}
