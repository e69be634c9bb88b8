import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPosition } from '../../../src/compose/errors.js';
import { ComposeValidationError, NoSuchServiceError, assertServicesExist, formatIssue } from '../../../src/compose/load-errors.js';
import { closest } from '../../../src/compose/issues.js';
import { loadError, loadFiles } from './temp-project.js';

/** Issues of a failed load, as `compose.yaml:line:col: key.path: detail` with the folder stripped. */
async function issuesOf(yaml: string, files: Record<string, string> = {}): Promise<string[]> {
  const err = await loadError({ 'compose.yaml': yaml, ...files });
  expect(err).toBeInstanceOf(ComposeValidationError);
  return (err as ComposeValidationError).issues.map((i) =>
    formatIssue({ ...i, ...(i.position ? { position: { ...i.position, file: basename(i.position.file) } } : {}) }),
  );
}

describe('schema validation: one issue per case, with file:line:column and key path', () => {
  const cases: Array<{ name: string; yaml: string; issue: string }> = [
    {
      name: 'unknown key with a suggestion',
      yaml: 'services:\n  web:\n    imgae: busybox\n',
      issue: 'compose.yaml:3:5: services.web.imgae: unknown key "imgae"; did you mean "image"? (keys of your own must start with "x-")',
    },
    {
      name: 'unknown top-level key without a close match lists the allowed keys',
      yaml: 'services: {}\nfrobnicate: 1\n',
      issue: 'compose.yaml:2:1: frobnicate: unknown key "frobnicate"; use one of "version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs", or prefix keys of your own with "x-"',
    },
    {
      name: 'wrong type: a number where a string is required',
      yaml: 'services:\n  web:\n    image: 42\n',
      issue: 'compose.yaml:3:12: services.web.image: expected a string, got the number 42; quote the value',
    },
    {
      name: 'wrong type: a mapping where a list is required',
      yaml: 'services:\n  web:\n    image: x\n    cap_add: {a: 1}\n',
      issue: 'compose.yaml:4:14: services.web.cap_add: expected a list of strings, got a mapping; write a list of strings here',
    },
    {
      name: 'bad port short syntax',
      yaml: 'services:\n  web:\n    image: x\n    ports:\n      - "80:80:80:80"\n',
      issue: 'compose.yaml:5:9: services.web.ports[0]: expected a port specification, got the string "80:80:80:80"; invalid IP address "80:80"; write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax',
    },
    {
      name: 'port range length mismatch',
      yaml: 'services:\n  web:\n    image: x\n    ports: ["8000-8002:80-81"]\n',
      issue: 'compose.yaml:4:13: services.web.ports[0]: expected a port specification, got the string "8000-8002:80-81"; the container port range 80-81 and the host port range 8000-8002 differ in length; write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax',
    },
    {
      name: 'unknown protocol',
      yaml: 'services:\n  web:\n    image: x\n    ports: ["80/icmp"]\n',
      issue: 'compose.yaml:4:13: services.web.ports[0]: expected a port specification, got the string "80/icmp"; unknown protocol "icmp" (use tcp, udp or sctp); write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax',
    },
    {
      name: 'long-syntax port target out of range',
      yaml: 'services:\n  web:\n    image: x\n    ports:\n      - target: 70000\n',
      issue: 'compose.yaml:5:17: services.web.ports[0].target: expected a whole number from 1 to 65535, got the number 70000; a container listens on a port from 1 to 65535',
    },
    {
      name: 'duration without a unit',
      yaml: 'services:\n  web:\n    image: x\n    healthcheck:\n      interval: 30\n',
      issue: 'compose.yaml:5:17: services.web.healthcheck.interval: expected a duration such as "30s" or "1m30s", got the number 30; add a unit, e.g. "30s"',
    },
    {
      name: 'healthcheck test list with an unknown first word',
      yaml: 'services:\n  web:\n    image: x\n    healthcheck:\n      test: ["curl", "-f", "http://x"]\n',
      issue: 'compose.yaml:5:14: services.web.healthcheck.test[0]: expected a list starting with "CMD", "CMD-SHELL" or "NONE", got the string "curl"; write ["CMD", "curl", ...] or ["CMD-SHELL", "a shell line"]',
    },
    {
      name: 'bad depends_on condition',
      yaml: 'services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: started\n  db:\n    image: y\n',
      issue: 'compose.yaml:6:20: services.web.depends_on.db.condition: expected one of "service_started", "service_healthy", "service_completed_successfully", got the string "started"; write one of "service_started", "service_healthy", "service_completed_successfully" here',
    },
    {
      name: 'bad memory size',
      yaml: 'services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: 4 gigs\n',
      issue: 'compose.yaml:7:19: services.web.deploy.resources.limits.memory: expected a size such as "512m" or "4g", got the string "4 gigs"; invalid size "4 gigs"; write a number of bytes or a number with a unit (b, k, m, g, t; binary, k = 1024), e.g. "512m" or "4G"',
    },
    {
      name: 'bad restart policy',
      yaml: 'services:\n  web:\n    image: x\n    restart: sometimes\n',
      issue: 'compose.yaml:4:14: services.web.restart: expected a restart policy: "no", "always", "unless-stopped" or "on-failure[:N]", got the string "sometimes"; quote "no" (or leave restart out)',
    },
    {
      name: 'boolean key with a non-boolean',
      yaml: 'services:\n  web:\n    image: x\n    init: maybe\n',
      issue: 'compose.yaml:4:11: services.web.init: expected true or false, got the string "maybe"; write true or false here',
    },
    {
      name: 'duplicate list entries',
      // Compose folds repeated cap_add, dns, links... (so do we); these it refuses.
      yaml: 'services:\n  web:\n    image: x\n    security_opt: [no-new-privileges, no-new-privileges]\n',
      issue: 'compose.yaml:4:39: services.web.security_opt[1]: expected unique entries, got the string "no-new-privileges"; this repeats entry [0]; remove one of them',
    },
    {
      name: 'missing required key in a long-syntax volume',
      yaml: 'services:\n  web:\n    image: x\n    volumes:\n      - source: data\n        target: /data\nvolumes: {data: {}}\n',
      issue: 'compose.yaml:5:9: services.web.volumes[0].type: missing the key `type`; add `type:`',
    },
    {
      name: 'invalid service name',
      yaml: 'services:\n  "my web":\n    image: x\n',
      issue: 'compose.yaml:2:3: services["my web"]: expected a name matching ^[a-zA-Z0-9._-]+$, got the key "my web"; service names use letters, digits, ".", "_" and "-"',
    },
    {
      name: 'unquoted shell operator in a command string',
      yaml: 'services:\n  web:\n    image: x\n    command: echo a && echo b\n',
      issue: 'compose.yaml:4:14: services.web.command: expected a command line, got the string "echo a && echo b"; unquoted "&" in the command: Compose does not run a command string through a shell, so it would cut the command there; write it as ["sh", "-c", "..."] or quote the whole shell line',
    },
    {
      name: 'volume short syntax with an empty section',
      yaml: 'services:\n  web:\n    image: x\n    volumes: ["./a::/b"]\n',
      issue: 'compose.yaml:4:15: services.web.volumes[0]: expected a volume specification, got the string "./a::/b"; empty section between colons in "./a::/b"; write "SOURCE:TARGET[:ro]" (SOURCE a path starting with ".", "/" or "~", or a volume name) or the long syntax',
    },
  ];
  it.each(cases)('$name', async ({ yaml, issue }) => {
    expect(await issuesOf(yaml)).toEqual([issue]);
  });
});

describe('values the engine would refuse are refused at load, before anything is created', () => {
  const svc = (lines: string): string => `services:\n  web:\n    image: x\n${lines}`;
  const cases: Array<{ name: string; yaml: string; issue: string }> = [
    {
      name: 'a long-syntax host_ip that is no IP address',
      yaml: svc('    ports:\n      - target: 80\n        host_ip: 127.0.0.1.5\n'),
      issue: 'compose.yaml:6:18: services.web.ports[0].host_ip: expected an IPv4 or IPv6 address, got the string "127.0.0.1.5"; write an address such as 127.0.0.1, 0.0.0.0 or ::1 (without brackets); the engine would otherwise bind all interfaces',
    },
    {
      name: 'a short-syntax host IP that is no IP address',
      yaml: svc('    ports: ["999.1.1.1:8080:80"]\n'),
      issue: 'compose.yaml:4:13: services.web.ports[0]: expected a port specification, got the string "999.1.1.1:8080:80"; invalid IP address "999.1.1.1"; write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax',
    },
    {
      name: 'container port 0 (short syntax)',
      yaml: svc('    ports: ["8080:0"]\n'),
      issue: 'compose.yaml:4:13: services.web.ports[0]: expected a port specification, got the string "8080:0"; container port 0 is not a port; a container listens on a port from 1 to 65535; write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax',
    },
    {
      name: 'container port 0 (long syntax)',
      yaml: svc('    ports:\n      - target: 0\n        published: 8080\n'),
      issue: 'compose.yaml:5:17: services.web.ports[0].target: expected a whole number from 1 to 65535, got the number 0; a container listens on a port from 1 to 65535',
    },
    {
      name: 'a published port past 65535',
      yaml: svc('    ports:\n      - target: 80\n        published: "70000"\n'),
      issue: 'compose.yaml:6:20: services.web.ports[0].published: expected a host port or range such as "8080" or "8000-8010", got the string "70000"; host ports go from 0 (chosen by the daemon) to 65535',
    },
    {
      name: 'a volume "::" (no absolute target)',
      yaml: svc('    volumes: ["::"]\n'),
      issue: 'compose.yaml:4:15: services.web.volumes[0]: expected a volume specification, got the string "::"; the path inside the container must be absolute (start with "/"), or the engine refuses the mount; write "SOURCE:TARGET[:ro]" (SOURCE a path starting with ".", "/" or "~", or a volume name) or the long syntax',
    },
    {
      name: 'a long-syntax volume with a relative target',
      yaml: svc('    volumes:\n      - type: tmpfs\n        target: data\n'),
      issue: 'compose.yaml:6:17: services.web.volumes[0].target: expected an absolute path, got the string "data"; the path inside the container must be absolute (start with "/"), or the engine refuses the mount',
    },
    {
      name: 'a negative ulimit',
      yaml: svc('    ulimits:\n      nofile: -5\n'),
      issue: 'compose.yaml:5:15: services.web.ulimits.nofile: expected a whole number of at least -1, got the number -5; a limit is 0 or more, or -1 for unlimited',
    },
    {
      name: 'a soft ulimit above the hard one',
      yaml: svc('    ulimits:\n      nofile: {soft: 200, hard: 100}\n'),
      issue: 'compose.yaml:5:22: services.web.ulimits.nofile.soft: expected a soft limit no higher than the hard limit, got the number 200; soft 200 is above hard 100 (-1 is unlimited); lower soft or raise hard',
    },
    {
      name: 'a negative healthcheck interval',
      yaml: svc('    healthcheck:\n      test: ["CMD", "true"]\n      interval: -5s\n'),
      issue: 'compose.yaml:6:17: services.web.healthcheck.interval: expected a duration of 0 or more, got the string "-5s"; a wait or a period cannot be negative; remove the "-"',
    },
    {
      name: 'a negative stop_grace_period',
      yaml: svc('    stop_grace_period: -1m\n'),
      issue: 'compose.yaml:4:24: services.web.stop_grace_period: expected a duration of 0 or more, got the string "-1m"; a wait or a period cannot be negative; remove the "-"',
    },
    {
      name: 'a negative restart delay',
      yaml: svc('    deploy:\n      restart_policy: {delay: -1s}\n'),
      issue: 'compose.yaml:5:31: services.web.deploy.restart_policy.delay: expected a duration of 0 or more, got the string "-1s"; a wait or a period cannot be negative; remove the "-"',
    },
    {
      name: 'a GPU count of -3',
      yaml: svc('    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n              count: -3\n'),
      issue: 'compose.yaml:9:22: services.web.deploy.resources.reservations.devices[0].count: expected a number of devices of at least 1, or "all" (-1), got the number -3; write "all" for every device, or how many you need',
    },
    {
      name: 'a gpus count of 0',
      yaml: svc('    gpus:\n      - count: 0\n'),
      issue: 'compose.yaml:5:16: services.web.gpus[0].count: expected a number of devices of at least 1, or "all" (-1), got the number 0; write "all" for every device, or how many you need',
    },
    {
      name: 'a billion replicas',
      yaml: svc('    deploy:\n      replicas: 1000000000\n'),
      issue: 'compose.yaml:5:17: services.web.deploy.replicas: expected a whole number from 0 to 10000, got the number 1000000000; modelstack runs at most 10000 containers of one service (see docs/compose-files.md)',
    },
    {
      name: 'a billion replicas with scale',
      yaml: svc('    scale: 1000000000\n'),
      issue: 'compose.yaml:4:12: services.web.scale: expected a whole number from 0 to 10000, got the number 1000000000; modelstack runs at most 10000 containers of one service (see docs/compose-files.md)',
    },
    {
      name: 'a NUL character in an image name',
      yaml: 'services:\n  web:\n    image: "busy\\0box"\n',
      issue: 'compose.yaml:3:12: services.web.image: contains a NUL character (\\0), which the engine cannot take; remove it',
    },
    {
      name: 'a NUL character in a variable name',
      yaml: svc('    environment:\n      "A\\0B": x\n'),
      issue: 'compose.yaml:5:7: services.web.environment["A\\u0000B"]: the name contains a NUL character (\\0), which the engine cannot take; remove it',
    },
    {
      name: 'a NUL character in a command argument',
      yaml: svc('    command: ["echo", "a\\0b"]\n'),
      issue: 'compose.yaml:4:23: services.web.command[1]: contains a NUL character (\\0), which the engine cannot take; remove it',
    },
    {
      name: 'a 10 MB label value',
      yaml: svc(`    labels:\n      big: "${'x'.repeat(10 * 1024 * 1024)}"\n`),
      issue: 'compose.yaml:5:12: services.web.labels.big: the label is 10241 KiB, more than 128 KiB; labels are metadata; put data in a config or a volume',
    },
  ];
  it.each(cases)('$name', async ({ yaml, issue }) => {
    const issues = await issuesOf(yaml);
    expect(issues[0]).toBe(issue);
  });

  it('a service whose labels, environment and command together are too large for the engine', async () => {
    const values = Array.from({ length: 3 }, (_, i) => `      V${i}: "${'y'.repeat(100 * 1024)}"`).join('\n');
    expect(await issuesOf(svc(`    environment:\n${values}\n`))).toEqual([
      'compose.yaml:2:3: services.web: its labels, environment and command come to 301 KiB in the engine\'s request, more than 256 KiB: the engine would refuse to create the container (HTTP 431); move large values into a config or a volume',
    ]);
    // Counted as the request carries them: 50 KiB of quotes is 300 KiB escaped.
    expect(await issuesOf(svc(`    labels:\n      q: '${'"'.repeat(50 * 1024)}'\n`))).toEqual([
      'compose.yaml:2:3: services.web: its labels, environment and command come to 301 KiB in the engine\'s request, more than 256 KiB: the engine would refuse to create the container (HTTP 431); move large values into a config or a volume',
    ]);
  });

  it('a NUL character read from an env file', async () => {
    const err = await loadError({ 'compose.yaml': svc('    env_file: [vars.env]\n'), 'vars.env': 'A=x\u0000y\n' });
    expect((err as ComposeValidationError).issues.map((i) => `${i.keyPath}: ${i.detail}`)).toEqual([
      'services.web.environment.A: the entry contains a NUL character (\\0), which the engine cannot take; remove it (read from an env or label file?)',
    ]);
  });

  it('accepts what the engine takes: -1 for unlimited, "all" devices, an empty host_ip, 10000 replicas, a NUL in a config\'s content', async () => {
    const { project } = await loadFiles({
      'compose.yaml': svc([
        '    ulimits: {memlock: -1, nofile: {soft: 1024, hard: -1}}',
        '    gpus: all',
        '    ports: [{target: 80, host_ip: ""}, "[::1]:8080:81"]',
        '    deploy: {replicas: 10000}',
        '    stop_grace_period: 0s',
        '    configs: [blob]',
        'configs:',
        '  blob: {content: "a\\0b"}',
        '',
      ].join('\n')),
    });
    const web = project.services.web!;
    expect(web.ulimits).toEqual({ memlock: { soft: -1, hard: -1, single: true }, nofile: { soft: 1024, hard: -1 } });
    expect(web.gpus).toEqual([{ capabilities: [], count: -1 }]);
    expect(web.ports).toEqual([{ target: 80, protocol: 'tcp', mode: 'ingress' }, { target: 81, published: '8080', host_ip: '::1', protocol: 'tcp', mode: 'ingress' }]);
    expect(web.deploy?.replicas).toBe(10000);
    expect(project.configs.blob?.content).toBe('a\u0000b');
  });
});

describe('schema validation: collecting and allowing', () => {
  it('reports every problem of every file at once', async () => {
    const err = await loadError(
      {
        'compose.yaml': 'services:\n  web:\n    imgae: x\n    ports: [foo]\n',
        'override.yaml': 'services:\n  web:\n    init: perhaps\n',
      },
      { files: ['compose.yaml', 'override.yaml'] },
    );
    const issues = (err as ComposeValidationError).issues;
    expect(issues.map((i) => `${basename(i.position?.file ?? '')}:${i.position?.line}: ${i.keyPath}`)).toEqual([
      'compose.yaml:3: services.web.imgae',
      'compose.yaml:4: services.web.ports[0]',
      'override.yaml:3: services.web.init',
    ]);
    expect(err.message.split('\n')[0]).toBe('3 problems in the compose files:');
    expect(err.message).toContain(`${formatPosition(issues[2]!.position!)}: services.web.init: expected true or false`);
  });

  it('checks on the merged files the entries that must stay unique and that merging does not fold', async () => {
    // Compose: "validating override.yaml: services.app.volumes_from array items[0,1] must be unique".
    const err = await loadError(
      {
        'compose.yaml': 'services:\n  app:\n    image: x\n    volumes_from: [b]\n    cap_add: [NET_ADMIN]\n  b: {image: y}\n',
        'override.yaml': 'services:\n  app:\n    volumes_from: [b]\n    cap_add: [NET_ADMIN]\n',
      },
      { files: ['compose.yaml', 'override.yaml'] },
    );
    expect(err).toBeInstanceOf(ComposeValidationError);
    const issues = (err as ComposeValidationError).issues.map((i) => formatIssue({ ...i, ...(i.position ? { position: { ...i.position, file: basename(i.position.file) } } : {}) }));
    // cap_add is folded by the merge (as Compose folds it), so only volumes_from is reported.
    expect(issues).toEqual(['override.yaml:3:19: services.app.volumes_from[1]: expected unique entries, got the string "b"; this repeats entry [0]; remove one of them']);
  });

  it('accepts x-* keys anywhere, strings where the spec allows them, and the obsolete version (with a warning)', async () => {
    const { project, warnings } = await loadFiles({
      'compose.yaml': [
        'version: "3.8"',
        'x-top: 1',
        'services:',
        '  web:',
        '    image: x',
        '    x-own: {a: 1}',
        '    init: "true"',
        '    tty: "off"',
        '    deploy: {replicas: "2", x-deploy: 1}',
        '    healthcheck: {retries: "5", x-hc: 1}',
      ].join('\n'),
    });
    expect(project.services.web).toMatchObject({ init: true, tty: false, deploy: { replicas: 2 }, healthcheck: { retries: 5 }, extensions: { 'x-own': { a: 1 } } });
    expect(project.extensions).toEqual({ 'x-top': 1 });
    expect(warnings.map((w) => [w.code, w.position?.line])).toEqual([['VERSION_OBSOLETE', 1]]);
  });
});

describe('reference checks', () => {
  const cases: Array<{ name: string; yaml: string; issue: string }> = [
    {
      name: 'depends_on an unknown service, with a suggestion',
      yaml: 'services:\n  web:\n    image: x\n    depends_on: [dbb]\n  db:\n    image: y\n',
      issue: 'compose.yaml:4:5: services.web.depends_on.dbb: service "web" depends on undefined service "dbb"; did you mean "db"?',
    },
    {
      name: 'an undefined network',
      yaml: 'services:\n  web:\n    image: x\n    networks: [front]\n',
      issue: 'compose.yaml:4:5: services.web.networks.front: the service joins network "front", which is not defined; add it under the top-level `networks:`',
    },
    {
      name: 'an undefined named volume',
      yaml: 'services:\n  web:\n    image: x\n    volumes: ["data:/data"]\n',
      issue: 'compose.yaml:4:15: services.web.volumes[0]: the service mounts volume "data", which is not defined; add it under the top-level `volumes:` (or write a path starting with "./" for a bind mount)',
    },
    {
      name: 'neither image nor build',
      yaml: 'services:\n  web:\n    restart: always\n',
      issue: 'compose.yaml:2:3: services.web: the service has neither `image` nor `build`; add `image: <name>` or a `build:` context',
    },
    {
      name: 'network_mode and networks together',
      yaml: 'services:\n  web:\n    image: x\n    network_mode: host\n    networks: [default]\n',
      issue: 'compose.yaml:4:19: services.web.network_mode: `network_mode` and `networks` exclude each other; remove one of them',
    },
    {
      name: 'scale and deploy.replicas disagree',
      yaml: 'services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n',
      issue: 'compose.yaml:4:12: services.web.scale: `scale` (2) and `deploy.replicas` (3) differ; keep one of them',
    },
    {
      name: 'legacy mem_limit and deploy limit disagree',
      yaml: 'services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 2g}}}\n',
      issue: 'compose.yaml:4:16: services.web.mem_limit: `mem_limit` (1073741824) and `deploy.resources.limits.memory` (2147483648) disagree; keep only `deploy.resources.limits.memory`',
    },
    {
      name: 'container_name with several replicas',
      yaml: 'services:\n  web:\n    image: x\n    container_name: web\n    scale: 2\n',
      issue: 'compose.yaml:4:21: services.web.container_name: `container_name` must be unique, so the service cannot run 2 containers; remove container_name or scale to 1',
    },
    {
      name: 'an undefined secret',
      yaml: 'services:\n  web:\n    image: x\n    secrets: [token]\n',
      issue: 'compose.yaml:4:15: services.web.secrets[0]: undefined secret "token"; add it under the top-level `secrets:`',
    },
    {
      name: 'a secret without a source',
      yaml: 'services:\n  web:\n    image: x\nsecrets:\n  token: {labels: {a: b}}\n',
      issue: 'compose.yaml:5:3: secrets.token: a secret needs `file:` or `environment:` (or `external: true`)',
    },
  ];
  it.each(cases)('$name', async ({ yaml, issue }) => {
    expect(await issuesOf(yaml)).toEqual([issue]);
  });
});

describe('closest', () => {
  it.each([
    ['imgae', 'image'],
    ['enviroment', 'environment'],
    ['helthcheck', 'healthcheck'],
    ['zzzzzz', undefined],
  ])('%s → %s', (key, expected) => {
    expect(closest(key, ['image', 'environment', 'healthcheck', 'ports'])).toBe(expected);
  });
});

describe('NoSuchServiceError', () => {
  const project = {
    services: { web: {}, db: {} },
    disabled_services: { debug: { profiles: ['tools'] } },
  };
  it.each([
    [['wbe'], 'no such service: "wbe" (did you mean "web"?); the project\'s services: web, db'],
    [['debug', 'zzz'], 'no such service: "debug" is disabled by its profiles (activate one: --profile tools), "zzz"; the project\'s services: web, db'],
  ])('%j', (names, message) => {
    let caught: unknown;
    try {
      assertServicesExist(project, ['web', ...names]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NoSuchServiceError);
    expect((caught as NoSuchServiceError).code).toBe('NO_SUCH_SERVICE');
    expect((caught as NoSuchServiceError).services).toEqual(names);
    expect((caught as Error).message).toBe(message);
  });
  it('says nothing when every name is a service', () => {
    expect(() => assertServicesExist(project, ['db', 'web', 'db'])).not.toThrow();
  });
});
