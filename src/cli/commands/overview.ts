/**
 * What runs where, printed as Docker Compose v2.26 prints it (its tables
 * through Go's tabwriter, {@link tabwrite}; its JSON arrays key for key):
 *
 * - `modelstack ls [-a] [-q] [--filter name=REGEX] [--format table|json]`:
 *   the Compose projects on the engine (any tool's), with a count of their
 *   containers per state and their compose files. Needs no project.
 * - `modelstack images [-q] [--format table|json] [SERVICE...]`: the image
 *   of each of the project's containers.
 * - `modelstack top [SERVICE...]`: the processes of each running container.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { listProjects } from '../../backends/container/projects.js';
import type { ContainerImage } from '../../stack/backend.js';
import { oneFilter, oneOf } from '../arguments.js';
import { CliUsageError, type CliIo, type GlobalOptions } from '../context.js';
import { connectCliEngine, openStack } from '../open-stack.js';
import { tabwrite } from '../tabwriter.js';

const FORMATS = ['table', 'json'] as const;

interface FormatFlags {
  format: (typeof FORMATS)[number];
  quiet?: boolean;
}

/** Adds `modelstack ls`, `images` and `top` to `program`; output goes to `io`. */
export function registerOverview(program: Command, io: CliIo): void {
  const formatOption = ['--format <format>', `${FORMATS.join(' or ')} (json: one array)`, oneOf(FORMATS), 'table'] as const;
  program
    .command('ls')
    .description('List the Compose projects on the engine (those with a running container unless -a)')
    .option('-a, --all', 'also projects whose containers are all stopped')
    .option('-q, --quiet', 'only print the project names')
    .option('--filter <filter>', 'only projects matching the filter: name=REGEX (repeatable)', (v: string, prev: string[]) => [...prev, nameFilter(v)], [])
    .option(...formatOption)
    .action(async (_options: unknown, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & FormatFlags & { all?: boolean; filter: string[] }>();
      const engine = await connectCliEngine(o, io, pino({ level: 'silent' }));
      const names = o.filter.map((f) => new RegExp(f));
      const projects = (await listProjects(engine, { all: Boolean(o.all) })).filter((p) => names.length === 0 || o.filter.includes(p.name) || names.some((r) => r.test(p.name)));
      if (o.quiet) {
        for (const p of projects) io.stdout(`${p.name}\n`);
        return;
      }
      const rows = projects.map((p) => ({ Name: p.name, Status: combinedStatus(p.states), ConfigFiles: p.configFiles.join(',') || 'N/A' }));
      if (o.format === 'json') io.stdout(`${JSON.stringify(rows)}\n`);
      else io.stdout(tabwrite(['NAME\tSTATUS\tCONFIG FILES\n', ...rows.map((r) => `${r.Name}\t${r.Status}\t${r.ConfigFiles}\n`)].join(''), 20, 3));
    });

  program
    .command('images')
    .description("List the images of the project's containers")
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'only print the image ids')
    .option(...formatOption)
    .action(async (services: string[], _options: unknown, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & FormatFlags>();
      const stack = await openStack(o, io, { services });
      const images = await stack.images(services.length ? services : undefined);
      if (o.quiet) {
        for (const id of new Set(images.map((i) => i.id.replace(/^[^:]*:/, '')))) io.stdout(`${id}\n`);
      } else if (o.format === 'json') {
        io.stdout(`${JSON.stringify(images.map((i) => ({ ID: i.id, ContainerName: i.container, Repository: i.repository, Tag: i.tag, Size: i.size })))}\n`);
      } else {
        io.stdout(imagesTable(images));
      }
    });

  program
    .command('top')
    .description("Print the processes of the project's running containers")
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _options: unknown, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions>();
      const stack = await openStack(o, io, { services });
      for (const c of await stack.top(services.length ? services : undefined)) {
        const text = [`${c.titles.join('\t')}\n`, ...c.processes.map((p) => p.map((cell) => `${cell}\t`).join('') + '\n'), '\n'].join('');
        io.stdout(`${c.container}\n${tabwrite(text, 5, 3)}`);
      }
    });
}

/** `--filter name=REGEX`: Compose's one `ls` filter. */
function nameFilter(filter: string): string {
  const value = oneFilter(filter, 'name', { example: 'name=REGEX', placeholder: 'REGEX' });
  try {
    new RegExp(value);
  } catch {
    throw new CliUsageError(`--filter name=${value}: not a regular expression`);
  }
  return value;
}

/** Compose's `ls` status: `exited(1), running(2)`, states in alphabetical order. */
export function combinedStatus(states: Record<string, number>): string {
  return Object.keys(states)
    .sort()
    .map((s) => `${s}(${states[s]})`)
    .join(', ');
}

/** The table of `docker compose images` (v2.26): the id cut to 12 characters, the size in decimal units to 3 digits. */
export function imagesTable(images: ContainerImage[]): string {
  const rows = images.map((i) => `${i.container}\t${i.repository || '<none>'}\t${i.tag || '<none>'}\t${i.id.replace(/^[^:]*:/, '').slice(0, 12)}\t${humanSize(i.size)}\n`);
  return tabwrite(['CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE\n', ...rows].join(''), 20, 3);
}

/** go-units' `HumanSizeWithPrecision(bytes, 3)`: 1000-based units, Go's `%.3g` (`4.26MB`, `999B`, `1e+03kB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goG3(size)}${units[i]}`;
}

/** Go's `%.3g`: 3 significant digits, no trailing zeros, exponent as `e+03`. */
function goG3(x: number): string {
  const s = x.toPrecision(3);
  const strip = (m: string) => (m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m);
  const e = s.indexOf('e');
  if (e < 0) return strip(s);
  const exponent = Number(s.slice(e + 1));
  return `${strip(s.slice(0, e))}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
