/**
 * loadProject as a whole: the project environment (.env, --env-file,
 * process env), interpolation in context, project names, profiles with
 * dependencies, include, cycles, and the repository's fixture files.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeFileError, InvalidProjectNameError, MissingRequiredVariableError } from '../../../src/compose/errors.js';
import { ComposeValidationError, DependencyCycleError } from '../../../src/compose/load-errors.js';
import { loadProject } from '../../../src/compose/load.js';
import { loadError, loadFiles, writeProject } from './temp-project.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/compose');

describe('project environment and interpolation', () => {
  const compose = 'services:\n  s:\n    image: "${IMAGE:-default}"\n    environment: {FROM_DOTENV: "${DOTENV_ONLY}", FROM_B: "${B_ONLY:-}"}\n';
  it.each<{ name: string; files: Record<string, string>; env: Record<string, string>; envFiles: string[] | undefined; image: string; dotenv: string; b: string }>([
    { name: '.env in the project folder', files: { '.env': 'IMAGE=from-dotenv\nDOTENV_ONLY=d\n' }, env: {}, envFiles: undefined, image: 'from-dotenv', dotenv: 'd', b: '' },
    { name: 'the process environment wins over .env', files: { '.env': 'IMAGE=from-dotenv\n' }, env: { IMAGE: 'from-process' }, envFiles: undefined, image: 'from-process', dotenv: '', b: '' },
    { name: '--env-file replaces .env', files: { '.env': 'IMAGE=from-dotenv\n', 'a.env': 'IMAGE=from-a\n' }, env: {}, envFiles: ['a.env'], image: 'from-a', dotenv: '', b: '' },
    { name: 'several --env-file: later ones win, and see earlier values', files: { 'a.env': 'IMAGE=from-a\nX=1\n', 'b.env': 'IMAGE=from-b\nB_ONLY=${X}2\n' }, env: {}, envFiles: ['a.env', 'b.env'], image: 'from-b', dotenv: '', b: '12' },
    { name: 'no .env at all: defaults apply', files: {}, env: {}, envFiles: undefined, image: 'default', dotenv: '', b: '' },
  ])('$name', async ({ files, env, envFiles, image, dotenv, b }) => {
    const { project } = await loadFiles({ 'compose.yaml': compose, ...files }, { env: { HOME: '/h', ...env }, ...(envFiles ? { envFiles } : {}) });
    expect(project.services.s?.image).toBe(image);
    expect(project.services.s?.environment).toEqual({ FROM_DOTENV: dotenv, FROM_B: b });
  });

  it('interpolates values, never keys; $$ is a literal dollar', async () => {
    const { project } = await loadFiles({ 'compose.yaml': 'services:\n  s:\n    image: x\n    labels:\n      "${KEY}": "${VAL}"\n      cost: "$$5"\n' }, { env: { KEY: 'k', VAL: 'v' } });
    expect(project.services.s?.labels).toEqual({ '${KEY}': 'v', cost: '$5' });
  });

  it('a missing variable without default becomes "" with one positioned warning', async () => {
    const { project, warnings } = await loadFiles({ 'compose.yaml': 'services:\n  s:\n    image: "busybox${TAG}"\n    user: "${TAG}"\n' });
    expect(project.services.s?.image).toBe('busybox');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'VARIABLE_NOT_SET', keyPath: 'services.s.image', position: { line: 3, column: 12 } });
  });

  it('${VAR:?msg} with VAR missing is an error naming the variable, file and line', async () => {
    const err = await loadError({ 'compose.yaml': 'services:\n  s:\n    image: "${TAG:?set TAG to the model version}"\n' });
    expect(err).toBeInstanceOf(MissingRequiredVariableError);
    expect(err.message).toMatch(/compose\.yaml:3:12: services\.s\.image: required variable TAG is missing a value: set TAG to the model version/);
  });

  it('typed values written as variables are converted after interpolation', async () => {
    const { project } = await loadFiles(
      { 'compose.yaml': 'services:\n  s:\n    image: x\n    init: ${INIT}\n    cpus: ${CPUS}\n    ports: ["${PORT}:80"]\n    deploy: {replicas: "${N}"}\n' },
      { env: { INIT: 'true', CPUS: '0.5', PORT: '8080', N: '2' } },
    );
    expect(project.services.s).toMatchObject({ init: true, cpus: 0.5, deploy: { replicas: 2 }, ports: [{ target: 80, published: '8080' }] });
  });

  it('a required service env_file that is missing is a positioned error; an optional one is skipped', async () => {
    const err = await loadError({ 'compose.yaml': 'services:\n  s:\n    image: x\n    env_file: [missing.env]\n' });
    expect(err).toBeInstanceOf(ComposeFileError);
    expect(err.code).toBe('ENV_FILE_NOT_FOUND');
    expect(err.message).toMatch(/compose\.yaml:4:15: services\.s\.env_file: env file .*missing\.env not found/);
    const { project } = await loadFiles({ 'compose.yaml': 'services:\n  s:\n    image: x\n    env_file: [{path: missing.env, required: false}]\n' });
    expect(project.services.s?.environment).toBeUndefined();
  });
});

describe('project name', () => {
  it.each([
    { name: 'explicit -p wins', options: { projectName: 'explicit' }, env: { COMPOSE_PROJECT_NAME: 'fromenv' }, dotenv: '', field: 'name: field\n', expected: 'explicit' },
    { name: 'COMPOSE_PROJECT_NAME next', options: {}, env: { COMPOSE_PROJECT_NAME: 'fromenv' }, dotenv: '', field: 'name: field\n', expected: 'fromenv' },
    { name: 'COMPOSE_PROJECT_NAME from .env', options: {}, env: {}, dotenv: 'COMPOSE_PROJECT_NAME=dotenvname\n', field: 'name: field\n', expected: 'dotenvname' },
    { name: 'then name: (normalized)', options: {}, env: {}, dotenv: '', field: 'name: My.Field_Name\n', expected: 'myfield_name' },
    { name: 'then the folder name', options: {}, env: {}, dotenv: '', field: '', expected: 'proj' },
  ])('$name', async ({ options, env, dotenv, field, expected }) => {
    const { project } = await loadFiles({ 'compose.yaml': `${field}services:\n  s: {image: x, volumes: [data:/d]}\nvolumes: {data: {}}\n`, '.env': dotenv }, { ...options, env: { HOME: '/h', ...env } });
    expect(project.name).toBe(expected);
    expect(project.volumes.data?.name).toBe(`${expected}_data`);
    expect(project.networks.default?.name).toBe(`${expected}_default`);
  });

  it('an invalid -p is rejected with a suggestion', async () => {
    const err = await loadError({ 'compose.yaml': 'services: {s: {image: x}}\n' }, { projectName: 'My Project' });
    expect(err).toBeInstanceOf(InvalidProjectNameError);
    expect(err.message).toMatch(/invalid project name "My Project" \(from -p\).*use "myproject" instead/);
  });
});

describe('profiles and dependencies', () => {
  const yaml = 'services:\n  web: {image: x, depends_on: {lib: {condition: service_started, required: REQUIRED}}}\n  lib: {image: x, profiles: [test]}\n';
  it('an enabled service that needs a disabled one is an error that names the profile', async () => {
    const err = await loadError({ 'compose.yaml': yaml.replace('REQUIRED', 'true') });
    expect(err).toBeInstanceOf(ComposeValidationError);
    expect(err.message).toMatch(/services\.web\.depends_on\.lib: service "web" depends on "lib", which is disabled by its profiles; activate one of its profiles \(--profile test\)/);
  });
  it('with required: false it is a warning', async () => {
    const { project, warnings } = await loadFiles({ 'compose.yaml': yaml.replace('REQUIRED', 'false') });
    expect(Object.keys(project.services)).toEqual(['web']);
    expect(warnings.map((w) => w.code)).toEqual(['OPTIONAL_DEPENDENCY_DISABLED']);
  });
  it('activating the profile makes it valid', async () => {
    const { project } = await loadFiles({ 'compose.yaml': yaml.replace('REQUIRED', 'true') }, { profiles: ['test'] });
    expect(Object.keys(project.services).sort()).toEqual(['lib', 'web']);
  });
});

describe('dependency cycles', () => {
  it('a depends_on cycle is an error listing it', async () => {
    const err = await loadError({ 'compose.yaml': 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n' });
    expect(err).toBeInstanceOf(DependencyCycleError);
    expect((err as DependencyCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(err.message).toMatch(/compose\.yaml:2:\d+: services\.a\.depends_on: the depends_on links of these services form a cycle: a -> b -> c -> a/);
  });
  it('a service depending on itself', async () => {
    const err = await loadError({ 'compose.yaml': 'services:\n  a: {image: x, depends_on: [a]}\n' });
    expect((err as DependencyCycleError).cycle).toEqual(['a', 'a']);
  });
});

describe('include', () => {
  it('loads included files as their own project (own folder, own .env under ours) and imports their resources', async () => {
    const { project, dir } = await loadFiles(
      {
        'compose.yaml': 'include:\n  - sub/compose.yaml\nservices:\n  web: {image: web, depends_on: [db]}\n',
        'sub/compose.yaml': 'services:\n  db:\n    image: "db:${DB_TAG}"\n    volumes: ["./data:/data", "dbdata:/var/lib/db"]\n    environment: {OVERRIDDEN: "${SHARED}"}\nvolumes: {dbdata: {}}\n',
        'sub/.env': 'DB_TAG=15\nSHARED=from-sub\n',
      },
      { env: { HOME: '/h', SHARED: 'from-parent' } },
    );
    expect(Object.keys(project.services).sort()).toEqual(['db', 'web']);
    expect(project.services.db?.image).toBe('db:15');
    expect(project.services.db?.environment).toEqual({ OVERRIDDEN: 'from-parent' });
    expect(project.services.db?.volumes?.[0]).toMatchObject({ type: 'bind', source: `${dir}/sub/data` });
    expect(project.volumes.dbdata).toEqual({ name: 'proj_dbdata' });
  });
  it('long syntax: project_directory and env_file', async () => {
    const { project, dir } = await loadFiles({
      'compose.yaml': 'include:\n  - path: [sub/a.yaml, sub/b.yaml]\n    project_directory: .\n    env_file: vars.env\nservices: {}\n',
      'sub/a.yaml': 'services:\n  a: {image: "a:${V}", build: ./ctx}\n',
      'sub/b.yaml': 'services:\n  a: {user: b}\n',
      'vars.env': 'V=7\n',
    });
    expect(project.services.a).toMatchObject({ image: 'a:7', user: 'b', build: { context: `${dir}/ctx` } });
  });
  it('a conflicting resource is an error; an include loop too', async () => {
    const conflict = await loadError({
      'compose.yaml': 'include: [sub.yaml]\nservices:\n  db: {image: mine}\n',
      'sub.yaml': 'services:\n  db: {image: theirs}\n',
    });
    expect(conflict.code).toBe('COMPOSE_INCLUDE_CONFLICT');
    expect(conflict.message).toMatch(/compose\.yaml:3:3: services\.db: services\.db is defined here and, differently, in the included/);
    const loop = await loadError({ 'compose.yaml': 'include: [a.yaml]\nservices: {}\n', 'a.yaml': 'include: [compose.yaml]\nservices: {}\n' });
    expect(loop).toBeInstanceOf(DependencyCycleError);
  });

  it('a missing included file is named where the including file names it, file and line', async () => {
    const err = await loadError({ 'compose.yaml': 'services: {}\ninclude:\n  - ./sub/base.yaml\n  - ./sub/missing.yaml\n', 'sub/base.yaml': 'services: {}\n' });
    expect(err).toBeInstanceOf(ComposeFileError);
    expect(err.code).toBe('COMPOSE_FILE_NOT_FOUND');
    expect(err.message).toMatch(/^\/.*\/compose\.yaml:4:5: include\[1\]: the included file \/.*\/sub\/missing\.yaml is not found; correct the path \(relative paths count from \/.*\) or remove the entry$/);
  });

  it('a missing file included by an included file is named in that file', async () => {
    const err = await loadError({ 'compose.yaml': 'include: [sub/a.yaml]\nservices: {}\n', 'sub/a.yaml': 'services: {}\ninclude:\n  - path: nope.yaml\n' });
    expect(err.message).toMatch(/\/sub\/a\.yaml:3:5: include\[0\]: the included file \/.*\/sub\/nope\.yaml is not found/);
  });
});

describe('files', () => {
  it('a missing -f file is a clear error', async () => {
    const err = await loadError({ 'compose.yaml': 'services: {}\n' }, { files: ['nope.yaml'] });
    expect(err.code).toBe('COMPOSE_FILE_NOT_FOUND');
    expect(err.message).toMatch(/nope\.yaml: compose file not found/);
  });
  it('without -f, compose.yaml and its override are found in a parent folder', async () => {
    const dir = writeProject({ 'compose.yaml': 'services:\n  a: {image: base}\n', 'compose.override.yaml': 'services:\n  a: {image: over}\n', 'deep/er/.keep': '' });
    const project = await loadProject({ cwd: join(dir, 'deep/er'), env: {} });
    expect(project.services.a?.image).toBe('over');
    expect(project.config_files).toEqual([join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')]);
    expect(project.working_dir).toBe(dir);
  });
  it('COMPOSE_FILE names the files when -f is not given', async () => {
    const dir = writeProject({ 'one.yaml': 'services:\n  a: {image: one}\n', 'two.yaml': 'services:\n  a: {image: two}\n' });
    const project = await loadProject({ cwd: dir, env: { COMPOSE_FILE: 'one.yaml:two.yaml' } });
    expect(project.services.a?.image).toBe('two');
  });
  it('--project-directory sets the folder relative paths count from', async () => {
    const dir = writeProject({ 'files/compose.yaml': 'services:\n  a: {image: x, volumes: ["./data:/d"]}\n' });
    const project = await loadProject({ cwd: dir, files: ['files/compose.yaml'], workingDir: '.', env: {} });
    expect(project.working_dir).toBe(dir);
    expect(project.services.a?.volumes?.[0]).toMatchObject({ source: join(dir, 'data') });
  });
});

describe('fixtures', () => {
  it('the seed file loads unchanged', async () => {
    const warnings: string[] = [];
    const project = await loadProject({ files: [join(FIXTURES, 'seed/docker-compose.yml')], env: { HOME: '/h' }, onWarning: (w) => warnings.push(w.code) });
    expect(project.name).toBe('seed');
    expect(Object.keys(project.services)).toEqual(['tf-model-1', 'tf-model-2']);
    expect(project.services['tf-model-1']).toMatchObject({
      image: 'tensorflow/tensorflow:2.9.0-jupyter',
      container_name: 'tf_model_1',
      ports: [
        { target: 8888, published: '8888', protocol: 'tcp', mode: 'ingress' },
        { target: 22, published: '2222', protocol: 'tcp', mode: 'ingress' },
      ],
      volumes: [{ type: 'bind', source: join(FIXTURES, 'seed/model1_code'), target: '/tf/notebooks', bind: { create_host_path: true } }],
      environment: { JUPYTER_ENABLE_LAB: 'yes' },
      networks: { default: null },
    });
    const command = project.services['tf-model-1']?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['bash', '-c']);
    expect(command).toHaveLength(3);
    expect(command[2]).toMatch(/^apt-get update && apt-get install -y openssh-server && mkdir \/var\/run\/sshd && .* jupyter lab --ip=0\.0\.0\.0 --port=8888 --allow-root --no-browser$/);
    expect(warnings).toEqual(['VERSION_OBSOLETE']);
  });

  it('the seed file with the stand-in override: image swapped, ports daemon-chosen on 127.0.0.1', async () => {
    const project = await loadProject({ files: [join(FIXTURES, 'seed/docker-compose.yml'), join(FIXTURES, 'seed/docker-compose.standin.yml')], env: { HOME: '/h' } });
    for (const name of ['tf-model-1', 'tf-model-2']) {
      expect(project.services[name]?.image).toBe('modelstack-test/tf-jupyter:standin');
      expect(project.services[name]?.ports).toEqual([
        { target: 8888, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
        { target: 22, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
      ]);
    }
  });

  it('the three-model customer-service project loads with its profiles', async () => {
    const base = { files: [join(FIXTURES, 'customer-service/compose.yaml')], env: { HOME: '/h' } };
    const plain = await loadProject(base);
    expect(Object.keys(plain.services).sort()).toEqual(['gateway', 'intent', 'ner', 'sentiment']);
    expect(Object.keys(plain.disabled_services ?? {}).sort()).toEqual(['ner-gpu', 'notebook']);
    const intent = plain.services.intent;
    expect(intent?.deploy?.resources).toEqual({ limits: { cpus: 2, memory: 4 * 1024 ** 3 }, reservations: { memory: 512 * 1024 ** 2 } });
    expect(intent?.healthcheck).toEqual({ test: ['CMD', 'curl', '-fsS', 'http://localhost:8888/api'], interval: 30e9, timeout: 10e9, retries: 3, start_period: 90e9 });
    expect(intent?.environment).toMatchObject({ MODEL_NAME: 'intent-recognition', MODEL_LOG_LEVEL: 'info', TF_CPP_MIN_LOG_LEVEL: '2' });
    expect(intent?.command).toEqual(['jupyter', 'lab', '--ip=0.0.0.0', '--port=8888', '--no-browser', '--ServerApp.token=change-me']);
    expect(plain.services.gateway?.depends_on).toEqual({
      intent: { condition: 'service_healthy', required: true, restart: false },
      sentiment: { condition: 'service_healthy', required: true, restart: false },
      ner: { condition: 'service_healthy', required: true, restart: true },
    });
    expect(plain.volumes['ner-weights']).toEqual({ name: 'customer-service_ner-weights', labels: { 'com.example.model': 'ner' } });

    const gpu = await loadProject({ ...base, profiles: ['gpu'], env: { HOME: '/h', TF_IMAGE: 'modelstack-test/tf-jupyter:standin', JUPYTER_TOKEN: 's3cret' } });
    expect(gpu.services['ner-gpu']?.deploy?.resources?.reservations?.devices).toEqual([{ driver: 'nvidia', count: -1, capabilities: ['gpu'] }]);
    expect(gpu.services['ner-gpu']?.ports).toEqual([{ target: 8888, published: '8891', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }]);
    expect(gpu.services.ner?.image).toBe('modelstack-test/tf-jupyter:standin');
    expect(gpu.services.ner?.command?.at(-1)).toBe('--ServerApp.token=s3cret');
  });

  it('the fixture files can be copied elsewhere and still load (no absolute paths inside)', async () => {
    const dir = writeProject({}, 'copied');
    copyFileSync(join(FIXTURES, 'seed/docker-compose.yml'), join(dir, 'docker-compose.yml'));
    mkdirSync(join(dir, 'model1_code'), { recursive: true });
    const project = await loadProject({ cwd: dir, env: {} });
    expect(project.name).toBe('copied');
  });
});

describe('where warnings go', () => {
  const file = 'services:\n  a:\n    image: "x:${TAG}"\n';
  it('onWarning, when given, receives them', async () => {
    const seen: string[] = [];
    await loadProject({ cwd: writeProject({ 'compose.yaml': file }), env: {}, onWarning: (w) => seen.push(w.code) });
    expect(seen).toEqual(['VARIABLE_NOT_SET']);
  });

  it('else a logger: warn(fields, "file:line:col: key: message"), once each', async () => {
    const dir = writeProject({ 'compose.yaml': file });
    const calls: Array<[Record<string, unknown>, string]> = [];
    await loadProject({ cwd: dir, env: {}, logger: { warn: (o, m) => calls.push([o, m]) } });
    expect(calls).toEqual([[{ code: 'VARIABLE_NOT_SET', file: join(dir, 'compose.yaml'), line: 3, column: expect.any(Number), key: 'services.a.image' }, expect.stringMatching(/compose\.yaml:3:\d+: services\.a\.image: .*TAG/)]]);
  });

  it("else Node's warning channel (process.emitWarning, type ComposeWarning)", async () => {
    const seen: Error[] = [];
    const listener = (w: Error) => seen.push(w);
    process.on('warning', listener);
    try {
      await loadProject({ cwd: writeProject({ 'compose.yaml': file }), env: {} });
      await new Promise((r) => setImmediate(r)); // emitWarning delivers on the next tick
    } finally {
      process.off('warning', listener);
    }
    expect(seen.map((w) => [w.name, (w as Error & { code?: string }).code])).toEqual([['ComposeWarning', 'VARIABLE_NOT_SET']]);
    expect(seen[0]!.message).toMatch(/TAG/);
  });
});
