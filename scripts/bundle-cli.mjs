#!/usr/bin/env node
/**
 * Bundles the CLI into `dist/bin/modelstack.mjs` (the package's `bin`) and
 * one chunk per command in `dist/bin/chunks/`. Run by `npm run build` after
 * `tsc`; `--outdir DIR` builds elsewhere (the benchmark and a test do).
 *
 * Why: a CLI command that talks to the engine loaded ~400 module files
 * (zod, yaml, dockerode and ours). On this 2-core machine, under the load
 * of the benchmark's healthchecks, a no-op `up` took 1.25-1.44 s unbundled
 * and 0.54-0.87 s bundled (Compose v2: 0.80-0.98 s), medians of 10
 * interleaved runs each; see bench/README.md.
 *
 * What stays outside the bundle, loaded from node_modules when first used:
 * - dockerode's BuildKit session (`lib/session.js`: gRPC and protobufjs,
 *   and proto files it reads next to itself) and docker-modem's SSH agent
 *   (`lib/ssh.js`: ssh2). Each is replaced in the bundle by a stand-in that
 *   requires the real module on its first call, so commands that never
 *   build with a session or dial `ssh://` never load them; and dockerode's
 *   BuildKit progress decoder (protobufjs), which we never call;
 * - ssh2 (required on the first `ssh://` host) and cpu-features (its
 *   optional native addon): native code and files read by path.
 *
 * The licenses of the packages inside the bundle are written beside it
 * (`THIRD-PARTY-LICENSES.txt`), since their own files no longer travel
 * with their code.
 *
 * The library (`dist/index.js`) is not bundled: a library user's bundler
 * and module cache are theirs.
 */
import { build } from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
    // dockerode's BuildKit progress decoder (protobufjs, and a .proto file read
    // next to itself) is required inside a function we never call: left to node_modules.
    b.onResolve({ filter: /^\.\/buildkit$/ }, (args) => (/[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: 'dockerode/lib/buildkit.js', external: true } : undefined));
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

const result = await build({
  metafile: true,
  // src/cli/main.ts without its own deferral (the plugin does it here).
  stdin: {
    contents: "import { runCliProcess } from './program.js';\nawait runCliProcess(process.argv.slice(2));\n",
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

writeFileSync(join(options.outdir, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(Object.keys(result.metafile.inputs)));

/** Name, version, license and license text of every package with a file in the bundle. */
function thirdPartyLicenses(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(join(root, m[1]));
  }
  const sections = [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `(no license file in the package; package.json says ${pkg.license ?? 'nothing'})`;
    return `${pkg.name} ${pkg.version} (${pkg.license ?? 'license not stated'})\n\n${text}\n`;
  });
  return `The modelstack CLI bundle (modelstack.mjs and chunks/) contains code from these packages.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}
