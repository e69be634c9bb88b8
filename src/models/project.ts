/**
 * From model-stack options to an ordinary Compose project: the options
 * become a compose document (the tree a compose file would hold), which the
 * compose loader's own stages validate and normalize (`projectFromDocument`),
 * so the project obeys exactly the rules of one read from a file, and
 * `up`, `down`, `ps`, `logs`, waits, dry runs and `models compose` apply
 * unchanged.
 *
 * Secure by default: ports on 127.0.0.1, key-only SSH, a random Jupyter
 * token, limits on, and every secret (tokens, keys, passwords) delivered as
 * a Compose secret — a file copied in before start, never an environment
 * variable or argument.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { generatedSourcesExtension, modelInfoExtension, serviceWarningExtension, type ModelInfo } from '../compose/extensions.js';
import { projectFromDocument } from '../compose/load.js';
import type { Project } from '../compose/model.js';
import type { KeyPath, RawMap, RawValue } from '../compose/tree.js';
import { CONTAINER_PATHS, CONTAINER_PORTS } from './container.js';
import { GATEWAY_COMMAND, gatewayAuth, gatewayConfig } from './gateway.js';
import { type ModelStackOptions, ModelStackConfigError, type ValidOptions, optionIssue, validateOptions } from './options.js';
import { SSH_PATHS, authorizedKeysProblem, bootstrapScript, generateHostKey, looksLikePublicKey, sshdDropIn } from './ssh.js';

export { ModelStackConfigError } from './options.js';

export const DEFAULTS = {
  name: 'models',
  jupyterImage: 'tensorflow/tensorflow:2.9.0-jupyter',
  servingImage: 'tensorflow/serving',
  gatewayImage: 'nginx:1.27-alpine',
  hostIp: '127.0.0.1',
  /** First host ports: the container's own, as the seed publishes them, but 2222 for SSH. */
  ports: { jupyter: CONTAINER_PORTS.jupyter, ssh: 2222, rest: CONTAINER_PORTS.rest, grpc: CONTAINER_PORTS.grpc, gateway: CONTAINER_PORTS.gateway },
  cpus: 2,
  memory: '4g',
  restart: 'on-failure',
} as const;

/** Folders a model may not mount unless `allowSystemMounts` is set. */
const SYSTEM_FOLDERS = ['/', '/etc', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/boot', '/dev', '/proc', '/sys', '/var', '/var/run', '/run', '/var/run/docker.sock', '/run/docker.sock', '/var/lib/docker', '/root', '/home'];

type Model = ValidOptions['models'][number];

/**
 * Validates options and builds the project.
 *
 * @throws ModelStackConfigError naming the option (and the models file's
 *   `file:line:col` when the options came from one).
 */
export function modelStackProject(input: ModelStackOptions): Project {
  const options = validateOptions(input);
  const fail = (at: KeyPath, detail: string): never => {
    throw new ModelStackConfigError([optionIssue(input, at, detail)]);
  };
  const { document, environment } = modelStackDocument(options, fail);
  return projectFromDocument(document, { name: options.name ?? DEFAULTS.name, workingDir: workingDirOf(options), environment });
}

function workingDirOf(options: ValidOptions): string {
  return path.resolve(options.workingDir ?? process.cwd());
}

/**
 * The compose document of a model stack, and the project environment its
 * secrets read their values from (tokens, keys, passwords: never in the
 * document, so printing it as a compose file reveals none).
 */
function modelStackDocument(options: ValidOptions, fail: (at: KeyPath, detail: string) => never): { document: RawMap; environment: Record<string, string> } {
  const workingDir = workingDirOf(options);
  const hostIp = options.ports?.hostIp ?? DEFAULTS.hostIp;
  const names = options.models.map((m) => m.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) fail(['models', i, 'name'], `the name "${n}" is used twice; model names must be unique`);
    if (options.gateway?.enabled && n === 'gateway') fail(['models', i, 'name'], '"gateway" is the name of the gateway service; rename that model');
  });
  checkHostPorts(options, fail);

  const environment: Record<string, string> = {};
  // Values made up here (tokens, host keys): any is as good, so a container keeps the one it has.
  const generated: string[] = [];
  const secrets: RawMap = {};
  const configs: RawMap = {};
  const services: Record<string, RawMap> = {};

  // SSH: key-only unless the caller opts into the seed's root password.
  const keys = [options.ssh?.authorizedKeys ?? []].flat();
  const insecurePassword = options.ssh?.insecureRootPassword;
  const sshEnabled = keys.length > 0 || insecurePassword !== undefined;
  if (sshEnabled) {
    const at = ['ssh', 'authorizedKeys'];
    const pasted = keys.find((k) => /PRIVATE KEY/.test(k));
    if (pasted !== undefined) fail(at, authorizedKeysProblem(pasted) ?? 'a private key');
    const keyLines = keys.filter(looksLikePublicKey);
    const keyFiles = keys.filter((k) => !looksLikePublicKey(k)).map((k) => resolvePath(workingDir, k));
    if (keyFiles.length > 1 || (keyFiles.length && keyLines.length)) fail(at, 'give either key lines or the path of one file holding them, not both');
    // Whatever goes into authorized_keys is checked here, before anything is
    // created: a private key given by mistake is refused, never copied.
    const keyText = keyFiles[0] !== undefined ? readKeyFile(keyFiles[0], fail) : keyLines.join('\n');
    const problem = keys.length ? authorizedKeysProblem(keyText) : undefined;
    if (problem) fail(at, `${keyFiles[0] !== undefined ? `${keyFiles[0]}: ` : ''}${problem}`);
    // Public keys are not secret: a config (Compose secrets cannot have inline content).
    configs.authorized_keys = keyFiles[0] !== undefined ? { name: 'authorized_keys', file: keyFiles[0] } : { name: 'authorized_keys', content: `${keyLines.join('\n')}\n` };
    configs.ssh_bootstrap = { name: 'ssh_bootstrap', content: bootstrapScript() };
    configs.sshd_dropin = { name: 'sshd_dropin', content: sshdDropIn({ allowRootPassword: insecurePassword !== undefined }) };
    if (insecurePassword !== undefined) {
      environment.MODELSTACK_ROOT_PASSWORD = insecurePassword;
      secrets.root_password = { name: 'root_password', environment: 'MODELSTACK_ROOT_PASSWORD' };
    }
  }
  configs.jupyter_notebook_config = { name: 'jupyter_notebook_config', content: jupyterConfig('NotebookApp') };
  configs.jupyter_server_config = { name: 'jupyter_server_config', content: jupyterConfig('ServerApp') };

  // Host ports step by one per model of the same flavour (the seed's 8888, 8889, … and 2222, 2223, …).
  const seen = { jupyter: 0, serving: 0 };
  options.models.forEach((m, position) => {
    const flavour = m.flavour ?? 'jupyter';
    const index = seen[flavour]++;
    const service = flavour === 'serving' ? servingService(m, index, position) : jupyterService(m, index, position);
    const envKey = m.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

    if (flavour === 'jupyter') {
      environment[`MODELSTACK_${envKey}_JUPYTER_TOKEN`] = m.jupyterToken ?? randomToken();
      if (!m.jupyterToken) generated.push(`secrets/${m.name}_jupyter_token`);
      secrets[`${m.name}_jupyter_token`] = { name: `${m.name}_jupyter_token`, environment: `MODELSTACK_${envKey}_JUPYTER_TOKEN` };
      const serviceSecrets: RawValue[] = [{ source: `${m.name}_jupyter_token`, target: CONTAINER_PATHS.jupyterToken, mode: 0o400 }];
      const serviceConfigs: RawValue[] = [
        { source: 'jupyter_notebook_config', target: CONTAINER_PATHS.jupyterNotebookConfig },
        { source: 'jupyter_server_config', target: CONTAINER_PATHS.jupyterServerConfig },
      ];
      if (sshEnabled) {
        const hostKey = generateHostKey();
        generated.push(`secrets/${m.name}_ssh_host_key`, `configs/${m.name}_ssh_host_public_key`);
        environment[`MODELSTACK_${envKey}_SSH_HOST_KEY`] = hostKey.privatePem;
        secrets[`${m.name}_ssh_host_key`] = { name: `${m.name}_ssh_host_key`, environment: `MODELSTACK_${envKey}_SSH_HOST_KEY` };
        configs[`${m.name}_ssh_host_public_key`] = { name: `${m.name}_ssh_host_public_key`, content: `${hostKey.publicLine}\n` };
        serviceSecrets.push(
          { source: `${m.name}_ssh_host_key`, target: SSH_PATHS.hostKey, mode: 0o600 },
          ...(insecurePassword !== undefined ? [{ source: 'root_password', target: SSH_PATHS.rootPassword, mode: 0o400 }] : []),
        );
        serviceConfigs.push(
          { source: 'authorized_keys', target: SSH_PATHS.authorizedKeys, mode: 0o600 },
          { source: 'ssh_bootstrap', target: SSH_PATHS.bootstrap, mode: 0o755 },
          { source: 'sshd_dropin', target: SSH_PATHS.dropIn, mode: 0o644 },
          { source: `${m.name}_ssh_host_public_key`, target: SSH_PATHS.hostPublicKey, mode: 0o644 },
        );
        service.entrypoint = ['/bin/sh', SSH_PATHS.bootstrap];
        (service.ports as RawValue[]).push(port(CONTAINER_PORTS.ssh, options.ports?.ssh ?? DEFAULTS.ports.ssh, index, hostIp));
        if (insecurePassword !== undefined) {
          Object.assign(service, serviceWarningExtension(`model "${m.name}": SSH accepts the root password (insecure opt-in ssh.insecureRootPassword); use authorized keys instead`));
        }
      }
      service.secrets = serviceSecrets;
      service.configs = serviceConfigs;
    }
    Object.assign(service, modelInfoExtension({ flavour, ssh: flavour === 'jupyter' && sshEnabled }));
    services[m.name] = service;
  });

  if (options.gateway?.enabled) {
    const token = options.gateway.token ?? randomToken();
    if (!options.gateway.token) generated.push('secrets/gateway_token', 'secrets/gateway_auth');
    environment.MODELSTACK_GATEWAY_TOKEN = token;
    environment.MODELSTACK_GATEWAY_AUTH = gatewayAuth(token);
    secrets.gateway_token = { name: 'gateway_token', environment: 'MODELSTACK_GATEWAY_TOKEN' };
    secrets.gateway_auth = { name: 'gateway_auth', environment: 'MODELSTACK_GATEWAY_AUTH' };
    configs.gateway_conf = {
      name: 'gateway_conf',
      content: gatewayConfig(options.models.map((m) => ({ name: m.name, port: (m.flavour ?? 'jupyter') === 'serving' ? CONTAINER_PORTS.rest : CONTAINER_PORTS.jupyter }))),
    };
    const gatewayInfo: ModelInfo = { flavour: 'gateway', ssh: false };
    services.gateway = {
      image: options.gateway.image ?? DEFAULTS.gatewayImage,
      command: GATEWAY_COMMAND,
      ports: [port(CONTAINER_PORTS.gateway, options.gateway.port ?? DEFAULTS.ports.gateway, 0, hostIp)],
      configs: [{ source: 'gateway_conf', target: CONTAINER_PATHS.gatewayConf, mode: 0o444 }],
      secrets: [
        { source: 'gateway_auth', target: CONTAINER_PATHS.gatewayAuth, mode: 0o400 },
        { source: 'gateway_token', target: CONTAINER_PATHS.gatewayToken, mode: 0o400 },
      ],
      depends_on: Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy', required: true, restart: true }])),
      restart: options.restart ?? DEFAULTS.restart,
      init: true,
      networks: { default: null },
      deploy: { endpoint_mode: 'dnsrr', resources: { limits: { cpus: 1, memory: '256m' } } },
      ...modelInfoExtension(gatewayInfo),
    };
  }

  if (options.labels) for (const s of Object.values(services)) s.labels = { ...options.labels };
  const document: RawMap = {
    services,
    networks: { default: options.labels ? { labels: { ...options.labels } } : null },
    configs,
    secrets,
    ...generatedSourcesExtension(generated),
  };
  return { document, environment };

  function jupyterService(m: Model, index: number, position: number): RawMap {
    const code = resolvePath(workingDir, m.code ?? m.name);
    checkMount(['models', position, 'code'], code);
    const volumes: RawValue[] = [{ type: 'bind', source: code, target: '/tf/notebooks', bind: { create_host_path: true } }];
    if (m.modelDir) {
      const dir = resolvePath(workingDir, m.modelDir);
      checkMount(['models', position, 'modelDir'], dir);
      volumes.push({ type: 'bind', source: dir, target: `/models/${m.name}`, read_only: true, bind: { create_host_path: true } });
    }
    const jupyterPort = CONTAINER_PORTS.jupyter;
    return {
      image: m.image ?? options.image ?? DEFAULTS.jupyterImage,
      command: m.command ?? ['jupyter', 'notebook', '--notebook-dir=/tf', '--ip=0.0.0.0', `--port=${jupyterPort}`, '--no-browser', '--allow-root'],
      environment: { MODEL_NAME: m.name, ...m.env },
      ports: [port(jupyterPort, options.ports?.jupyter ?? DEFAULTS.ports.jupyter, index, hostIp)],
      volumes,
      healthcheck: healthcheckOf(m, ['CMD-SHELL', `curl -fsS -o /dev/null http://localhost:${jupyterPort}/api || exit 1`], 120),
      ...common(m),
    };
  }

  function servingService(m: Model, index: number, position: number): RawMap {
    if (!m.modelDir) return fail(['models', position], `model "${m.name}": a serving model needs \`modelDir\`, the folder of its numbered SavedModel versions`);
    const dir = resolvePath(workingDir, m.modelDir);
    checkMount(['models', position, 'modelDir'], dir);
    // TF Serving's image has bash but no curl: ask its REST API over /dev/tcp.
    const probe = [
      `exec 3<>/dev/tcp/127.0.0.1/${CONTAINER_PORTS.rest} || exit 1`,
      `printf 'GET /v1/models/${m.name} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3`,
      `body=$(cat <&3)`,
      `case "$body" in *'"AVAILABLE"'*) exit 0 ;; esac`,
      `echo "model ${m.name} is not AVAILABLE: $(printf '%s' "$body" | tr -d '\\r\\n ' | tail -c 160)"`,
      `exit 1`,
    ].join('; ');
    return {
      image: m.image ?? options.servingImage ?? DEFAULTS.servingImage,
      ...(m.command ? { command: m.command } : {}),
      environment: { MODEL_NAME: m.name, MODEL_BASE_PATH: '/models', ...m.env },
      ports: [
        port(CONTAINER_PORTS.rest, options.ports?.rest ?? DEFAULTS.ports.rest, index, hostIp),
        port(CONTAINER_PORTS.grpc, options.ports?.grpc ?? DEFAULTS.ports.grpc, index, hostIp),
      ],
      volumes: [{ type: 'bind', source: dir, target: `/models/${m.name}`, read_only: true }],
      healthcheck: healthcheckOf(m, ['CMD', 'bash', '-c', probe], 60),
      ...common(m),
    };
  }

  function common(m: Model): RawMap {
    const r = { ...options.resources, ...m.resources };
    return {
      restart: options.restart ?? DEFAULTS.restart,
      init: true,
      networks: { default: null },
      deploy: {
        // On a swarm, the service name resolves to the model's task (one per model; the gateway
        // looks it up per request), not to a virtual IP: no load balancer in between, and it
        // works where the kernel has no IPVS. One engine has no VIPs anyway.
        endpoint_mode: 'dnsrr',
        resources: {
          limits: {
            cpus: r.cpus ?? DEFAULTS.cpus,
            memory: r.memory ?? DEFAULTS.memory,
            ...(r.pids ? { pids: r.pids } : {}),
          },
          ...(m.gpus !== undefined
            ? { reservations: { devices: [{ driver: 'nvidia', count: m.gpus === 'all' ? 'all' : m.gpus, capabilities: ['gpu'] }] } }
            : {}),
        },
      },
    };
  }

  function checkMount(at: KeyPath, folder: string): void {
    if (options.allowSystemMounts) return;
    if (SYSTEM_FOLDERS.includes(folder.replace(/\/+$/, '') || '/')) {
      fail(at, `${folder} is a system folder; mount a project folder instead, or set allowSystemMounts: true if you really mean it`);
    }
  }
}

/**
 * Host ports step by one per model from each first port: the last one must
 * still be a port, and no two published ports may be the same (the engine
 * would refuse the second only once the first container runs).
 */
function checkHostPorts(options: ValidOptions, fail: (at: KeyPath, detail: string) => never): void {
  const count = { jupyter: 0, serving: 0 };
  for (const m of options.models) count[m.flavour ?? 'jupyter']++;
  const ssh = options.ssh?.authorizedKeys !== undefined || options.ssh?.insecureRootPassword !== undefined;
  const ranges: Array<{ option: 'jupyter' | 'ssh' | 'rest' | 'grpc' | 'gateway'; first: number; n: number }> = [
    { option: 'jupyter', first: options.ports?.jupyter ?? DEFAULTS.ports.jupyter, n: count.jupyter },
    { option: 'ssh', first: options.ports?.ssh ?? DEFAULTS.ports.ssh, n: ssh ? count.jupyter : 0 },
    { option: 'rest', first: options.ports?.rest ?? DEFAULTS.ports.rest, n: count.serving },
    { option: 'grpc', first: options.ports?.grpc ?? DEFAULTS.ports.grpc, n: count.serving },
    { option: 'gateway', first: options.gateway?.port ?? DEFAULTS.ports.gateway, n: options.gateway?.enabled ? 1 : 0 },
  ];
  const at = (option: string): KeyPath => (option === 'gateway' ? ['gateway', 'port'] : ['ports', option]);
  const used = ranges.filter((r) => r.n > 0 && r.first !== 0);
  for (const r of used) {
    const last = r.first + r.n - 1;
    if (last > 65535) fail(at(r.option), `${r.n} models need host ports ${r.first} to ${last}, past 65535; choose a lower first port (or 0 for ports the daemon chooses)`);
  }
  for (const [i, a] of used.entries()) {
    for (const b of used.slice(i + 1)) {
      if (a.first <= b.first + b.n - 1 && b.first <= a.first + a.n - 1) {
        fail(at(b.option), `host ports ${b.first}-${b.first + b.n - 1} overlap the ${a.option} ports ${a.first}-${a.first + a.n - 1}; choose first ports further apart`);
      }
    }
  }
}

function healthcheckOf(m: Model, test: string[], startPeriodSeconds: number): RawMap {
  const h = m.healthcheck ?? {};
  const ms = (seconds: number): string => `${Math.round(seconds * 1000)}ms`;
  return {
    test,
    interval: ms(h.intervalSeconds ?? 10),
    timeout: ms(h.timeoutSeconds ?? 5),
    retries: h.retries ?? 3,
    start_period: ms(h.startPeriodSeconds ?? startPeriodSeconds),
  };
}

/** `base + index` on `hostIp`; base 0 lets the daemon choose. */
function port(target: number, base: number, index: number, hostIp: string): RawMap {
  // Host mode: on a swarm, each model is published on the node that runs it (the ingress mesh
  // would take the port on every node); one engine publishes the same way in either mode.
  return { target, ...(base === 0 ? {} : { published: String(base + index) }), host_ip: hostIp, protocol: 'tcp', mode: 'host' };
}

/** Jupyter reads its token from the secret file, so it is in no environment, argument or log line. */
function jupyterConfig(app: 'NotebookApp' | 'ServerApp'): string {
  return [
    '# Written by modelstack: the token comes from a secret file.',
    'import pathlib',
    `c.${app}.token = pathlib.Path('${CONTAINER_PATHS.jupyterToken}').read_text().strip()`,
    '',
  ].join('\n');
}

/** 24 random bytes, hex: a Jupyter/gateway token. */
export function randomToken(): string {
  return randomBytes(24).toString('hex');
}

function resolvePath(base: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(homedir(), p.slice(1));
  return path.resolve(base, p);
}

/** The authorized keys file, read to check it (it is read again, as a config, when containers are made). */
function readKeyFile(file: string, fail: (at: KeyPath, detail: string) => never): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    return fail(['ssh', 'authorizedKeys'], `cannot read ${file} (${(err as Error).message}); give the path of your public key file (e.g. ~/.ssh/id_ed25519.pub) or its line`);
  }
}
