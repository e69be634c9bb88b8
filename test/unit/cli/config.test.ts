import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import type { CliIo } from '../../../src/cli/context.js';
import { writeProject } from '../compose/temp-project.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/compose');

async function run(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    isTty: false,
    env: { HOME: '/home/cli', ...options.env },
    cwd: options.cwd ?? FIXTURES,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('modelstack config', () => {
  it('prints the seed project as JSON in Compose shape', async () => {
    const { code, stdout, stderr } = await run(['-f', 'seed/docker-compose.yml', 'config', '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: .*docker-compose\.yml:7:1: version: the attribute `version` is obsolete/);
    const config = JSON.parse(stdout);
    expect(Object.keys(config)).toEqual(['name', 'networks', 'services']);
    expect(config.name).toBe('seed');
    expect(config.networks).toEqual({ default: { name: 'seed_default', ipam: {} } });
    expect(config.services['tf-model-1']).toEqual({
      command: expect.arrayContaining(['bash', '-c']),
      container_name: 'tf_model_1',
      entrypoint: null,
      environment: { JUPYTER_ENABLE_LAB: 'yes' },
      image: 'tensorflow/tensorflow:2.9.0-jupyter',
      networks: { default: null },
      ports: [
        { mode: 'ingress', target: 8888, published: '8888', protocol: 'tcp' },
        { mode: 'ingress', target: 22, published: '2222', protocol: 'tcp' },
      ],
      volumes: [{ type: 'bind', source: join(FIXTURES, 'seed/model1_code'), target: '/tf/notebooks', bind: { create_host_path: true } }],
    });
    expect(stdout).toContain('\\u0026\\u0026'); // Go's HTML-safe escaping of "&&"
  });

  it('merges a second -f and prints YAML by default', async () => {
    const { code, stdout } = await run(['-f', 'seed/docker-compose.yml', '-f', 'seed/docker-compose.standin.yml', 'config']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^name: seed\nservices:\n {2}tf-model-1:\n/);
    expect(stdout).toContain('image: modelstack-test/tf-jupyter:standin');
    expect(stdout).toContain('      - mode: ingress\n        host_ip: 127.0.0.1\n        target: 8888\n        protocol: tcp\n');
    expect(stdout).not.toContain('published: "8888"');
  });

  it('applies -p, --profile and --env-file', async () => {
    const dir = writeProject({ 'compose.yaml': 'services:\n  a: {image: "${IMG}"}\n  b: {image: x, profiles: [extra]}\n', 'vars.env': 'IMG=from-env-file\n' });
    const { code, stdout } = await run(['-p', 'custom', '--profile', 'extra', '--env-file', 'vars.env', 'config', '--format', 'json'], { cwd: dir });
    expect(code).toBe(0);
    const config = JSON.parse(stdout);
    expect(config.name).toBe('custom');
    expect(Object.keys(config.services)).toEqual(['a', 'b']);
    expect(config.services.a.image).toBe('from-env-file');
  });

  it('prints the three-model project', async () => {
    const { code, stdout } = await run(['-f', 'customer-service/compose.yaml', 'config', '--format', 'json']);
    expect(code).toBe(0);
    const config = JSON.parse(stdout);
    expect(Object.keys(config.services)).toEqual(['gateway', 'intent', 'ner', 'sentiment']);
    expect(config.services.intent.deploy.resources).toEqual({ limits: { cpus: 2, memory: '4294967296' }, reservations: { memory: '536870912' } });
    expect(config.services.intent.healthcheck).toEqual({ test: ['CMD', 'curl', '-fsS', 'http://localhost:8888/api'], timeout: '10s', interval: '30s', retries: 3, start_period: '1m30s' });
    // mem_limit is printed where it was written, not repeated under deploy.
    expect(config.services.gateway.mem_limit).toBe('268435456');
    expect(config.services.gateway.deploy).toBeUndefined();
  });

  it('reports compose errors on stderr with exit code 1', async () => {
    const dir = writeProject({ 'compose.yaml': 'services:\n  web:\n    imgae: x\n' });
    const { code, stdout, stderr } = await run(['config'], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`modelstack: ${join(dir, 'compose.yaml')}:3:5: services.web.imgae: unknown key "imgae"; did you mean "image"? (keys of your own must start with "x-")\n`);
  });

  it('usage errors exit with 2', async () => {
    expect((await run(['-f', 'seed/docker-compose.yml', 'config', '--format', 'xml'])).code).toBe(2);
    expect((await run(['config', '--nope'])).code).toBe(2);
  });
});
