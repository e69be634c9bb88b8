/**
 * Never a silent drop: every key a service sets (and every key under its
 * `deploy`) is either mapped or named by a warning, for every compose file
 * of the conformance fixtures that loads — among them `every-service-key`,
 * one service with (almost) every key Compose accepts — and for a service
 * written in code with the keys no fixture sets. The list of keys is
 * checked against the model's type, so a key added to `Service` fails here
 * until a fixture or the in-code service uses it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../../../../src/compose/model.js';
import { exportProject, UNKNOWN_KEY } from '../../../../src/exporters/kubernetes/manifests.js';
import { FIXTURES, loadFixture, projectOf } from './helpers.js';
import { allIssues } from './schema.js';

/** Every key of a service, as the model types it (a missing or unknown key is a compile error). */
const SERVICE_KEYS: Record<keyof Service, true> = {
  image: true, build: true, command: true, entrypoint: true, environment: true, env_file: true, labels: true, annotations: true,
  container_name: true, hostname: true, domainname: true, working_dir: true, user: true, init: true, tty: true, stdin_open: true,
  privileged: true, read_only: true, ports: true, expose: true, volumes: true, tmpfs: true, networks: true, network_mode: true,
  depends_on: true, healthcheck: true, restart: true, deploy: true, scale: true, profiles: true, stop_signal: true,
  stop_grace_period: true, pull_policy: true, platform: true, cpus: true, mem_limit: true, mem_reservation: true,
  memswap_limit: true, pids_limit: true, shm_size: true, cpu_shares: true, cpuset: true, gpus: true, cap_add: true, cap_drop: true,
  security_opt: true, sysctls: true, ulimits: true, extra_hosts: true, dns: true, dns_search: true, dns_opt: true, devices: true,
  group_add: true, ipc: true, pid: true, oom_score_adj: true, oom_kill_disable: true, logging: true, configs: true, secrets: true,
  extensions: true, attach: true, blkio_config: true, cgroup: true, cgroup_parent: true, cpu_count: true, cpu_percent: true,
  cpu_period: true, cpu_quota: true, cpu_rt_period: true, cpu_rt_runtime: true, credential_spec: true, develop: true,
  device_cgroup_rules: true, external_links: true, links: true, isolation: true, mac_address: true, mem_swappiness: true,
  models: true, post_start: true, pre_stop: true, provider: true, pull_refresh_after: true, runtime: true, storage_opt: true,
  use_api_socket: true, userns_mode: true, uts: true, volumes_from: true,
};

/** The keys no fixture sets, on one service (with their `deploy` keys). */
const IN_CODE: Service = {
  image: 'example/app:1',
  models: { llm: { endpoint_var: 'LLM_URL' } },
  provider: { type: 'model', options: { model: 'ai/smollm2' } },
  pull_refresh_after: '24h',
  use_api_socket: true,
  deploy: { mode: 'replicated-job', replicas: 2, rollback_config: { parallelism: 1 } },
};

/** The fixtures that load as they are (those that must fail, or that need variants, are left out). */
function loadableFixtures(): Array<{ folder: string; profiles: string[]; env: Record<string, string> }> {
  const root = join(FIXTURES, 'conformance');
  return readdirSync(root)
    .filter((folder) => existsSync(join(root, folder, 'compose.yaml')) || existsSync(join(root, folder, 'docker-compose.yml')))
    .flatMap((folder) => {
      const file = join(root, folder, 'conformance.json');
      const conf = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { fails?: string; expectError?: string; variants?: unknown; args?: string[]; env?: Record<string, string> }) : {};
      if (conf.fails || conf.expectError || conf.variants) return [];
      const profiles = conf.args?.[0] === '--profile' && conf.args[1] ? [conf.args[1]] : [];
      return [{ folder: `conformance/${folder}`, profiles, env: { API_KEY: 'k', APP_CONFIG: 'c', ...conf.env } }];
    });
}

function unaccounted(project: Project): string[] {
  const { warnings, mapped } = exportProject(project);
  const out: string[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    const covered = (key: string): boolean =>
      (mapped.get(name)?.has(key) ?? false) || warnings.some((w) => w.service === name && w.message !== UNKNOWN_KEY && (w.key === key || w.key.startsWith(`${key}.`) || w.key.startsWith(`${key}[`)));
    for (const [key, value] of Object.entries(service)) {
      if (value === undefined || key === 'extensions') continue;
      if (key === 'deploy') {
        for (const [sub, v] of Object.entries(value as object)) if (v !== undefined && !covered(`deploy.${sub}`)) out.push(`${name}.deploy.${sub}`);
      } else if (!covered(key)) out.push(`${name}.${key}`);
    }
  }
  return out;
}

describe('every key is mapped or warned about', () => {
  const fixtures = loadableFixtures();

  it('the fixtures and the in-code service set every key of the model', async () => {
    const seen = new Set<string>(Object.keys(IN_CODE));
    for (const f of fixtures) {
      const project = await loadFixture(f.folder, { profiles: f.profiles, env: f.env });
      for (const s of Object.values(project.services)) for (const [k, v] of Object.entries(s)) if (v !== undefined) seen.add(k);
    }
    // `extensions` holds x-* keys, which are for the tools that read them.
    expect(Object.keys(SERVICE_KEYS).filter((k) => !seen.has(k) && k !== 'extensions')).toEqual([]);
    expect(fixtures.length).toBeGreaterThan(30);
  });

  it.each(loadableFixtures().map((f) => [f.folder, f] as const))('%s', async (_folder, f) => {
    const project = await loadFixture(f.folder, { profiles: f.profiles, env: f.env });
    expect(unaccounted(project)).toEqual([]);
    expect(exportProject(project).warnings.filter((w) => w.message === UNKNOWN_KEY)).toEqual([]);
  });

  it('the keys no fixture sets', () => {
    const project = projectOf({ app: IN_CODE });
    expect(unaccounted(project)).toEqual([]);
    const { objects, warnings } = exportProject(project);
    expect(allIssues(objects)).toEqual([]);
    expect(warnings.filter((w) => w.service === 'app').map((w) => w.key).sort()).toEqual(['deploy.rollback_config', 'models', 'provider', 'pull_refresh_after', 'use_api_socket']);
    expect(objects.find((o) => o.kind === 'Job')).toMatchObject({ spec: { completions: 2, parallelism: 2 } });
  });

  it('a key the exporter does not know is warned about, not dropped', () => {
    const service = { image: 'example/app:1', shiny_new_key: { x: 1 }, deploy: { brand_new: true } } as unknown as Service;
    const { warnings } = exportProject(projectOf({ app: service }));
    expect(warnings.filter((w) => w.message === UNKNOWN_KEY).map((w) => w.key)).toEqual(['shiny_new_key', 'deploy.brand_new']);
  });
});
