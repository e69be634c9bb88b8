/**
 * A Compose service → the one container of its pod: image and pull policy,
 * command (Compose `entrypoint` → `command`, Compose `command` → `args`),
 * environment, ports, security context, lifecycle hooks, terminal flags.
 * Volumes, resources and probes are added by their own modules.
 */
import type { Service, ServiceHook } from '../../compose/model.js';
import type { ExportContext } from './context.js';
import { escapeExpansion, isDnsLabel } from './names.js';
import type { Container, ContainerPort, ExecHandler, SecurityContext } from './types.js';

/** The container's image, command, environment, ports, security context, hooks and terminal flags. */
export function containerBase(ctx: ExportContext, name: string, containerName: string, service: Service): Container {
  const container: Container = { name: containerName, image: imageOf(ctx, name, service) };
  const pull = pullPolicyOf(ctx, name, service);
  if (pull) container.imagePullPolicy = pull;
  Object.assign(container, commandOf(ctx, name, service));
  if (service.working_dir !== undefined) {
    container.workingDir = service.working_dir;
    ctx.map(name, 'working_dir');
  }
  const env = environmentOf(ctx, name, service);
  if (env.length) container.env = env;
  const ports = containerPorts(ctx, name, service);
  if (ports.length) container.ports = ports;
  const security = securityContextOf(ctx, name, service);
  if (security) container.securityContext = security;
  const lifecycle = lifecycleOf(ctx, name, service);
  if (lifecycle) container.lifecycle = lifecycle;
  if (service.tty) container.tty = true;
  if (service.stdin_open) container.stdin = true;
  ctx.map(name, 'tty', 'stdin_open');
  return container;
}

function imageOf(ctx: ExportContext, name: string, service: Service): string {
  // Compose names the image it builds `<project>-<service>` when the file names none.
  const image = service.image ?? `${ctx.project.name}-${name}`;
  if (service.image !== undefined) ctx.map(name, 'image');
  if (service.build) {
    ctx.warn(name, ['build'], `Kubernetes does not build images: build it (docker compose build), push "${image}" to a registry the cluster pulls from${service.image === undefined ? ', and set image: to that name' : ''}`);
  }
  return image;
}

/** Compose pull policies that Kubernetes has (`build` pulls what it cannot build: IfNotPresent). */
const PULL_POLICIES: Record<string, Container['imagePullPolicy']> = { always: 'Always', never: 'Never', missing: 'IfNotPresent', if_not_present: 'IfNotPresent', build: 'IfNotPresent' };

function pullPolicyOf(ctx: ExportContext, name: string, service: Service): Container['imagePullPolicy'] {
  const policy = service.pull_policy;
  if (policy === undefined) return undefined;
  const mapped = PULL_POLICIES[policy];
  if (mapped) {
    ctx.map(name, 'pull_policy');
    return mapped;
  }
  ctx.warn(name, ['pull_policy'], `not exported: Kubernetes pulls Always, IfNotPresent or Never; "${policy}" (pull again after a while) has no equivalent`);
  return undefined;
}

/**
 * Compose `entrypoint` → `command`, `command` → `args`. Both replace the
 * image's, and setting the entrypoint drops the image's CMD in both
 * worlds. An empty entrypoint (`entrypoint: []` / `""`) clears the image's
 * in Compose, so the command alone runs: Kubernetes gets it as `command`.
 */
function commandOf(ctx: ExportContext, name: string, service: Service): Pick<Container, 'command' | 'args'> {
  const out: Pick<Container, 'command' | 'args'> = {};
  const entrypoint = service.entrypoint;
  const command = service.command;
  if (entrypoint !== undefined) ctx.map(name, 'entrypoint');
  if (command !== undefined) ctx.map(name, 'command');
  const cleared = (v: string[] | null | undefined): boolean => v === null || (Array.isArray(v) && v.length === 0);
  if (cleared(entrypoint)) {
    if (command && command.length) out.command = command.map(escapeExpansion);
    else ctx.warn(name, ['entrypoint'], "not exported: an empty entrypoint makes the image's CMD the whole command line; Kubernetes cannot clear the image's ENTRYPOINT without naming the command (set command: to the image's CMD)");
    return out;
  }
  if (entrypoint) out.command = entrypoint.map(escapeExpansion);
  if (command && command.length) out.args = command.map(escapeExpansion);
  else if (cleared(command) && !entrypoint) {
    ctx.warn(name, ['command'], "not exported: an empty command clears the image's CMD in Compose; Kubernetes keeps it unless the entrypoint is given too (set entrypoint: to the image's ENTRYPOINT)");
  }
  return out;
}

function environmentOf(ctx: ExportContext, name: string, service: Service): Array<{ name: string; value: string }> {
  if (service.env_file !== undefined) ctx.map(name, 'env_file'); // read into environment by the loader
  if (service.environment === undefined) return [];
  ctx.map(name, 'environment');
  const env: Array<{ name: string; value: string }> = [];
  for (const [key, value] of Object.entries(service.environment)) {
    if (value === null) {
      ctx.warn(name, ['environment', key], 'not exported: it takes its value from the environment when loaded, and was not set there (Compose leaves it out too)');
      continue;
    }
    env.push({ name: key, value: escapeExpansion(value) });
  }
  return env;
}

/** Container ports: every published port and every `expose`d port, once per port and protocol. */
function containerPorts(ctx: ExportContext, name: string, service: Service): ContainerPort[] {
  const out: ContainerPort[] = [];
  const seen = new Set<string>();
  const usedNames = new Set<string>();
  for (const port of service.ports ?? []) {
    const protocol = protocolOf(port.protocol);
    const key = `${port.target}/${protocol}`;
    const hostPort = port.mode === 'host' && port.published ? Number(port.published.split('-')[0]) : undefined;
    if (seen.has(key) && hostPort === undefined) continue;
    seen.add(key);
    const entry: ContainerPort = { containerPort: port.target, protocol };
    const portName = portNameOf(port.name, usedNames);
    if (portName) entry.name = portName;
    if (hostPort !== undefined && Number.isInteger(hostPort) && hostPort > 0) {
      entry.hostPort = hostPort;
      if (port.host_ip) entry.hostIP = port.host_ip;
    }
    out.push(entry);
  }
  for (const [port, protocol] of exposedPorts(service.expose)) {
    const key = `${port}/${protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ containerPort: port, protocol });
  }
  if (service.ports) ctx.map(name, 'ports');
  if (service.expose) ctx.map(name, 'expose');
  return out;
}

/** `expose` entries (`"3000"`, `"5000-5002"`, `"53/udp"`) as (port, protocol) pairs. */
export function exposedPorts(expose: readonly string[] | undefined): Array<[number, ContainerPort['protocol']]> {
  const out: Array<[number, ContainerPort['protocol']]> = [];
  for (const entry of expose ?? []) {
    const [range = '', proto = 'tcp'] = String(entry).split('/');
    const [from, to = from] = range.split('-').map(Number);
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to)) continue;
    for (let p = from; p <= to; p++) out.push([p, protocolOf(proto)]);
  }
  return out;
}

/** Compose's protocol (`tcp`, `udp`, `sctp`) as Kubernetes writes it. */
export function protocolOf(protocol: string): ContainerPort['protocol'] {
  return protocol.toLowerCase() === 'udp' ? 'UDP' : protocol.toLowerCase() === 'sctp' ? 'SCTP' : 'TCP';
}

/** A port's name when Compose gave it one Kubernetes accepts (IANA service name: at most 15 characters, a letter, no `--`). */
export function portNameOf(name: string | undefined, used: Set<string>): string | undefined {
  if (name === undefined) return undefined;
  const valid = name.length <= 15 && isDnsLabel(name) && /[a-z]/.test(name) && !name.includes('--');
  if (!valid || used.has(name)) return undefined;
  used.add(name);
  return name;
}

/**
 * `user`, `read_only`, `privileged`, `cap_add`/`cap_drop`, `security_opt`
 * → the container's security context. `user: "1000:1000"` runs as that
 * uid and gid and promises a non-root user; a user *name* cannot be
 * resolved without the image, so it is warned about.
 */
function securityContextOf(ctx: ExportContext, name: string, service: Service): SecurityContext | undefined {
  const sc: SecurityContext = {};
  if (service.user !== undefined) {
    const [user = '', group] = service.user.split(':');
    if (/^\d+$/.test(user)) {
      sc.runAsUser = Number(user);
      if (sc.runAsUser !== 0) sc.runAsNonRoot = true;
      ctx.map(name, 'user');
    } else {
      ctx.warn(name, ['user'], `not exported: "${user}" is a user name; Kubernetes needs the number (runAsUser). Find it with docker run --rm --entrypoint id IMAGE -u ${user}`);
    }
    if (group !== undefined) {
      if (/^\d+$/.test(group)) sc.runAsGroup = Number(group);
      else ctx.warn(name, ['user'], `the group "${group}" is a name; Kubernetes needs the number (runAsGroup), so the image's default group applies`);
    }
  }
  if (service.read_only !== undefined) {
    if (service.read_only) sc.readOnlyRootFilesystem = true;
    ctx.map(name, 'read_only');
  }
  if (service.privileged !== undefined) {
    if (service.privileged) {
      sc.privileged = true;
      ctx.warn(name, ['privileged'], 'exported as privileged: true, which Pod Security "baseline" and "restricted" namespaces refuse; give the capabilities it needs (cap_add) instead');
    } else ctx.map(name, 'privileged');
  }
  const strip = (c: string): string => c.toUpperCase().replace(/^CAP_/, '');
  if (service.cap_add?.length) sc.capabilities = { add: service.cap_add.map(strip) };
  if (service.cap_drop?.length) sc.capabilities = { ...sc.capabilities, drop: service.cap_drop.map(strip) };
  if (service.cap_add) ctx.map(name, 'cap_add');
  if (service.cap_drop) ctx.map(name, 'cap_drop');
  (service.security_opt ?? []).forEach((opt, i) => securityOpt(ctx, name, i, opt, sc));
  return Object.keys(sc).length ? sc : undefined;
}

/** One `security_opt` entry: no-new-privileges, seccomp, apparmor and SELinux labels have Kubernetes fields; the rest is warned about. */
function securityOpt(ctx: ExportContext, name: string, index: number, opt: string, sc: SecurityContext): void {
  // `key=value` or Docker's older `key:value`; the value may hold more of both (`label=user:USER`).
  const m = /^([^=:]+)[=:]?(.*)$/s.exec(opt);
  const key = (m?.[1] ?? '').trim();
  const value = m?.[2] ?? '';
  const done = (): void => ctx.map(name, 'security_opt');
  if (key === 'no-new-privileges') {
    if (value !== '' && value !== 'true') return done();
    if (sc.privileged) {
      ctx.warn(name, ['security_opt', index], 'not exported: Kubernetes refuses allowPrivilegeEscalation: false in a privileged container');
      return;
    }
    sc.allowPrivilegeEscalation = false;
    return done();
  }
  if (key === 'seccomp' || key === 'apparmor') {
    const field = key === 'seccomp' ? 'seccompProfile' : 'appArmorProfile';
    if (value === 'unconfined') sc[field] = { type: 'Unconfined' };
    else if (value === 'runtime/default' || value === 'docker-default' || value === 'default') sc[field] = { type: 'RuntimeDefault' };
    else if (key === 'apparmor' && value) sc[field] = { type: 'Localhost', localhostProfile: value };
    else {
      ctx.warn(name, ['security_opt', index], `not exported: a seccomp profile file ("${value}") must be installed on every node and named as a Localhost profile (seccompProfile.localhostProfile)`);
      return;
    }
    return done();
  }
  if (key === 'label') {
    const [part, ...v] = value.split(':');
    const field = ({ user: 'user', role: 'role', type: 'type', level: 'level' } as const)[part as 'user'];
    if (field && v.length) {
      sc.seLinuxOptions = { ...sc.seLinuxOptions, [field]: v.join(':') };
      return done();
    }
    ctx.warn(name, ['security_opt', index], `not exported: "${opt}" has no Kubernetes form (seLinuxOptions takes user, role, type and level)`);
    return;
  }
  ctx.warn(name, ['security_opt', index], `not exported: "${opt}" has no Kubernetes form`);
}

/** `post_start` and `pre_stop` → lifecycle hooks (Kubernetes runs one command per hook, so several are chained with `&&` in a shell). */
function lifecycleOf(ctx: ExportContext, name: string, service: Service): Container['lifecycle'] {
  const out: NonNullable<Container['lifecycle']> = {};
  for (const [key, field] of [['post_start', 'postStart'], ['pre_stop', 'preStop']] as const) {
    const hooks = service[key];
    if (!hooks?.length) continue;
    hooks.forEach((hook, i) => hookWarnings(ctx, name, key, i, hook));
    out[field] = handlerOf(hooks);
    ctx.map(name, key);
  }
  return out.postStart || out.preStop ? out : undefined;
}

function handlerOf(hooks: readonly ServiceHook[]): ExecHandler {
  const only = hooks.length === 1 ? hooks[0] : undefined;
  if (only) return { exec: { command: [...only.command] } };
  // The hooks' commands are exec form: quote each word for the shell.
  const quote = (w: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  return { exec: { command: ['/bin/sh', '-c', hooks.map((h) => h.command.map(quote).join(' ')).join(' && ')] } };
}

function hookWarnings(ctx: ExportContext, name: string, key: 'post_start' | 'pre_stop', index: number, hook: ServiceHook): void {
  if (hook.user !== undefined) ctx.warn(name, [key, index, 'user'], "not exported: a hook runs as the container's user in Kubernetes");
  if (hook.privileged) ctx.warn(name, [key, index, 'privileged'], 'not exported: a hook has the privileges of its container in Kubernetes');
  if (hook.working_dir !== undefined) ctx.warn(name, [key, index, 'working_dir'], "not exported: a hook runs in the container's working directory in Kubernetes (cd in the command)");
  if (hook.environment && Object.keys(hook.environment).length) ctx.warn(name, [key, index, 'environment'], "not exported: a hook sees the container's environment only in Kubernetes (set variables in the command)");
}
