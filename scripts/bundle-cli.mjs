#!/usr/bin/env node
/**
 * Bundles the CLI into `dist/bin/modelstack.mjs` (the package's `bin`) and
 * one chunk per command in `dist/bin/chunks/`. Run by `npm run build` after
 * `tsc`; `--outdir DIR` builds elsewhere (the benchmark and a test do).
 *
 * Why: a CLI command that talks to the engine loads ~400 module files
 * (zod, yaml, dockerode and ours). On this 2-core machine, under the load
 * of the benchmark's healthchecks, resolving and reading them took
 * 0.8–0.9 s of a no-op `up`: the CLI's median went from 1.44 s to 0.54 s
 * bundled (Compose v2: 0.89 s), 10 interleaved runs each (bench/README.md).
 *
 * What stays outside the bundle, loaded from node_modules when first used:
 * - dockerode's BuildKit session (`lib/session.js`: gRPC and protobufjs,
 *   and proto files it reads next to itself) and docker-modem's SSH agent
 *   (`lib/ssh.js`: ssh2). Each is replaced in the bundle by a stand-in that
 *   requires the real module on its first call, so commands that never
 *   build with a session or dial `ssh://` never load them;
 * - ssh2 (imported by our `ssh://` host support) and cpu-features (its
 *   optional native addon): native code and files read by path.
 *
 * The library (`dist/index.js`) is not bundled: a library user's bundler
 * and module cache are theirs.
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const { values: options } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'dist/bin') } } });

/**
 * Module files replaced by a stand-in, and the expression the stand-in
 * requires on its first call: the real file, found at run time as Node
 * would find it from the bundle (docker-modem through dockerode, whose
 * dependency it is, wherever npm put it).
 */
const DEFERRED = new Map([
  [require.resolve('dockerode/lib/session.js'), `__modelstackRequire('dockerode/lib/session.js')`],
  [
    require.resolve('docker-modem/lib/ssh.js', { paths: [dirname(require.resolve('dockerode'))] }),
    `__modelstackRequire(__modelstackRequire.resolve('docker-modem/lib/ssh.js', { paths: [__modelstackRequire('node:path').dirname(__modelstackRequire.resolve('dockerode'))] }))`,
  ],
]);

/** @type {import('esbuild').Plugin} */
const deferOnFirstCall = {
  name: 'defer-on-first-call',
  setup(b) {
    b.onLoad({ filter: /[\\/](session|ssh)\.js$/ }, (args) => {
      const real = DEFERRED.get(args.path);
      if (!real) return undefined;
      return {
        loader: 'js',
        contents: [
          `let real;`,
          `module.exports = function (...args) {`,
          `  real ??= ${real};`,
          `  return real.apply(this, args);`,
          `};`,
        ].join('\n'),
      };
    });
  },
};

await build({
  // src/cli/main.ts without its own deferral (the plugin does it here).
  stdin: {
    contents: "import { runCli } from './program.js';\nprocess.exitCode = await runCli(process.argv.slice(2));\n",
    resolveDir: join(root, 'src/cli'),
    sourcefile: 'modelstack.ts',
    loader: 'ts',
  },
  outdir: options.outdir,
  entryNames: 'modelstack',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // One chunk per lazily loaded command, as program.ts loads them: `--help`
  // and `--version` parse only the command tree, not the engine's client.
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  plugins: [deferOnFirstCall],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __modelstackCreateRequire } from 'node:module';\nconst require = __modelstackCreateRequire(import.meta.url);\nconst __modelstackRequire = require;" },
  legalComments: 'eof',
  logLevel: 'warning',
});
