/**
 * `modelstack ps [-a] [-q] [--services] [--status S]... [--filter status=S]
 * [--format table|json] [SERVICE...]`: the project's containers, as
 * `docker compose ps` prints them — a table (NAME IMAGE COMMAND SERVICE
 * CREATED STATUS PORTS), one JSON object per line with Compose's keys, their
 * ids (`-q`) or their services (`--services`, one per line, in the order of
 * the containers). `--status` (and `--filter status=`) keeps the containers
 * in one of those states and, as in Compose, implies `-a`.
 */
import type { Command } from 'commander';
import type { ContainerStatus } from '../../stack/stack.js';
import { collect, oneFilter, oneOf } from '../arguments.js';
import { CliUsageError, type CliIo, type GlobalOptions } from '../context.js';
import { openStack } from '../open-stack.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  filter?: string;
  format: 'table' | 'json';
}

const FORMATS = ['table', 'json'] as const;
/** The states `--status` accepts: Docker's container states, as Compose lists them. */
export const PS_STATUSES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'] as const;

/** Adds `modelstack ps` to `program`; output goes to `io`. */
export function registerPs(program: Command, io: CliIo): void {
  program
    .command('ps')
    .description("List the project's containers (running ones unless -a)")
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also show stopped containers')
    .option('-q, --quiet', 'only print container ids')
    .option('--services', 'only print the services, one per line')
    .option('--status <status>', `only containers in this state (repeatable): ${PS_STATUSES.join(', ')}`, collectStatus, [])
    .option('--filter <filter>', 'only containers matching the filter: status=STATUS')
    .option('--format <format>', `${FORMATS.join(' or ')} (json: one object per line)`, oneOf(FORMATS), 'table')
    .action(async (services: string[], _options: PsFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & PsFlags>();
      const statuses = [...o.status, ...(o.filter !== undefined ? [statusFilter(o.filter)] : [])];
      const stack = await openStack(o, io, { services });
      const listed = await stack.ps({ all: Boolean(o.all) || statuses.length > 0, ...(services.length ? { services } : {}) });
      const containers = statuses.length ? listed.filter((c) => statuses.includes(c.state)) : listed;
      if (o.quiet) {
        for (const c of containers) io.stdout(`${c.id}\n`);
      } else if (o.services) {
        for (const name of new Set(containers.map((c) => c.service))) io.stdout(`${name}\n`);
      } else if (o.format === 'json') {
        for (const c of containers) io.stdout(`${JSON.stringify(psJson(c, stack.project.name, Date.now()))}\n`);
      } else {
        io.stdout(psTable(containers, Date.now()));
      }
    });
}

function collectStatus(value: string, previous: string[]): string[] {
  return collect(oneOf(PS_STATUSES)(value), previous);
}

/** `--filter KEY=VALUE`: Compose supports `status` only. */
function statusFilter(filter: string): string {
  const value = oneFilter(filter, 'status', { example: 'status=running', placeholder: 'STATUS' });
  if (!(PS_STATUSES as readonly string[]).includes(value)) throw new CliUsageError(`--filter status=${value}: expected one of ${PS_STATUSES.join(', ')}`);
  return value;
}

/**
 * One container as `docker compose ps --format json` (Compose v2.26) prints
 * it: Docker's container fields formatted as `docker ps` formats them (all
 * strings: `CreatedAt`, `RunningFor`, `Labels`, `Mounts`, `Networks`,
 * `Ports`, ...), Compose's own (`Project`, `Service`, `Health`, `ExitCode`,
 * `Publishers`), keys in Compose's (alphabetical) order.
 */
export interface PsJson {
  /** Quoted and cut to 20 characters, as in the table. */
  Command: string;
  /** Go's `time.String()` of the creation time: `2026-12-01 16:59:36 +0000 UTC`. */
  CreatedAt: string;
  ExitCode: number;
  Health: string;
  /** The short (12-character) id. */
  ID: string;
  Image: string;
  /** `key=value` pairs joined by commas. */
  Labels: string;
  /** How many mounts are volumes of the `local` driver. */
  LocalVolumes: string;
  /** Each mount's volume name or host path, cut to 15 characters, joined by commas. */
  Mounts: string;
  Name: string;
  Names: string;
  Networks: string;
  /** Docker's PORTS column: `7000/tcp, 127.0.0.1:32939->8080/tcp`. */
  Ports: string;
  Project: string;
  /** Every port, exposed ones with `URL: ""` and `PublishedPort: 0`; `null` when there is none (Go's nil list). */
  Publishers: Array<{ URL: string; TargetPort: number; PublishedPort: number; Protocol: string }> | null;
  /** `10 seconds ago`. */
  RunningFor: string;
  Service: string;
  /** Always `0B`: sizes are not asked of the engine (nor does Compose ask). */
  Size: string;
  State: string;
  Status: string;
}

/** A container as `docker compose ps --format json` prints it; `now` in milliseconds. */
export function psJson(c: ContainerStatus, project: string, now: number): PsJson {
  const ports = containerPorts(c);
  const publishers = ports.map((p) => ({ URL: p.ip, TargetPort: p.privatePort, PublishedPort: p.publicPort, Protocol: p.type }));
  return {
    Command: JSON.stringify(ellipsis(c.command, 20)),
    CreatedAt: goTimeString(c.created),
    ExitCode: c.exitCode,
    Health: c.health,
    ID: c.id.slice(0, 12),
    Image: c.image,
    Labels: Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    LocalVolumes: String(c.mounts.filter((m) => m.driver === 'local').length),
    Mounts: c.mounts.map((m) => ellipsis(m.name || m.source, 15)).join(','),
    Name: c.name,
    Names: c.name,
    Networks: c.networks.join(','),
    Ports: portsColumn(ports),
    Project: project,
    Publishers: publishers.length ? publishers : null,
    RunningFor: `${humanDuration(now / 1000 - c.created)} ago`,
    Service: c.service,
    Size: '0B',
    State: c.state,
    Status: c.status,
  };
}

/** A port as the engine's container list gives it (`IP` and `PublicPort` empty when not published). */
interface ListedPort {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** The container's ports, exposed and published, in Docker's order: private port, then address, public port, protocol. */
function containerPorts(c: Pick<ContainerStatus, 'exposed' | 'publishers'>): ListedPort[] {
  const ports = [
    ...c.exposed.map((p) => ({ ip: '', privatePort: p.targetPort, publicPort: 0, type: p.protocol })),
    ...c.publishers.map((p) => ({ ip: p.url, privatePort: p.targetPort, publicPort: p.publishedPort, type: p.protocol })),
  ];
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return ports.sort((a, b) => compare(a.privatePort, b.privatePort) || compare(a.ip, b.ip) || compare(a.publicPort, b.publicPort) || compare(a.type, b.type));
}

/**
 * Docker's PORTS column (`DisplayablePorts` of the Docker CLI that Compose
 * v2.26 uses): runs of consecutive unpublished ports (or ports published on
 * the same number) grouped as ranges, then each other published port as
 * `IP:PUBLIC->PRIVATE/PROTO`, IPv6 addresses unbracketed (`:::32769->9000/udp`).
 */
export function displayablePorts(c: Pick<ContainerStatus, 'exposed' | 'publishers'>): string {
  return portsColumn(containerPorts(c));
}

/** {@link displayablePorts} over ports already in Docker's order. */
function portsColumn(ports: ListedPort[]): string {
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const slash = key.lastIndexOf('/');
    const ip = slash >= 0 ? key.slice(0, slash) : '';
    const type = slash >= 0 ? key.slice(slash + 1) : key;
    let range = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
    if (ip) range = `${ip}:${range}->${range}`;
    return `${range}/${type}`;
  };
  for (const p of ports) {
    let key = p.type;
    if (p.ip) {
      if (p.publicPort !== p.privatePort) {
        mappings.push(`${p.ip}:${p.publicPort}->${p.privatePort}/${p.type}`);
        continue;
      }
      key = `${p.ip}/${p.type}`;
    }
    const g = groups.get(key);
    if (!g) groups.set(key, { first: p.privatePort, last: p.privatePort });
    else if (p.privatePort === g.last + 1) g.last = p.privatePort;
    else {
      result.push(form(key, g));
      groups.set(key, { first: p.privatePort, last: p.privatePort });
    }
  }
  for (const [key, g] of groups) result.push(form(key, g));
  return [...result, ...mappings].join(', ');
}

/** Go's `time.Unix(seconds, 0).String()` in the local zone: `2026-12-01 16:59:36 +0000 UTC`. */
export function goTimeString(seconds: number, timeZone?: string): string {
  const date = new Date(seconds * 1000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  // longOffset is `GMT` for UTC, else `GMT+01:00`.
  const offset = parts['timeZoneName'] === 'GMT' ? '+0000' : String(parts['timeZoneName']).slice(3).replace(':', '');
  const zone = offset === '+0000' ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? offset);
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']} ${offset} ${zone}`;
}

/**
 * The table `docker compose ps` prints: Docker's tabwriter layout (columns
 * at least 10 wide, 3 spaces of padding), the command quoted and cut to 20
 * characters, the age in go-units' words, ports as Docker prints them
 * ({@link displayablePorts}).
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
      displayablePorts(c),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => [...r[i]!].length + 3)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : padDisplay(cell, widths[i]!))).join('').trimEnd() + '\n').join('');
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
