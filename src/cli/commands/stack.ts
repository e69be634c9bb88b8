/**
 * `modelstack stack deploy|ps|services|rm`: the project on a Docker Swarm,
 * in the form `docker stack` users know. The engine (DOCKER_HOST) must be a
 * manager of the swarm.
 *
 *   modelstack stack deploy -c FILE [-c FILE...] [--dry-run] [--prune] [--detach] [--wait-timeout S] NAME
 *   modelstack stack ps [--format table|json] NAME
 *   modelstack stack services NAME
 *   modelstack stack rm NAME
 *
 * `config`, `--dry-run` and `--progress json` work as for `up`.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { SwarmBackend } from '../../backends/swarm/swarm-backend.js';
import { assertValidProjectName } from '../../compose/project-name.js';
import { type SwarmPlan, formatSwarmPlan } from '../../plan/swarm-plan.js';
import { Stack } from '../../stack/stack.js';
import { collect, oneOf, parseSeconds } from '../arguments.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { loadProjectFromCli } from '../load-project.js';
import { connectCliEngine } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

interface DeployFlags {
  composeFile: string[];
  dryRun?: boolean;
  prune?: boolean;
  detach?: boolean;
  waitTimeout?: number;
}

const FORMATS = ['table', 'json'] as const;

/** Adds `modelstack stack ...` to `program`. */
export function registerStack(program: Command, io: CliIo): void {
  const stack = program.command('stack').description('Deploy the project to a Docker Swarm (DOCKER_HOST: a manager), as docker stack does');

  stack
    .command('deploy')
    .description('Create or update the stack\'s services, networks, secrets and configs, then wait until every task runs')
    .argument('<name>', 'stack name (its services are <name>_<service>)')
    .option('-c, --compose-file <file>', 'compose file (repeatable)', collect, [])
    .option('--dry-run', 'print what deploy would do, and why, without changing anything')
    .option('--prune', 'remove services of the stack that are no longer in the file')
    .option('-d, --detach', 'do not wait for the tasks')
    .option('--wait-timeout <seconds>', 'deadline for the whole deploy, waits included (default 300)', parseSeconds)
    .action(async (name: string, _flags: DeployFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & DeployFlags>();
      const s = await openSwarmStack(name, { ...o, file: o.composeFile.length ? o.composeFile : o.file }, io);
      if (o.dryRun) {
        for (const line of formatSwarmPlan(await s.plan(o.prune ? { removeOrphans: true } : {}))) io.stdout(`${line}\n`);
        return;
      }
      let interrupted = false;
      try {
        await renderProgress(s, parseProgressMode(o.progress), io, () =>
          withInterrupt(
            io,
            (signal) =>
              s.up({
                signal,
                wait: !o.detach,
                ...(o.prune ? { removeOrphans: true } : {}),
                ...(o.waitTimeout !== undefined ? { waitTimeoutMs: o.waitTimeout * 1000 } : {}),
              }),
            () => {
              interrupted = true;
            },
          ),
        );
      } catch (err) {
        if (interrupted) throw new CliExit(INTERRUPTED_EXIT_CODE, 'deploy was interrupted; what it changed so far stays (modelstack stack rm removes the stack)');
        throw err;
      }
    });

  stack
    .command('ps')
    .description("List the stack's tasks: where they run and in which state")
    .argument('<name>', 'stack name')
    .option('-a, --all', 'also tasks that ended')
    .option('--format <format>', `${FORMATS.join(' or ')} (json: one object per line)`, oneOf(FORMATS), 'table')
    .action(async (name: string, _flags: { all?: boolean; format: 'table' | 'json' }, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & { all?: boolean; format: 'table' | 'json' }>();
      const tasks = await (await byName(name, o, io)).ps({ all: Boolean(o.all) });
      if (o.format === 'json') {
        for (const t of tasks) io.stdout(`${JSON.stringify({ ID: t.id, Name: t.name, Service: t.service, Image: t.image, Node: t.node ?? '', CurrentState: t.state, Error: t.status.includes(': ') ? t.status.slice(t.status.indexOf(': ') + 2) : '' })}\n`);
        return;
      }
      const rows = [['ID', 'NAME', 'IMAGE', 'NODE', 'CURRENT STATE'], ...tasks.map((t) => [t.id.slice(0, 12), t.name, t.image, t.node ?? '', t.status])];
      io.stdout(table(rows));
    });

  stack
    .command('services')
    .description("List the stack's services and how many of their tasks run")
    .argument('<name>', 'stack name')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const tasks = await (await byName(name, command.optsWithGlobals<GlobalOptions>(), io)).ps({});
      const services = new Map<string, { running: number; total: number; image: string }>();
      for (const t of tasks) {
        const s = services.get(t.service) ?? { running: 0, total: 0, image: t.image };
        s.total++;
        if (t.state === 'running') s.running++;
        services.set(t.service, s);
      }
      const rows = [['NAME', 'REPLICAS', 'IMAGE'], ...[...services].map(([service, s]) => [`${name}_${service}`, `${s.running}/${s.total}`, s.image])];
      io.stdout(table(rows));
    });

  stack
    .command('rm')
    .description("Remove the stack's services, networks, secrets and configs (named volumes stay on the nodes)")
    .argument('<name>', 'stack name')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions>();
      const s = await byName(name, o, io);
      await renderProgress(s, parseProgressMode(o.progress), io, () => s.down());
    });
}

/** The stack from its compose files, named `name` (as `docker stack deploy -c FILE NAME`). */
async function openSwarmStack(name: string, global: GlobalOptions, io: CliIo): Promise<Stack<SwarmPlan>> {
  assertValidProjectName(name, 'the stack name');
  const project = await loadProjectFromCli({ ...global, projectName: name }, io);
  const logger = pino({ level: 'silent' });
  return new Stack(project, { logger, backend: new SwarmBackend(), engine: await connectCliEngine(global, io, logger) });
}

/** A stack known by name only: enough for ps, services and rm (found by its namespace label). */
async function byName(name: string, global: GlobalOptions, io: CliIo): Promise<Stack<SwarmPlan>> {
  assertValidProjectName(name, 'the stack name');
  const { project } = Stack.forProject(name);
  const logger = pino({ level: 'silent' });
  return new Stack(project, { logger, backend: new SwarmBackend(), engine: await connectCliEngine(global, io, logger) });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}
