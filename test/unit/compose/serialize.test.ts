/**
 * `config` output, byte for byte: one project exercising every printing
 * rule (key order, strings for sizes and published ports, Go durations,
 * HTML-safe escaping, command/entrypoint null, ipam/resources/placement,
 * legacy keys not repeated under deploy), in JSON and in YAML.
 */
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/compose/load.js';
import type { Project } from '../../../src/compose/model.js';
import { serializeProject } from '../../../src/compose/serialize.js';
import { writeProject } from './temp-project.js';

const COMPOSE = `name: demo
x-note: {b: 2, a: "<&>"}
services:
  web:
    image: nginx
    x-private: 1
    command: echo "a&b"
    environment:
      B: "2"
      A:
    ports: ["127.0.0.1:8080:80", "3000"]
    volumes: ["./html:/usr/share/nginx/html:ro", "cache:/cache", {type: tmpfs, target: /tmp, tmpfs: {size: 1m}}]
    depends_on:
      db: {condition: service_healthy, restart: true}
    healthcheck: {test: curl -f http://localhost, interval: 1m30s, timeout: 500ms, retries: 3}
    deploy:
      replicas: 2
      resources: {limits: {cpus: "1.5", memory: 512m}, reservations: {devices: [{capabilities: [gpu], count: all}]}}
      restart_policy: {condition: on-failure, delay: 5s}
    memswap_limit: 256m
    shm_size: 64m
    stop_grace_period: 1m
    labels: [b=2, a=1]
    extra_hosts: ["host.docker.internal:host-gateway"]
    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}
    init: true
    privileged: false
    networks:
      front: {aliases: [www]}
  db:
    image: postgres
    scale: 1
    secrets: [pw]
    healthcheck: {disable: true}
networks:
  front: {}
volumes:
  cache: {}
secrets:
  pw: {file: ./pw.txt}
`;

async function demo(): Promise<{ project: Project; dir: string }> {
  const dir = writeProject({ 'compose.yaml': COMPOSE });
  return { project: await loadProject({ cwd: dir, env: {} }), dir };
}

describe('serializeProject', () => {
  it('prints JSON as docker compose config --format json does', async () => {
    const { project, dir } = await demo();
    expect(serializeProject(project, { format: 'json' })).toBe(`{
  "name": "demo",
  "networks": {
    "default": {
      "name": "demo_default",
      "ipam": {}
    },
    "front": {
      "name": "demo_front",
      "ipam": {}
    }
  },
  "secrets": {
    "pw": {
      "name": "demo_pw",
      "file": "${dir}/pw.txt"
    }
  },
  "services": {
    "db": {
      "command": null,
      "entrypoint": null,
      "healthcheck": {
        "disable": true
      },
      "image": "postgres",
      "networks": {
        "default": null
      },
      "scale": 1,
      "secrets": [
        {
          "source": "pw",
          "target": "/run/secrets/pw"
        }
      ]
    },
    "web": {
      "command": [
        "echo",
        "a\\u0026b"
      ],
      "depends_on": {
        "db": {
          "condition": "service_healthy",
          "restart": true,
          "required": true
        }
      },
      "deploy": {
        "replicas": 2,
        "resources": {
          "limits": {
            "cpus": 1.5,
            "memory": "536870912"
          },
          "reservations": {
            "devices": [
              {
                "capabilities": [
                  "gpu"
                ],
                "count": -1
              }
            ]
          }
        },
        "restart_policy": {
          "condition": "on-failure",
          "delay": "5s"
        },
        "placement": {}
      },
      "entrypoint": null,
      "environment": {
        "A": null,
        "B": "2"
      },
      "extra_hosts": [
        "host.docker.internal=host-gateway"
      ],
      "healthcheck": {
        "test": [
          "CMD-SHELL",
          "curl -f http://localhost"
        ],
        "timeout": "500ms",
        "interval": "1m30s",
        "retries": 3
      },
      "image": "nginx",
      "init": true,
      "labels": {
        "a": "1",
        "b": "2"
      },
      "memswap_limit": "268435456",
      "networks": {
        "front": {
          "aliases": [
            "www"
          ]
        }
      },
      "ports": [
        {
          "mode": "ingress",
          "host_ip": "127.0.0.1",
          "target": 80,
          "published": "8080",
          "protocol": "tcp"
        },
        {
          "mode": "ingress",
          "target": 3000,
          "protocol": "tcp"
        }
      ],
      "shm_size": "67108864",
      "stop_grace_period": "1m0s",
      "ulimits": {
        "nofile": {
          "soft": 1,
          "hard": 2
        },
        "nproc": 3
      },
      "volumes": [
        {
          "type": "bind",
          "source": "${dir}/html",
          "target": "/usr/share/nginx/html",
          "read_only": true,
          "bind": {
            "create_host_path": true
          }
        },
        {
          "type": "volume",
          "source": "cache",
          "target": "/cache",
          "volume": {}
        },
        {
          "type": "tmpfs",
          "target": "/tmp",
          "tmpfs": {
            "size": "1048576"
          }
        }
      ]
    }
  },
  "volumes": {
    "cache": {
      "name": "demo_cache"
    }
  },
  "x-note": {
    "a": "\\u003c\\u0026\\u003e",
    "b": 2
  }
}\n`);
  });

  it('prints YAML as docker compose config does', async () => {
    const { project, dir } = await demo();
    expect(serializeProject(project, { format: 'yaml' })).toBe(`name: demo
services:
  db:
    healthcheck:
      disable: true
    image: postgres
    networks:
      default: null
    scale: 1
    secrets:
      - source: pw
        target: /run/secrets/pw
  web:
    command:
      - echo
      - a&b
    depends_on:
      db:
        condition: service_healthy
        restart: true
        required: true
    deploy:
      replicas: 2
      resources:
        limits:
          cpus: 1.5
          memory: "536870912"
        reservations:
          devices:
            - capabilities:
                - gpu
              count: -1
      restart_policy:
        condition: on-failure
        delay: 5s
    environment:
      A: null
      B: "2"
    extra_hosts:
      - host.docker.internal=host-gateway
    healthcheck:
      test:
        - CMD-SHELL
        - curl -f http://localhost
      timeout: 500ms
      interval: 1m30s
      retries: 3
    image: nginx
    init: true
    labels:
      a: "1"
      b: "2"
    memswap_limit: "268435456"
    networks:
      front:
        aliases:
          - www
    ports:
      - mode: ingress
        host_ip: 127.0.0.1
        target: 80
        published: "8080"
        protocol: tcp
      - mode: ingress
        target: 3000
        protocol: tcp
    shm_size: "67108864"
    stop_grace_period: 1m0s
    ulimits:
      nofile:
        soft: 1
        hard: 2
      nproc: 3
    volumes:
      - type: bind
        source: ${dir}/html
        target: /usr/share/nginx/html
        read_only: true
        bind:
          create_host_path: true
      - type: volume
        source: cache
        target: /cache
        volume: {}
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: "1048576"
    x-private: 1
networks:
  default:
    name: demo_default
  front:
    name: demo_front
volumes:
  cache:
    name: demo_cache
secrets:
  pw:
    name: demo_pw
    file: ${dir}/pw.txt
x-note:
  a: <&>
  b: 2\n`);
  });

  it.each(['json', 'yaml'] as const)('prints every $ as $$ in %s, so the output loads back to the same model', async (format) => {
    const compose = [
      'name: dollars',
      'services:',
      '  app:',
      '    image: "busybox"',
      '    command: ["sh", "-c", "echo $$HOME ${HOME_SET}"]',
      '    environment: {PRICE: "5$$", RAW: "$${NOT_A_VAR}"}',
      '    labels: {cost: "$$1"}',
      '    healthcheck: {test: [CMD-SHELL, test -n $$PATH]}',
      'configs:',
      '  c: {content: "a=$$b"}',
      '',
    ].join('\n');
    const dir = writeProject({ 'compose.yaml': compose });
    const first = await loadProject({ cwd: dir, env: { HOME_SET: 'set' } });
    const printed = serializeProject(first, { format });
    expect(printed).toContain('$$HOME');
    expect(printed).toContain('$${NOT_A_VAR}');
    const again = writeProject({ [`printed.${format}`]: printed });
    const second = await loadProject({ cwd: again, files: [`printed.${format}`], env: {} });
    expect(second.services).toEqual(first.services);
    expect(second.configs).toEqual(first.configs);
    expect(first.services.app?.environment).toEqual({ PRICE: '5$', RAW: '${NOT_A_VAR}' });
  });

  it('doubles a $ in keys too, as Compose does (keys are not interpolated, so such a key does not load back)', async () => {
    const dir = writeProject({ 'compose.yaml': 'services:\n  app: {image: busybox, labels: {"cost$": "1"}}\n' });
    const project = await loadProject({ cwd: dir, env: {} });
    expect(serializeProject(project, { format: 'json' })).toContain('"cost$$": "1"');
    expect(serializeProject(project, { format: 'json', escapeDollars: false })).toContain('"cost$": "1"');
  });
});
