/**
 * `modelstack kubernetes`: loads compose files as every command does (or a
 * models file), prints manifests on stdout and warnings on stderr, and
 * honours its options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { CliIo } from '../../../../src/cli/context.js';
import { runCli } from '../../../../src/cli/program.js';
import type { KubernetesObject } from '../../../../src/exporters/kubernetes/types.js';
import { FIXTURES } from './helpers.js';
import { allIssues } from './schema.js';

async function run(argv: string[], cwd = FIXTURES): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTty: false, env: { HOME: '/home/cli' }, cwd };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const documents = (text: string): KubernetesObject[] => parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);

const tmp = mkdtempSync(join(tmpdir(), 'modelstack-k8s-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('modelstack kubernetes', () => {
  it('prints the seed file as YAML documents and its warnings with file:line:col', async () => {
    const { code, stdout, stderr } = await run(['-f', 'seed/docker-compose.yml', 'kubernetes']);
    expect(code).toBe(0);
    const objects = documents(stdout);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/tf-model-1', 'Service/tf-model-2', 'Deployment/tf-model-1', 'Deployment/tf-model-2']);
    expect(allIssues(objects)).toEqual([]);
    expect(stderr).toMatch(/^modelstack: warning: .*seed\/docker-compose\.yml:\d+:\d+: services\.tf-model-1\.volumes\[0\]: not exported: the bind mount/m);
    expect(stderr).toMatch(/services\.tf-model-2\.container_name: not exported/);
  });

  it('takes the options: namespace, JSON, host paths, no liveness probes (alias k8s)', async () => {
    const { code, stdout, stderr } = await run(['-f', 'conformance/jupyter-ssh-seedlike/compose.yaml', 'k8s', '-n', 'ml', '--format', 'json', '--host-path', '--no-liveness']);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { kind: string; items: KubernetesObject[] };
    expect(list.kind).toBe('List');
    expect(list.items.every((o) => o.metadata.namespace === 'ml')).toBe(true);
    const deployment = list.items.find((o) => o.kind === 'Deployment');
    if (deployment?.kind !== 'Deployment') throw new Error('no Deployment');
    expect(deployment.spec.template.spec.volumes?.map((v) => Object.keys(v)[1])).toEqual(['hostPath', 'hostPath']);
    expect(deployment.spec.template.spec.containers[0]!.livenessProbe).toBeUndefined();
    expect(deployment.spec.template.spec.containers[0]!.readinessProbe).toBeDefined();
    expect(stderr).toMatch(/exported as a hostPath volume/);
  });

  it('--strict fails without printing manifests when there are warnings', async () => {
    const { code, stdout, stderr } = await run(['-f', 'seed/docker-compose.yml', 'kubernetes', '--strict']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/modelstack: \d+ warnings \(--strict\): no manifests printed/);
  });

  it('--strict passes a file with nothing to warn about', async () => {
    writeFileSync(join(tmp, 'compose.yaml'), 'services:\n  api:\n    image: example/api:1\n    expose: ["8080"]\n    restart: always\n');
    const { code, stdout, stderr } = await run(['kubernetes', '--strict'], tmp);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(documents(stdout).map((o) => o.kind)).toEqual(['Service', 'Deployment']);
  });

  it('exports a models file with --models', async () => {
    writeFileSync(join(tmp, 'models.yml'), 'name: cs\nmodels:\n  - name: intent\n  - name: ner\n    gpus: 1\ngateway:\n  enabled: true\n');
    const { code, stdout } = await run(['kubernetes', '--models', 'models.yml', '--no-secret-data'], tmp);
    expect(code).toBe(0);
    const objects = documents(stdout);
    expect(allIssues(objects)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['intent', 'ner', 'gateway']);
    expect(objects.filter((o) => o.kind === 'Secret').every((o) => o.kind === 'Secret' && o.data === undefined)).toBe(true);
  });

  it.each([
    [['kubernetes', '--access-mode', 'sometimes'], /--access-mode.*expected one of/],
    [['kubernetes', '--gpus-for-all', '0'], /--gpus-for-all.*at least 1/],
    [['-f', 'seed/docker-compose.yml', 'kubernetes', '--models', 'models.yml'], /either compose files \(-f\) or a models file/],
  ])('refuses %j', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses an invalid namespace with the reason', async () => {
    const { code, stderr } = await run(['-f', 'seed/docker-compose.yml', 'kubernetes', '-n', 'Bad_NS']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/namespace "Bad_NS" is not a valid Kubernetes namespace/);
  });
});
