/**
 * The one way a command turns the global options (`-f`, `-p`, `--env-file`,
 * `--profile`, `--project-directory`) into a loaded project, so every
 * command reads compose files exactly like `config` does.
 */
import { formatPosition, type LoadWarning } from '../compose/errors.js';
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
  const parts = ['modelstack: warning'];
  if (w.position) parts.push(formatPosition(w.position));
  if (w.keyPath) parts.push(w.keyPath);
  parts.push(w.message);
  return parts.join(': ');
}
