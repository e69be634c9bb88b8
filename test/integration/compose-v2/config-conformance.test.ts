/**
 * `modelstack config` against Docker Compose v2.26.1's `config`, file by
 * file: both tools run on the same folder, arguments and environment, and
 * their outputs, parsed, must be deep-equal (JSON and YAML).
 *
 * The set: every folder under `test/fixtures/compose/conformance/` (real-world
 * stacks written in the style of awesome-compose, and files exercising every
 * key Compose 2.26 accepts), each with the variants its `conformance.json`
 * lists, plus the other compose fixtures of the repository (the seed article's
 * file, the customer-service project).
 *
 * A variant marked `fails` is a file both must refuse (modelstack with a
 * positioned message). A variant that shows one of the deliberate differences listed in
 * docs/compose-files.md names it (`deviation`), and the test asserts that
 * difference, and only it, instead of equality. No variant is skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeConfigHash } from '../../../src/plan/config-hash.js';
import { serviceReferences } from '../../../src/plan/reconcile.js';
import { loadProject, type LoadProjectOptions } from '../../../src/compose/load.js';
import { cli } from '../cli/harness.js';
import { composeV2 } from '../../helpers/compose-v2.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/compose');
const CONFORMANCE = join(FIXTURES, 'conformance');
/** HOME of both tools (`~` in paths), the same for every run. */
const HOME = '/home/conformance';

/** How a variant differs from Compose on purpose (docs/compose-files.md, "Where modelstack differs from Compose on purpose"). */
type Deviation =
  /** modelstack refuses an unquoted shell operator in a `command:` string; Compose cuts the command there. */
  | 'command-shell-operators'
  /** `${A:-${B:?err}}` evaluates the inner `?` only when the default is used; Compose fails eagerly. */
  | 'lazy-nested-defaults'
  /** keys newer than Compose 2.26 (e.g. `use_api_socket`, `models`, `provider`) are accepted; Compose 2.26 rejects them. */
  | 'newer-compose-keys'
  /** `build.ssh` with a key path prints as JSON and as `id=path` in YAML; Compose 2.26 fails to encode the JSON and prints `id: path`, which it cannot read back. */
  | 'build-ssh-path-json'
  /** `v:/data` mounts volume `v`; Compose 2.26 reads `v:` as a Windows drive and mounts an anonymous volume at `v:/data`. */
  | 'one-letter-volume-name'
  /** A value the engine would refuse is refused at load, with file:line; Compose 2.26 prints it and fails when it creates the container. */
  | 'stricter-validation';

interface Variant {
  name: string;
  args?: string[];
  env?: Record<string, string>;
  /** Folder to run in, relative to the fixture folder. */
  cwd?: string;
  deviation?: Deviation;
  /**
   * Both tools must refuse the file; modelstack's message must contain this
   * text (for a file's content: `file:line:column` and the key).
   */
  fails?: string;
  /** For a deviation: text modelstack's error must contain, or that Compose's must. */
  expectError?: string;
}

interface Case {
  name: string;
  dir: string;
  variant: Variant;
}

function conformanceCases(): Case[] {
  const out: Case[] = [];
  for (const entry of readdirSync(CONFORMANCE, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(CONFORMANCE, entry.name);
    const spec = join(dir, 'conformance.json');
    const config = existsSync(spec) ? (JSON.parse(readFileSync(spec, 'utf8')) as Partial<Variant> & { variants?: Variant[] }) : {};
    const variants = config.variants ?? [{ ...config, name: 'default' }];
    for (const variant of variants) out.push({ name: `${entry.name} (${variant.name})`, dir, variant });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The repository's other compose fixtures, as their tests load them. */
const OTHER_FIXTURES: Case[] = [
  { name: 'seed article', dir: join(FIXTURES, 'seed'), variant: { name: '-f docker-compose.yml', args: ['-f', 'docker-compose.yml'] } },
  { name: 'seed article + stand-in', dir: join(FIXTURES, 'seed'), variant: { name: 'two files', args: ['-f', 'docker-compose.yml', '-f', 'docker-compose.standin.yml'] } },
  { name: 'seed article', dir: join(FIXTURES, 'seed'), variant: { name: 'another --project-directory', args: ['-f', 'docker-compose.yml', '--project-directory', '../customer-service'] } },
  { name: 'customer-service', dir: join(FIXTURES, 'customer-service'), variant: { name: 'default' } },
  { name: 'customer-service', dir: join(FIXTURES, 'customer-service'), variant: { name: 'all profiles', args: ['--profile', 'gpu', '--profile', 'debug'] } },
  { name: 'customer-service', dir: join(FIXTURES, 'customer-service'), variant: { name: 'env overrides', env: { TF_IMAGE: 'custom/tf:1', MODEL_LOG_LEVEL: 'debug', JUPYTER_TOKEN: 't$k' } } },
  { name: 'interop stack', dir: join(FIXTURES, 'interop'), variant: { name: 'default', env: { RUN: 'conformance' } } },
  { name: 'hash table', dir: join(FIXTURES, 'hash-table'), variant: { name: 'all profiles', args: ['--profile', 'extra'] } },
  { name: 'hash table', dir: join(FIXTURES, 'hash-table'), variant: { name: 'references', args: ['-f', 'refs.yaml'] } },
];

const CASES = [...conformanceCases(), ...OTHER_FIXTURES];

/** The global flags of a variant as `loadProject` options (the flags the fixtures use). */
function loadOptions(args: readonly string[]): Partial<LoadProjectOptions> {
  const out: { files: string[]; profiles: string[]; envFiles: string[]; projectName?: string; workingDir?: string } = { files: [], profiles: [], envFiles: [] };
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1] ?? '';
    switch (args[i]) {
      case '-f': out.files.push(value); i++; break;
      case '--profile': out.profiles.push(value); i++; break;
      case '--env-file': out.envFiles.push(value); i++; break;
      case '-p': out.projectName = value; i++; break;
      case '--project-directory': out.workingDir = value; i++; break;
      default: throw new Error(`conformance: flag ${args[i]} not mapped to loadProject options`);
    }
  }
  return out;
}

async function runBoth(c: Case, format: 'json' | 'yaml'): Promise<{ ours: { code: number; stdout: string; stderr: string }; theirs: { code: number; stdout: string; stderr: string } }> {
  const cwd = c.variant.cwd ? join(c.dir, c.variant.cwd) : c.dir;
  const env = { HOME, ...c.variant.env };
  const argv = [...(c.variant.args ?? []), 'config', '--format', format];
  const [ours, theirs] = await Promise.all([cli(argv, { cwd, env }), composeV2(argv, { cwd, env })]);
  return { ours, theirs };
}

describe('modelstack config prints what docker compose v2.26.1 config prints', () => {
  it('has a conformance set', () => {
    // Printed so the size of the set is visible in the test log.
    console.info(`config conformance: ${CASES.length} runs over ${new Set(CASES.map((c) => c.dir)).size} fixture folders`);
    expect(new Set(CASES.map((c) => c.dir)).size).toBeGreaterThanOrEqual(30);
  });

  it('config list flags: the same one wins when several are given, and an unknown --hash service fails (exit 1)', async () => {
    const cwd = join(CONFORMANCE, 'nginx-flask-mysql');
    const env = { HOME };
    for (const flags of [['--services', '--images'], ['--volumes', '--hash', '*'], ['--hash', '*', '--profiles'], ['--profiles', '--images'], ['-q', '--services'], ['-q', '--format', 'json']]) {
      const [ours, theirs] = await Promise.all([cli(['config', ...flags], { cwd, env }), composeV2(['config', ...flags], { cwd, env })]);
      const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
      expect(sorted(ours.stdout), flags.join(' ')).toEqual(sorted(theirs.stdout));
    }
    const [ours, theirs] = await Promise.all([cli(['config', '--hash', 'nosuch'], { cwd, env }), composeV2(['config', '--hash', 'nosuch'], { cwd, env })]);
    expect([ours.code, theirs.code]).toEqual([1, 1]);
    expect(ours.stderr).toMatch(/no such service: "nosuch"/);
  });

  describe.each(CASES)('$name', (c) => {
    if (c.variant.deviation) {
      it(`differs on purpose: ${c.variant.deviation}`, async () => {
        const { ours, theirs } = await runBoth(c, 'json');
        switch (c.variant.deviation) {
          case 'command-shell-operators':
            expect(theirs.code, theirs.stderr).toBe(0);
            expect(ours.code).toBe(1);
            expect(ours.stderr).toContain(c.variant.expectError ?? 'shell operator');
            break;
          case 'lazy-nested-defaults':
            expect(theirs.code).not.toBe(0);
            expect(theirs.stderr).toContain(c.variant.expectError ?? 'required variable');
            expect(ours.code, ours.stderr).toBe(0);
            break;
          case 'newer-compose-keys':
            expect(theirs.code).not.toBe(0);
            expect(theirs.stderr).toContain(c.variant.expectError ?? 'Additional property');
            expect(ours.code, ours.stderr).toBe(0);
            break;
          case 'build-ssh-path-json':
            expect(theirs.code).not.toBe(0);
            expect(theirs.stderr).toContain('MarshalJSON for type types.SSHKey');
            expect(ours.code, ours.stderr).toBe(0);
            // Compose's YAML prints a key as `id: path`, which it cannot read back; ours
            // prints `id=path`. Compose also lists the keys in random order (a Go map).
            // With that spelling mapped and both lists sorted, the YAML outputs agree.
            {
              const yaml = await runBoth(c, 'yaml');
              expect(yaml.theirs.code, yaml.theirs.stderr).toBe(0);
              type WithSsh = { services: Record<string, { build?: { ssh?: string[] } }> };
              const sortSsh = (tree: WithSsh, map: (e: string) => string = (e) => e): WithSsh => {
                for (const svc of Object.values(tree.services)) if (svc.build?.ssh) svc.build.ssh = svc.build.ssh.map(map).sort();
                return tree;
              };
              const theirsYaml = sortSsh(parseYaml(yaml.theirs.stdout) as WithSsh, (e) => e.replace(/^([^:=]+): /, '$1='));
              expect(sortSsh(parseYaml(yaml.ours.stdout) as WithSsh)).toStrictEqual(theirsYaml);
            }
            break;
          case 'stricter-validation':
            expect(theirs.code, theirs.stderr).toBe(0);
            expect(ours.code).toBe(1);
            expect(ours.stderr).toContain(c.variant.expectError ?? '(expectError missing)');
            break;
          case 'one-letter-volume-name': {
            expect(theirs.code, theirs.stderr).toBe(0);
            expect(ours.code, ours.stderr).toBe(0);
            type Tree = { services: { app: { volumes: unknown[] } }; volumes?: Record<string, unknown> };
            const a = JSON.parse(ours.stdout) as Tree;
            const b = JSON.parse(theirs.stdout) as Tree;
            expect(a.services.app.volumes).toEqual([{ type: 'volume', source: 'v', target: '/data', volume: {} }]);
            expect(b.services.app.volumes).toEqual([{ type: 'volume', target: 'v:/data', volume: {} }]);
            expect(a.volumes).toEqual({ v: { name: `${basename(c.dir)}_v` } });
            // Everything else is the same.
            a.services.app.volumes = b.services.app.volumes;
            delete a.volumes;
            expect(a).toStrictEqual(b);
            break;
          }
          default:
            throw new Error(`unknown deviation ${String(c.variant.deviation)}`);
        }
      });
      return;
    }

    if (c.variant.fails !== undefined) {
      const expected = c.variant.fails;
      it('both refuse it; modelstack names file:line and key', async () => {
        const { ours, theirs } = await runBoth(c, 'json');
        expect(theirs.code, `docker compose config accepted it:\n${theirs.stdout}`).not.toBe(0);
        expect(ours.code, `modelstack config accepted it:\n${ours.stdout}`).toBe(1);
        expect(ours.stderr).toContain(expected);
      });
      return;
    }

    it('--format json: same value', async () => {
      const { ours, theirs } = await runBoth(c, 'json');
      expect(theirs.code, `docker compose config failed:\n${theirs.stderr}`).toBe(0);
      expect(ours.code, `modelstack config failed:\n${ours.stderr}`).toBe(0);
      expect(JSON.parse(ours.stdout)).toStrictEqual(JSON.parse(theirs.stdout));
      // Byte for byte too (Compose ends without a newline): the key order is compose-go's
      // struct order, which the config hash depends on.
      expect(ours.stdout.replace(/\n$/, '')).toBe(theirs.stdout);
    });

    it('config --hash: Compose\'s hash of each service is ours', async () => {
      const cwd = c.variant.cwd ? join(c.dir, c.variant.cwd) : c.dir;
      const env = { HOME, ...c.variant.env };
      const theirs = await composeV2([...(c.variant.args ?? []), 'config', '--hash', '*'], { cwd, env });
      expect(theirs.code, theirs.stderr).toBe(0);
      const project = await loadProject({ ...loadOptions(c.variant.args ?? []), cwd, env });
      // `config --hash` skips what `up` does before hashing: it reads no env_file and resolves
      // no service:X reference. Those services are compared on real containers instead
      // (interop.test.ts); here they must be exactly the ones whose hash differs.
      const upOnly = new Set(Object.entries(project.services).filter(([n, s]) => s.env_file || serviceReferences(project, n).length > 0 || s.volumes_from?.length).map(([n]) => n));
      const lines = theirs.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]);
      expect(lines.map(([n]) => n).sort()).toEqual(Object.keys(project.services).sort());
      for (const [name, hash] of lines) {
        if (upOnly.has(name)) continue;
        expect(composeConfigHash(project, name), name).toBe(hash);
      }
    });

    it('the lists: --services, --volumes, --profiles, --images, --hash *, and -q, as Compose prints them', async () => {
      const cwd = c.variant.cwd ? join(c.dir, c.variant.cwd) : c.dir;
      const env = { HOME, ...c.variant.env };
      const both = async (flags: string[]) => {
        const argv = [...(c.variant.args ?? []), 'config', ...flags];
        const [ours, theirs] = await Promise.all([cli(argv, { cwd, env }), composeV2(argv, { cwd, env })]);
        expect(theirs.code, `docker compose config ${flags.join(' ')}: ${theirs.stderr}`).toBe(0);
        expect(ours.code, `modelstack config ${flags.join(' ')}: ${ours.stderr}`).toBe(0);
        const lines = (text: string) => text.split('\n').filter(Boolean);
        return { ours: lines(ours.stdout), theirs: lines(theirs.stdout) };
      };
      const project = await loadProject({ ...loadOptions(c.variant.args ?? []), cwd, env });
      // Compose walks Go maps: services come in some dependency order, volumes and images in any order.
      const services = await both(['--services']);
      expect([...services.ours].sort()).toEqual([...services.theirs].sort());
      const placed = new Set<string>();
      for (const name of services.ours) {
        for (const dep of Object.keys(project.services[name]?.depends_on ?? {})) {
          if (Object.hasOwn(project.services, dep)) expect(placed.has(dep), `${name} is listed before its dependency ${dep}`).toBe(true);
        }
        placed.add(name);
      }
      const volumes = await both(['--volumes']);
      expect([...volumes.ours].sort()).toEqual([...volumes.theirs].sort());
      const images = await both(['--images']);
      expect([...images.ours].sort()).toEqual([...images.theirs].sort());
      const profiles = await both(['--profiles']);
      expect(profiles.ours).toEqual(profiles.theirs);
      // Compose's config --hash skips env_file and service:X references (see the test above); ours is what up labels.
      const upOnly = new Set(Object.entries(project.services).filter(([n, s]) => s.env_file || serviceReferences(project, n).length > 0 || s.volumes_from?.length).map(([n]) => n));
      const hashes = await both(['--hash', '*']);
      expect(hashes.ours.map((l) => l.split(' ')[0])).toEqual(hashes.theirs.map((l) => l.split(' ')[0]));
      expect(hashes.ours.filter((l) => !upOnly.has(l.split(' ')[0]!))).toEqual(hashes.theirs.filter((l) => !upOnly.has(l.split(' ')[0]!)));
      expect(await both(['-q'])).toEqual({ ours: [], theirs: [] });
    });

    it('--format yaml: same value', async () => {
      const { ours, theirs } = await runBoth(c, 'yaml');
      expect(theirs.code, `docker compose config failed:\n${theirs.stderr}`).toBe(0);
      expect(ours.code, `modelstack config failed:\n${ours.stderr}`).toBe(0);
      expect(parseYaml(ours.stdout)).toStrictEqual(parseYaml(theirs.stdout));
    });
  });
});
