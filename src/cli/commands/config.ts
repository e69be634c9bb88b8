/**
 * `modelstack config`: load the compose file(s) and print the normalized
 * project as `docker compose config` prints it (`--format yaml|json`), or
 * one of its lists, one item per line, as Compose v2.26 prints them:
 * `--services` (dependencies first), `--volumes`, `--profiles` (every
 * profile the files name, sorted), `--images` (a service without `image:`
 * gets its build tag `<project>-<service>`), `--hash SERVICES` (`*` for all,
 * sorted; `name hash`, the hash `up` labels the container with). `-q` only
 * validates. When several are given, the first of that order wins, as in
 * Compose.
 */
import type { Command } from 'commander';
import { dependencyOrder } from '../../compose/graph.js';
import { assertServicesExist } from '../../compose/load-errors.js';
import type { Project } from '../../compose/model.js';
import { serializeProject } from '../../compose/serialize.js';
import { composeConfigHash } from '../../plan/config-hash.js';
import { imageFor } from '../../plan/service-container.js';
import { CliUsageError, type CliIo, type GlobalOptions } from '../context.js';
import { loadProjectFromCli } from '../load-project.js';

interface ConfigFlags {
  format: string;
  services?: boolean;
  volumes?: boolean;
  hash?: string;
  profiles?: boolean;
  images?: boolean;
  quiet?: boolean;
}

export function registerConfig(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('Parse, resolve and print the compose file(s) in canonical form')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--services', 'print the service names, one per line (dependencies first)')
    .option('--volumes', 'print the volume names, one per line')
    .option('--hash <services>', 'print "service hash" per line for these services (comma-separated, or * for all)')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('-q, --quiet', "only validate the configuration, don't print anything")
    .action(async (options: ConfigFlags, command: Command) => {
      const format = options.format.toLowerCase();
      if (format !== 'yaml' && format !== 'json') {
        throw new CliUsageError(`unknown --format ${JSON.stringify(options.format)}; use yaml or json`);
      }
      const global = command.optsWithGlobals<GlobalOptions & ConfigFlags>();
      const project = await loadProjectFromCli(global, io);
      const lines = configLines(project, options);
      if (lines) io.stdout(lines.map((l) => `${l}\n`).join(''));
      else if (!options.quiet) io.stdout(serializeProject(project, { format }));
    });
}

/** The list a flag asks for (Compose's precedence), or undefined for the whole project. */
function configLines(project: Project, flags: ConfigFlags): string[] | undefined {
  if (flags.services) return dependencyOrder(project);
  if (flags.volumes) return Object.keys(project.volumes);
  if (flags.hash !== undefined) return hashLines(project, flags.hash);
  if (flags.profiles) {
    const all = [...Object.values(project.services), ...Object.values(project.disabled_services ?? {})].flatMap((s) => s.profiles ?? []);
    return [...new Set(all)].sort();
  }
  if (flags.images) return dependencyOrder(project).map((name) => imageFor(project, name));
  return undefined;
}

function hashLines(project: Project, spec: string): string[] {
  const names = spec === '*' ? Object.keys(project.services).sort() : spec.split(',').map((s) => s.trim());
  assertServicesExist(project, names); // exit code 1, as Compose's "no such service"
  return names.map((n) => `${n} ${composeConfigHash(project, n)}`);
}
