/**
 * From model-stack options to an ordinary Compose project: the same model
 * the compose loader returns, so `up`, `down`, `ps`, `logs`, waits and dry
 * runs apply unchanged, and `models compose` can print it as a compose file.
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
import { ModelstackError } from '../errors.js';
import { GENERATED_EXTENSION } from '../backends/container/files.js';
import { WARNING_EXTENSION } from '../stack/stack.js';
import type { ConfigOrSecret, FileReference, Project, Service, ServicePort } from '../compose/model.js';
import { parseBytes } from '../compose/units.js';
import { GATEWAY_AUTH_PATH, gatewayAuth, gatewayConfig } from './gateway.js';
import { type ModelOptions, type ModelStackOptions, modelStackOptionsSchema } from './options.js';
import { SSH_PATHS, authorizedKeysProblem, bootstrapScript, generateHostKey, looksLikePublicKey, sshdDropIn } from './ssh.js';

export const DEFAULTS = {
  name: 'models',
  jupyterImage: 'tensorflow/tensorflow:2.9.0-jupyter',
  servingImage: 'tensorflow/serving',
  gatewayImage: 'nginx:1.27-alpine',
  hostIp: '127.0.0.1',
  ports: { jupyter: 8888, ssh: 2222, rest: 8501, grpc: 8500, gateway: 8080 },
  cpus: 2,
  memory: '4g',
  restart: 'on-failure',
} as const;

/** Paths inside the containers that endpoints() reads back. */
export const CONTAINER_PATHS = {
  jupyterToken: '/run/secrets/jupyter_token',
  gatewayToken: '/run/secrets/gateway_token',
  jupyterNotebookConfig: '/etc/jupyter/jupyter_notebook_config.py',
  jupyterServerConfig: '/etc/jupyter/jupyter_server_config.py',
  gatewayConf: '/etc/nginx/conf.d/default.conf',
} as const;

/** Model-stack options that are wrong: names the option and what to do. */
export class ModelStackConfigError extends ModelstackError {
  constructor(message: string) {
    super('MODEL_STACK_CONFIG', message);
  }
}

/** Service extension recording what a model is, for endpoints(). */
export const MODEL_EXTENSION = 'x-modelstack-model';

export interface ModelInfo {
  flavour: 'jupyter' | 'serving' | 'gateway';
  ssh: boolean;
}

/** Folders a model may not mount unless `allowSystemMounts` is set. */
const SYSTEM_FOLDERS = ['/', '/etc', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/boot', '/dev', '/proc', '/sys', '/var', '/var/run', '/run', '/var/run/docker.sock', '/run/docker.sock', '/var/lib/docker', '/root', '/home'];

/** Validates options and builds the project. Throws {@link ModelStackConfigError} naming the option. */
export function modelStackProject(input: ModelStackOptions): Project {
  const parsed = modelStackOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ModelStackConfigError(
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`).join('\n'),
    );
  }
  const options = parsed.data;
  const workingDir = path.resolve(options.workingDir ?? process.cwd());
  const projectName = options.name ?? DEFAULTS.name;
  const hostIp = options.ports?.hostIp ?? DEFAULTS.hostIp;
  const names = options.models.map((m) => m.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new ModelStackConfigError(`models: the name "${duplicate}" is used twice; model names must be unique`);
  if (options.gateway?.enabled && names.includes('gateway')) {
    throw new ModelStackConfigError('models: "gateway" is the name of the gateway service; rename that model');
  }

  const environment: Record<string, string> = {};
  // Values made up here (tokens, host keys): any is as good, so a container keeps the one it has.
  const generated: string[] = [];
  const secrets: Record<string, ConfigOrSecret> = {};
  const configs: Record<string, ConfigOrSecret> = {};
  const services: Record<string, Service> = {};

  // SSH: key-only unless the caller opts into the seed's root password.
  const keys = [options.ssh?.authorizedKeys ?? []].flat();
  const insecurePassword = options.ssh?.insecureRootPassword;
  const sshEnabled = keys.length > 0 || insecurePassword !== undefined;
  if (sshEnabled) {
    const pasted = keys.find((k) => /PRIVATE KEY/.test(k));
    if (pasted !== undefined) throw new ModelStackConfigError(`ssh.authorizedKeys: ${authorizedKeysProblem(pasted)}`);
    const keyLines = keys.filter(looksLikePublicKey);
    const keyFiles = keys.filter((k) => !looksLikePublicKey(k)).map((k) => resolvePath(workingDir, k));
    if (keyFiles.length > 1 || (keyFiles.length && keyLines.length)) {
      throw new ModelStackConfigError('ssh.authorizedKeys: give either key lines or the path of one file holding them, not both');
    }
    // Whatever goes into authorized_keys is checked here, before anything is
    // created: a private key given by mistake is refused, never copied.
    const keyText = keyFiles[0] !== undefined ? readKeyFile(keyFiles[0]) : keyLines.join('\n');
    const problem = keys.length ? authorizedKeysProblem(keyText) : undefined;
    if (problem) throw new ModelStackConfigError(`ssh.authorizedKeys${keyFiles[0] !== undefined ? ` (${keyFiles[0]})` : ''}: ${problem}`);
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
      service.secrets = [{ source: `${m.name}_jupyter_token`, target: CONTAINER_PATHS.jupyterToken, mode: 0o400 }];
      service.configs = [
        { source: 'jupyter_notebook_config', target: CONTAINER_PATHS.jupyterNotebookConfig },
        { source: 'jupyter_server_config', target: CONTAINER_PATHS.jupyterServerConfig },
      ];
      if (sshEnabled) {
        const hostKey = generateHostKey();
        generated.push(`secrets/${m.name}_ssh_host_key`, `configs/${m.name}_ssh_host_public_key`);
        environment[`MODELSTACK_${envKey}_SSH_HOST_KEY`] = hostKey.privatePem;
        secrets[`${m.name}_ssh_host_key`] = { name: `${m.name}_ssh_host_key`, environment: `MODELSTACK_${envKey}_SSH_HOST_KEY` };
        configs[`${m.name}_ssh_host_public_key`] = { name: `${m.name}_ssh_host_public_key`, content: `${hostKey.publicLine}\n` };
        service.secrets.push(
          { source: `${m.name}_ssh_host_key`, target: SSH_PATHS.hostKey, mode: 0o600 },
          ...(insecurePassword !== undefined ? [{ source: 'root_password', target: SSH_PATHS.rootPassword, mode: 0o400 }] : []),
        );
        service.configs.push(
          { source: 'authorized_keys', target: SSH_PATHS.authorizedKeys, mode: 0o600 },
          { source: 'ssh_bootstrap', target: SSH_PATHS.bootstrap, mode: 0o755 },
          { source: 'sshd_dropin', target: SSH_PATHS.dropIn, mode: 0o644 },
          { source: `${m.name}_ssh_host_public_key`, target: SSH_PATHS.hostPublicKey, mode: 0o644 },
        );
        service.entrypoint = ['/bin/sh', SSH_PATHS.bootstrap];
        service.ports!.push(port(22, options.ports?.ssh ?? DEFAULTS.ports.ssh, index, hostIp));
        if (insecurePassword !== undefined) {
          service.extensions = {
            ...service.extensions,
            [WARNING_EXTENSION]: `model "${m.name}": SSH accepts the root password (insecure opt-in ssh.insecureRootPassword); use authorized keys instead`,
          };
        }
      }
    }
    const modelInfo: ModelInfo = { flavour, ssh: flavour === 'jupyter' && sshEnabled };
    service.extensions = { ...service.extensions, [MODEL_EXTENSION]: modelInfo };
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
      content: gatewayConfig(options.models.map((m) => ({ name: m.name, port: (m.flavour ?? 'jupyter') === 'serving' ? 8501 : 8888 }))),
    };
    const gatewayInfo: ModelInfo = { flavour: 'gateway', ssh: false };
    services.gateway = {
      image: options.gateway.image ?? DEFAULTS.gatewayImage,
      ports: [port(8080, options.gateway.port ?? DEFAULTS.ports.gateway, 0, hostIp)],
      configs: [{ source: 'gateway_conf', target: CONTAINER_PATHS.gatewayConf, mode: 0o444 }],
      secrets: [
        { source: 'gateway_auth', target: GATEWAY_AUTH_PATH, mode: 0o400 },
        { source: 'gateway_token', target: CONTAINER_PATHS.gatewayToken, mode: 0o400 },
      ],
      depends_on: Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' as const, required: true, restart: true }])),
      restart: options.restart ?? DEFAULTS.restart,
      init: true,
      networks: { default: null },
      deploy: { resources: { limits: { cpus: 1, memory: parseBytes('256m') } } },
      extensions: { [MODEL_EXTENSION]: gatewayInfo },
    };
  }

  if (options.labels) for (const s of Object.values(services)) s.labels = { ...options.labels };
  return {
    name: projectName,
    working_dir: workingDir,
    config_files: [],
    services,
    networks: { default: { name: `${projectName}_default`, ...(options.labels ? { labels: { ...options.labels } } : {}) } },
    volumes: {},
    configs,
    secrets,
    environment,
    ...(generated.length ? { extensions: { [GENERATED_EXTENSION]: generated } } : {}),
  };

  function jupyterService(m: ModelOptions, index: number, position: number): Service {
    const code = resolvePath(workingDir, m.code ?? m.name);
    checkMount(`models[${position}].code`, code);
    const volumes: Service['volumes'] = [{ type: 'bind', source: code, target: '/tf/notebooks', bind: { create_host_path: true } }];
    if (m.modelDir) {
      const dir = resolvePath(workingDir, m.modelDir);
      checkMount(`models[${position}].modelDir`, dir);
      volumes.push({ type: 'bind', source: dir, target: `/models/${m.name}`, read_only: true, bind: { create_host_path: true } });
    }
    return {
      image: m.image ?? options.image ?? DEFAULTS.jupyterImage,
      command: m.command ?? ['jupyter', 'notebook', '--notebook-dir=/tf', '--ip=0.0.0.0', '--port=8888', '--no-browser', '--allow-root'],
      environment: { MODEL_NAME: m.name, ...m.env },
      ports: [port(8888, options.ports?.jupyter ?? DEFAULTS.ports.jupyter, index, hostIp)],
      volumes,
      healthcheck: healthcheckOf(m, ['CMD-SHELL', 'curl -fsS -o /dev/null http://localhost:8888/api || exit 1'], 120),
      ...common(m),
    };
  }

  function servingService(m: ModelOptions, index: number, position: number): Service {
    if (!m.modelDir) throw new ModelStackConfigError(`models[${position}] (${m.name}): a serving model needs modelDir, the folder of its numbered SavedModel versions`);
    const dir = resolvePath(workingDir, m.modelDir);
    checkMount(`models[${position}].modelDir`, dir);
    // TF Serving's image has bash but no curl: ask its REST API over /dev/tcp.
    const probe = [
      `exec 3<>/dev/tcp/127.0.0.1/8501 || exit 1`,
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
      ports: [port(8501, options.ports?.rest ?? DEFAULTS.ports.rest, index, hostIp), port(8500, options.ports?.grpc ?? DEFAULTS.ports.grpc, index, hostIp)],
      volumes: [{ type: 'bind', source: dir, target: `/models/${m.name}`, read_only: true }],
      healthcheck: healthcheckOf(m, ['CMD', 'bash', '-c', probe], 60),
      ...common(m),
    };
  }

  function common(m: ModelOptions): Service {
    const r = { ...options.resources, ...m.resources };
    return {
      restart: options.restart ?? DEFAULTS.restart,
      init: true,
      networks: { default: null },
      deploy: {
        resources: {
          limits: {
            cpus: r.cpus ?? DEFAULTS.cpus,
            memory: parseBytes(r.memory ?? DEFAULTS.memory),
            ...(r.pids ? { pids: r.pids } : {}),
          },
          ...(m.gpus !== undefined
            ? { reservations: { devices: [{ driver: 'nvidia', count: m.gpus === 'all' ? -1 : m.gpus, capabilities: ['gpu'] }] } }
            : {}),
        },
      },
    };
  }

  function checkMount(option: string, folder: string): void {
    if (options.allowSystemMounts) return;
    if (SYSTEM_FOLDERS.includes(folder.replace(/\/+$/, '') || '/')) {
      throw new ModelStackConfigError(`${option}: ${folder} is a system folder; mount a project folder instead, or set allowSystemMounts: true if you really mean it`);
    }
  }
}

function healthcheckOf(m: ModelOptions, test: string[], startPeriodSeconds: number): Service['healthcheck'] {
  const h = m.healthcheck ?? {};
  return {
    test,
    interval: (h.intervalSeconds ?? 10) * 1e9,
    timeout: (h.timeoutSeconds ?? 5) * 1e9,
    retries: h.retries ?? 3,
    start_period: (h.startPeriodSeconds ?? startPeriodSeconds) * 1e9,
  };
}

/** `base + index` on `hostIp`; base 0 lets the daemon choose. */
function port(target: number, base: number, index: number, hostIp: string): ServicePort {
  return { target, ...(base === 0 ? {} : { published: String(base + index) }), host_ip: hostIp, protocol: 'tcp', mode: 'ingress' };
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

export type { FileReference };

/** The authorized keys file, read to check it (it is read again, as a config, when containers are made). */
function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelStackConfigError(`ssh.authorizedKeys: cannot read ${file} (${(err as Error).message}); give the path of your public key file (e.g. ~/.ssh/id_ed25519.pub) or its line`);
  }
}
