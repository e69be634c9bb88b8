/**
 * `modelstack port [--index N] [--protocol tcp|udp] SERVICE PRIVATE_PORT`:
 * print the host address and port a container port is published on
 * (`127.0.0.1:49153`), read back from the engine.
 */
import type { Command } from 'commander';
import { oneOf, parseIndex, parsePort } from '../arguments.js';
import type { CliIo, GlobalOptions } from '../context.js';
import { openStack } from '../open-stack.js';

interface PortFlags {
  index: number;
  protocol: 'tcp' | 'udp';
}

const PROTOCOLS = ['tcp', 'udp'] as const;

/** Adds `modelstack port` to `program`; output goes to `io`. */
export function registerPort(program: Command, io: CliIo): void {
  program
    .command('port')
    .description('Print the host address and port a container port is published on')
    .argument('<service>', 'the service')
    .argument('<private_port>', 'the port inside the container', parsePort)
    .option('--index <n>', 'which container of the service', parseIndex, 1)
    .option('--protocol <protocol>', PROTOCOLS.join(' or '), oneOf(PROTOCOLS), 'tcp')
    .action(async (service: string, privatePort: number, _options: PortFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & PortFlags>();
      const stack = await openStack(o, io, { services: [service] });
      const { hostIp, hostPort } = await stack.port(service, privatePort, { index: o.index, protocol: o.protocol });
      io.stdout(`${hostIp}:${hostPort}\n`);
    });
}
