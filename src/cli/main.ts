#!/usr/bin/env node
/**
 * The `modelstack` executable as run from the sources or from tsc's output:
 * parse argv, run one command, map errors to exit codes (0 ok, 1 failure,
 * 2 usage error). All the work is in the library. The package's `bin` is
 * these same two lines bundled (scripts/bundle-cli.mjs, `npm run build`),
 * where the bundler does the deferral below.
 *
 * Before anything loads dockerode, its BuildKit session module (gRPC and
 * protobufjs, a third of dockerode's import time) and docker-modem's ssh
 * agent (ssh2) are deferred until a call uses them: a build with a session,
 * or a `ssh://` engine. Every other command never loads them. Only the CLI
 * does this; it owns its process, a library user's process is not ours to
 * rearrange.
 */
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

deferDockerodeExtras();
const { runCliProcess } = await import('./program.js');
await runCliProcess(process.argv.slice(2));

/** dockerode's `lib/session.js` and its docker-modem's `lib/ssh.js`, each resolved from the module that requires it. */
function deferDockerodeExtras(): void {
  let dockerode: string;
  let modem: string;
  try {
    dockerode = createRequire(import.meta.url).resolve('dockerode');
    modem = createRequire(dockerode).resolve('docker-modem');
  } catch {
    return; // laid out otherwise: nothing is deferred, everything still works
  }
  deferUntilCalled(join(dirname(dockerode), 'session.js'));
  deferUntilCalled(join(dirname(modem), 'ssh.js'));
}

/**
 * Puts a stand-in for the CommonJS module at `path` (one that exports a
 * single function) in the require cache: requiring it costs nothing, and
 * the first call loads the real module and hands every call over to it.
 */
function deferUntilCalled(path: string): void {
  const require = createRequire(path);
  let real: ((...args: unknown[]) => unknown) | undefined;
  const standIn = function (this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = standIn;
  require.cache[path] = module;
}
