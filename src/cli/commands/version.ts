/**
 * `modelstack version [--short] [--format pretty|json]` and
 * `modelstack -v|--version`: the CLI's version from its package.json, as
 * `docker compose version` prints its own (`Docker Compose version
 * v2.26.1`). Like Compose's, it never talks to the engine, and this module
 * imports nothing but node:fs, so it costs nothing to load.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { oneOf } from '../arguments.js';
import type { CliIo } from '../context.js';

const FORMATS = ['pretty', 'json'] as const;

/**
 * The version in the nearest package.json above this module, as Node finds
 * a module's package: `src/cli/commands/` in a checkout, `dist/cli/commands/`
 * as compiled, `dist/cli/` in the bundled CLI. Read when asked, not at every
 * start.
 */
export function cliVersion(): string {
  const file = nearestPackageJson(new URL('.', import.meta.url));
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  if (pkg.name !== 'modelstack' || typeof pkg.version !== 'string') {
    throw new Error(`the package.json nearest the modelstack CLI (${file.pathname}) is not modelstack's`);
  }
  return pkg.version;
}

function nearestPackageJson(dir: URL): URL {
  for (let at = dir; ; ) {
    const file = new URL('package.json', at);
    if (existsSync(file)) return file;
    const up = new URL('..', at);
    if (up.href === at.href) throw new Error(`no package.json above the modelstack CLI (${dir.pathname})`);
    at = up;
  }
}

/** `modelstack version X.Y.Z`: the line `--version` and `version` print. */
export function versionLine(): string {
  return `modelstack version ${cliVersion()}`;
}

/** Adds `modelstack version` to `program`. */
export function registerVersion(program: Command, io: CliIo): void {
  program
    .command('version')
    .description("Print modelstack's version (without contacting the engine)")
    .option('--short', 'only the number')
    .option('--format <format>', FORMATS.join(' or '), oneOf(FORMATS), 'pretty')
    .action((options: { short?: boolean; format: (typeof FORMATS)[number] }) => {
      if (options.short) io.stdout(`${cliVersion()}\n`);
      else if (options.format === 'json') io.stdout(`${JSON.stringify({ version: cliVersion() })}\n`);
      else io.stdout(`${versionLine()}\n`);
    });
}
