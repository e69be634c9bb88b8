/**
 * `modelstack models -c FILE up|down|ps|endpoints|compose`: model stacks
 * from a models file (see docs/model-stacks.md). A thin layer over
 * `loadModelsFile` and `defineModelStack`; the project it builds is an
 * ordinary one, so up/down/ps behave exactly as for compose files.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import type { ImagePullPolicy } from '../../engine/image-client.js';
import { type ModelStack, type StackEndpoints, defineModelStack } from '../../models/model-stack.js';
import { loadModelsFile } from '../../models/models-file.js';
import { serializeProject } from '../../compose/serialize.js';
import { oneOf, parseSeconds } from '../arguments.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { connectCliEngine } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';
import { psJson, psTable } from './ps.js';

interface ModelsFlags {
  config: string;
}

const PULL_POLICIES = ['always', 'missing', 'never'] as const;
const FORMATS = ['text', 'json'] as const;

/** Adds `modelstack models` and its subcommands to `program`. */
export function registerModels(program: Command, io: CliIo): void {
  const models = program
    .command('models')
    .description('Model stacks from a models file: intent/sentiment/NER-style TensorFlow containers, secure by default')
    .requiredOption('-c, --config <file>', 'the models file (YAML; see docs/model-stacks.md)');

  /** The model stack of the models file; on the engine the Docker CLI would use, unless the command needs none (`compose`). */
  const open = async (command: Command, engine = true, images: { image?: string; gatewayImage?: string } = {}): Promise<{ stack: ModelStack; global: GlobalOptions }> => {
    const global = command.optsWithGlobals<GlobalOptions & ModelsFlags>();
    const options = await loadModelsFile(resolve(io, global.config));
    // Image overrides from the command line (an offline stand-in, a local build) win over the file's.
    if (images.image) options.image = images.image;
    if (images.gatewayImage) options.gateway = { ...options.gateway, image: images.gatewayImage };
    const logger = pino({ level: 'silent' });
    return { stack: defineModelStack(options, { logger, ...(engine ? { engine: await connectCliEngine(global, io, logger) } : {}) }), global };
  };

  models
    .command('up')
    .description('Bring the models up, wait until they are ready, print their endpoints')
    .option('--wait-timeout <seconds>', 'deadline for the whole up (default 300)', parseSeconds)
    .option('--probe', "ready as soon as each model's healthcheck passes by exec, before Docker's first interval (Docker may still say 'starting')")
    .option('--pull <policy>', `pull images: ${PULL_POLICIES.join(', ')} (default missing)`, oneOf(PULL_POLICIES))
    .option('--format <format>', `endpoints as ${FORMATS.join(' or ')}`, oneOf(FORMATS), 'text')
    .option('--image <image>', "the models' image instead of the file's (e.g. an offline stand-in)")
    .option('--gateway-image <image>', "the gateway's image instead of the file's")
    .action(async (flags: { waitTimeout?: number; probe?: boolean; pull?: ImagePullPolicy; format: 'text' | 'json'; image?: string; gatewayImage?: string }, command: Command) => {
      const { stack, global } = await open(command, true, {
        ...(flags.image ? { image: flags.image } : {}),
        ...(flags.gatewayImage ? { gatewayImage: flags.gatewayImage } : {}),
      });
      let interrupted = false;
      try {
        await renderProgress(stack, parseProgressMode(global.progress), io, () =>
          withInterrupt(
            io,
            (signal) =>
              stack.up({
                signal,
                ...(flags.pull ? { pull: flags.pull } : {}),
                ...(flags.probe ? { probe: true } : {}),
                ...(flags.waitTimeout !== undefined ? { waitTimeoutMs: flags.waitTimeout * 1000 } : {}),
              }),
            () => {
              interrupted = true;
            },
          ),
        );
      } catch (err) {
        if (interrupted) throw new CliExit(INTERRUPTED_EXIT_CODE, 'up was interrupted; what it created so far is left as it is (models down removes it)');
        throw err;
      }
      printEndpoints(io, await stack.endpoints(), flags.format);
    });

  models
    .command('down')
    .description('Remove the models and their network (code and model folders are kept)')
    .option('-t, --timeout <seconds>', 'seconds each container gets to stop', parseSeconds)
    .action(async (flags: { timeout?: number }, command: Command) => {
      const { stack, global } = await open(command);
      await renderProgress(stack, parseProgressMode(global.progress), io, () =>
        stack.down({ removeOrphans: true, ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}) }),
      );
    });

  models
    .command('ps')
    .description("List the models' containers")
    .option('-a, --all', 'also show stopped containers')
    .option('--format <format>', 'table or json (one object per line)', oneOf(['table', 'json'] as const), 'table')
    .action(async (flags: { all?: boolean; format: 'table' | 'json' }, command: Command) => {
      const { stack } = await open(command);
      const containers = await stack.ps({ all: Boolean(flags.all) });
      if (flags.format === 'json') for (const c of containers) io.stdout(`${JSON.stringify(psJson(c, stack.project.name, Date.now()))}\n`);
      else io.stdout(psTable(containers, Date.now()));
    });

  models
    .command('endpoints')
    .description('How to reach each model: Jupyter URL with token, SSH command, internal URL, gateway route')
    .option('--format <format>', `${FORMATS.join(' or ')}`, oneOf(FORMATS), 'text')
    .action(async (flags: { format: 'text' | 'json' }, command: Command) => {
      const { stack } = await open(command);
      printEndpoints(io, await stack.endpoints(), flags.format);
    });

  models
    .command('compose')
    .description('Print the models as a compose file (secrets appear as references to variables, not values)')
    .action(async (_flags: unknown, command: Command) => {
      const { stack } = await open(command, false);
      io.stdout(serializeProject(stack.project, { format: 'yaml', escapeDollars: true }));
    });
}

function printEndpoints(io: CliIo, endpoints: StackEndpoints, format: 'text' | 'json'): void {
  if (format === 'json') {
    io.stdout(`${JSON.stringify(endpoints, null, 2)}\n`);
    return;
  }
  for (const m of endpoints.models) {
    io.stdout(`${m.name} (${m.flavour})\n`);
    if (m.jupyter) io.stdout(`  jupyter   ${m.jupyter.url}\n`);
    if (m.serving) io.stdout(`  rest      ${m.serving.rest}\n  grpc      ${m.serving.grpc}\n`);
    if (m.ssh) io.stdout(`  ssh       ${m.ssh.command}\n  known     ${m.ssh.knownHosts}\n`);
    io.stdout(`  internal  ${m.internal.url}\n`);
    if (m.gateway) io.stdout(`  gateway   ${m.gateway.url}\n`);
  }
  if (endpoints.gateway) io.stdout(`gateway ${endpoints.gateway.url}  (Authorization: Bearer ${endpoints.gateway.token})\n`);
}

function resolve(io: CliIo, file: string): string {
  return file.startsWith('/') ? file : `${io.cwd}/${file}`;
}
