/**
 * `modelstack ps [-a] [-q] [--format table|json] [SERVICE...]`: the
 * project's containers, as `docker compose ps` prints them — a table
 * (NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS) or one JSON object per
 * line with Compose's keys.
 */
import type { Command } from 'commander';
import type { ContainerStatus } from '../../stack/stack.js';
import { oneOf } from '../arguments.js';
import type { CliIo, GlobalOptions } from '../context.js';
import { openStack } from '../open-stack.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  format: 'table' | 'json';
}

const FORMATS = ['table', 'json'] as const;

/** Adds `modelstack ps` to `program`; output goes to `io`. */
export function registerPs(program: Command, io: CliIo): void {
  program
    .command('ps')
    .description("List the project's containers (running ones unless -a)")
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also show stopped containers')
    .option('-q, --quiet', 'only print container ids')
    .option('--format <format>', `${FORMATS.join(' or ')} (json: one object per line)`, oneOf(FORMATS), 'table')
    .action(async (services: string[], _options: PsFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & PsFlags>();
      const stack = await openStack(o, io, { services });
      const containers = await stack.ps({ all: Boolean(o.all), ...(services.length ? { services } : {}) });
      if (o.quiet) {
        for (const c of containers) io.stdout(`${c.id}\n`);
      } else if (o.format === 'json') {
        for (const c of containers) io.stdout(`${JSON.stringify(psJson(c, stack.project.name))}\n`);
      } else {
        io.stdout(psTable(containers, Date.now()));
      }
    });
}

/** One container in Compose's JSON shape (`docker compose ps --format json`). */
export interface PsJson {
  ID: string;
  Name: string;
  Image: string;
  Command: string;
  Project: string;
  Service: string;
  /** Unix seconds. */
  Created: number;
  State: string;
  Status: string;
  Health: string;
  ExitCode: number;
  Publishers: Array<{ URL: string; TargetPort: number; PublishedPort: number; Protocol: string }>;
}

/** A container as `docker compose ps --format json` prints it. */
export function psJson(c: ContainerStatus, project: string): PsJson {
  return {
    ID: c.id,
    Name: c.name,
    Image: c.image,
    Command: c.command,
    Project: project,
    Service: c.service,
    Created: c.created,
    State: c.state,
    Status: c.status,
    Health: c.health,
    ExitCode: c.exitCode,
    Publishers: c.publishers.map((p) => ({ URL: p.url, TargetPort: p.targetPort, PublishedPort: p.publishedPort, Protocol: p.protocol })),
  };
}

/**
 * The table `docker compose ps` prints: Docker's tabwriter layout (columns
 * at least 10 wide, 3 spaces of padding), the command quoted and cut to 20
 * characters, the age in go-units' words, ports as `IP:PUBLISHED->TARGET/PROTO`.
 * `now` is in milliseconds.
 */
export function psTable(containers: ContainerStatus[], now: number): string {
  const rows = [
    ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
    ...containers.map((c) => [
      c.name,
      c.image,
      JSON.stringify(ellipsis(c.command, 20)),
      c.service,
      `${humanDuration(now / 1000 - c.created)} ago`,
      c.status,
      formatPorts(c.publishers),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => [...r[i]!].length + 3)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : padDisplay(cell, widths[i]!))).join('').trimEnd() + '\n').join('');
}

/** `127.0.0.1:32768->8080/tcp, 127.0.0.1:32769->22/tcp` (IPv6 addresses in brackets). */
export function formatPorts(publishers: ContainerStatus['publishers']): string {
  const seen = new Set<string>();
  for (const p of [...publishers].sort((a, b) => a.targetPort - b.targetPort || a.url.localeCompare(b.url))) {
    const host = p.url.includes(':') ? `[${p.url}]` : p.url;
    seen.add(p.publishedPort ? `${host}:${p.publishedPort}->${p.targetPort}/${p.protocol}` : `${p.targetPort}/${p.protocol}`);
  }
  return [...seen].join(', ');
}

/** Docker's `Ellipsis`: at most `max` characters, the last one `…` when cut. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** go-units' `HumanDuration` (what `docker ps` shows under CREATED), from seconds. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(seconds / 3600 / 24 / 365)} years`;
}

function padDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}
