/**
 * Projects written in code for tests: the canonical model with the test
 * label on every service, network and volume.
 */
import type { Project, Service } from '../../src/compose/model.js';
import { BUSYBOX, TEST_LABEL } from './engine.js';

/** A busybox web server answering `name` on 8080, with a fast healthcheck. */
export function httpService(body: string, overrides: Partial<Service> = {}): Service {
  return {
    image: BUSYBOX,
    init: true,
    command: ['sh', '-c', `mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
    ports: [{ target: 8080, protocol: 'tcp', mode: 'ingress' }],
    healthcheck: { test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1'], interval: 1e9, timeout: 3e9, retries: 3 },
    networks: { default: null },
    ...overrides,
  };
}

/** A project whose services, network and volumes all carry `org.modelstack.test=<run>`. */
export function testProject(run: string, services: Record<string, Service>, extra: Partial<Project> = {}): Project {
  const labelled = Object.fromEntries(
    Object.entries(services).map(([k, s]) => [k, { ...s, labels: { ...s.labels, [TEST_LABEL]: run } }]),
  );
  return {
    name: run,
    working_dir: process.cwd(),
    config_files: [],
    services: labelled,
    networks: { default: { name: `${run}_default`, labels: { [TEST_LABEL]: run } } },
    volumes: {},
    configs: {},
    secrets: {},
    ...extra,
  };
}
