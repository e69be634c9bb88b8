/**
 * A Compose service → the pod template of its workload: the container (see
 * `container.ts`, `resources.ts`, `probes.ts`), its volumes and mounts,
 * and the pod-level keys (hostname, DNS, host aliases, namespaces, init,
 * sysctls, groups, grace period, platform, runtime, placement).
 */
import type { Service, ServiceVolume } from '../../compose/model.js';
import { parseBytes } from '../../compose/units.js';
import type { ClaimObjects } from './storage.js';
import { containerBase } from './container.js';
import type { ExportContext, KeySegment } from './context.js';
import { type FileObjects, fileMounts } from './files.js';
import { isQualifiedKey, isDnsLabel, isLabelValue, bytesQuantity, dnsLabel, NameRegistry, seconds } from './names.js';
import { probesOf } from './probes.js';
import { resourcesOf } from './resources.js';
import { splitLabels } from './labels.js';
import type { PodSpec, PodTemplateSpec, Volume, VolumeMount } from './types.js';

/** What the workload needs besides the template. */
export interface PodResult {
  template: PodTemplateSpec;
  /** Compose volume keys of the named volumes the pod mounts. */
  volumeKeys: string[];
}

/** What the pod of a service is built from. */
export interface PodInputs {
  files: FileObjects;
  claims: ClaimObjects;
  /** Labels of the pod (selector, recommended labels). */
  labels: Record<string, string>;
  restartPolicy: PodSpec['restartPolicy'];
}

/** Sysctls the kubelet allows without an `--allowed-unsafe-sysctls` flag (Kubernetes 1.33). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/** Docker's and Kubernetes' names of architectures, where they differ. */
const ARCH: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

/** Builds the pod template of service `name`. */
export function podTemplate(ctx: ExportContext, name: string, containerName: string, service: Service, inputs: PodInputs): PodResult {
  const container = containerBase(ctx, name, containerName, service);
  const resources = resourcesOf(ctx, name, service);
  if (resources) container.resources = resources;
  Object.assign(container, probesOf(ctx, name, service.healthcheck));

  const volumeNames = new NameRegistry();
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  const volumeKeys = mountVolumes(ctx, name, service, inputs.claims, volumeNames, volumes, mounts);
  for (const kind of ['secret', 'config'] as const) {
    const refs = kind === 'secret' ? service.secrets : service.configs;
    if (!refs) continue;
    const files = fileMounts(ctx, name, kind, refs, inputs.files, volumeNames);
    volumes.push(...files.volumes);
    mounts.push(...files.mounts);
    ctx.map(name, `${kind}s`);
  }
  if (mounts.length) container.volumeMounts = mounts;

  const spec: PodSpec = { containers: [container] };
  if (inputs.restartPolicy) spec.restartPolicy = inputs.restartPolicy;
  podLevel(ctx, name, service, spec);
  if (volumes.length) spec.volumes = volumes;

  const serviceLabels = splitLabels(service.labels);
  for (const dropped of serviceLabels.dropped) ctx.warn(name, ['labels', dropped], 'not exported: not a valid Kubernetes label or annotation key, or one the exporter sets itself');
  if (service.labels) ctx.map(name, 'labels');
  const annotations = { ...serviceLabels.annotations };
  for (const [key, value] of Object.entries(service.annotations ?? {})) {
    if (isQualifiedKey(key)) annotations[key] = value;
    else ctx.warn(name, ['annotations', key], 'not exported: not a valid Kubernetes annotation key');
  }
  if (service.annotations) ctx.map(name, 'annotations');
  const template: PodTemplateSpec = {
    metadata: { labels: { ...serviceLabels.labels, ...inputs.labels }, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
  };
  return { template, volumeKeys };
}

/** `volumes`, `tmpfs` and `shm_size` → pod volumes and mounts; returns the named volumes used. */
function mountVolumes(ctx: ExportContext, name: string, service: Service, claims: ClaimObjects, volumeNames: NameRegistry, volumes: Volume[], mounts: VolumeMount[]): string[] {
  const used: string[] = [];
  const claimVolumes = new Map<string, string>();
  (service.volumes ?? []).forEach((volume, index) => {
    const mount = mountOf(ctx, name, index, volume, claims, claimVolumes, volumeNames, volumes, used);
    if (mount) mounts.push(mount);
  });
  if (service.volumes) ctx.map(name, 'volumes');

  (service.tmpfs ?? []).forEach((entry, index) => {
    const [target = '', options = ''] = entry.split(/:(.*)/s);
    let sizeLimit: string | undefined;
    for (const option of options.split(',').filter(Boolean)) {
      const [key, value = ''] = option.split('=');
      if (key === 'size') {
        try {
          sizeLimit = bytesQuantity(parseBytes(value));
        } catch {
          ctx.warn(name, ['tmpfs', index], `the size "${value}" is not a size; the volume has no limit`);
        }
      } else ctx.warn(name, ['tmpfs', index], `not exported: the tmpfs option "${option}" has no Kubernetes form (an emptyDir in memory is mounted with the kubelet's options)`);
    }
    const volumeName = volumeNames.claim(dnsLabel(`tmpfs-${index}`));
    volumes.push({ name: volumeName, emptyDir: { medium: 'Memory', ...(sizeLimit ? { sizeLimit } : {}) } });
    mounts.push({ name: volumeName, mountPath: target });
  });
  if (service.tmpfs) ctx.map(name, 'tmpfs');

  if (service.shm_size !== undefined) {
    // Kubernetes gives a pod a 64 MB /dev/shm; a memory-backed emptyDir there is the usual way to get more.
    const volumeName = volumeNames.claim('dshm');
    volumes.push({ name: volumeName, emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(service.shm_size) } });
    mounts.push({ name: volumeName, mountPath: '/dev/shm' });
    ctx.map(name, 'shm_size');
  }
  return used;
}

function mountOf(
  ctx: ExportContext,
  name: string,
  index: number,
  volume: ServiceVolume,
  claims: ClaimObjects,
  claimVolumes: Map<string, string>,
  volumeNames: NameRegistry,
  volumes: Volume[],
  used: string[],
): VolumeMount | undefined {
  const at: KeySegment[] = ['volumes', index];
  const readOnly = volume.read_only ? { readOnly: true } : {};
  switch (volume.type) {
    case 'volume': {
      if (volume.volume?.labels && Object.keys(volume.volume.labels).length) {
        ctx.warn(name, [...at, 'volume', 'labels'], 'not exported: labels of a volume made by this mount have no Kubernetes form');
      }
      const subPath = volume.volume?.subpath ? { subPath: volume.volume.subpath } : {};
      if (volume.source === undefined) {
        // An anonymous volume lives as long as the container: an emptyDir lives as long as the pod.
        const volumeName = volumeNames.claim(dnsLabel(`anon-${index}`));
        volumes.push({ name: volumeName, emptyDir: {} });
        return { name: volumeName, mountPath: volume.target, ...readOnly, ...subPath };
      }
      const claimName = claims.claims.get(volume.source);
      if (claimName === undefined) return undefined; // the loader refuses undeclared volumes
      if (!used.includes(volume.source)) used.push(volume.source);
      let volumeName = claimVolumes.get(volume.source);
      if (!volumeName) {
        volumeName = volumeNames.claim(dnsLabel(volume.source));
        claimVolumes.set(volume.source, volumeName);
        volumes.push({ name: volumeName, persistentVolumeClaim: { claimName } });
      }
      return { name: volumeName, mountPath: volume.target, ...readOnly, ...subPath };
    }
    case 'tmpfs': {
      const volumeName = volumeNames.claim(dnsLabel(`tmpfs-volume-${index}`));
      const size = volume.tmpfs?.size;
      volumes.push({ name: volumeName, emptyDir: { medium: 'Memory', ...(size ? { sizeLimit: bytesQuantity(size) } : {}) } });
      if (volume.tmpfs?.mode !== undefined) ctx.warn(name, [...at, 'tmpfs', 'mode'], `not exported: an emptyDir's mode is set by the kubelet (0777), not 0${volume.tmpfs.mode.toString(8)}`);
      return { name: volumeName, mountPath: volume.target, ...readOnly };
    }
    case 'bind': {
      if (!ctx.options.hostPath) {
        ctx.warn(name, at, `not exported: the bind mount of ${volume.source} at ${volume.target} needs a folder of this machine, which pods do not see. Put the files in the image, a ConfigMap or a volume; or export it as a hostPath volume (--host-path; one-node clusters only)`);
        return undefined;
      }
      const volumeName = volumeNames.claim(dnsLabel(`host-${index}`));
      volumes.push({ name: volumeName, hostPath: { path: volume.source, ...(volume.bind?.create_host_path ? { type: 'DirectoryOrCreate' as const } : {}) } });
      ctx.warn(name, at, `exported as a hostPath volume: the pod sees ${volume.source} of the node it runs on, not of this machine; Pod Security "baseline" namespaces refuse hostPath`);
      const propagation = volume.bind?.propagation;
      const mountPropagation = propagation === undefined ? undefined : /^r?slave$/.test(propagation) ? 'HostToContainer' : /^r?shared$/.test(propagation) ? 'Bidirectional' : 'None';
      if (mountPropagation === 'Bidirectional') ctx.warn(name, [...at, 'bind', 'propagation'], 'Bidirectional mount propagation needs a privileged container');
      if (volume.bind?.selinux) ctx.warn(name, [...at, 'bind', 'selinux'], 'not exported: Kubernetes relabels volumes from the pod\'s seLinuxOptions, not per mount');
      return { name: volumeName, mountPath: volume.target, ...readOnly, ...(mountPropagation ? { mountPropagation } : {}) };
    }
    default:
      ctx.warn(name, at, `not exported: a ${volume.type} mount has no Kubernetes form${volume.type === 'image' ? ' that every cluster has (image volumes need the ImageVolume feature)' : ''}`);
      return undefined;
  }
}

/** The pod-level keys of a service. */
function podLevel(ctx: ExportContext, name: string, service: Service, spec: PodSpec): void {
  if (service.hostname !== undefined) {
    if (isDnsLabel(service.hostname)) {
      spec.hostname = service.hostname;
      ctx.map(name, 'hostname');
    } else ctx.warn(name, ['hostname'], `not exported: a pod's hostname must be a DNS label (lower case, no dots); "${service.hostname}" is not`);
  }
  if (service.stop_grace_period !== undefined) {
    spec.terminationGracePeriodSeconds = seconds(service.stop_grace_period, 0);
    if (service.stop_grace_period % 1e9 !== 0) ctx.warn(name, ['stop_grace_period'], `Kubernetes counts the grace period in whole seconds: ${spec.terminationGracePeriodSeconds}s`);
    else ctx.map(name, 'stop_grace_period');
  }
  if (service.stop_signal !== undefined) {
    if (/^(SIG)?TERM$|^15$/i.test(service.stop_signal)) ctx.map(name, 'stop_signal');
    else ctx.warn(name, ['stop_signal'], `not exported: Kubernetes stops containers with SIGTERM, not ${service.stop_signal} (lifecycle.stopSignal is an alpha feature of 1.33); handle SIGTERM, or send the signal from a preStop hook`);
  }

  namespaces(ctx, name, service, spec);
  if (service.init !== undefined) {
    // A shared process namespace makes the pod's pause process PID 1: it
    // reaps zombies and the program gets its signals' default handlers,
    // which is what Docker's init (tini) is for.
    if (!service.init) ctx.map(name, 'init');
    else if (spec.hostPID) ctx.warn(name, ['init'], "not exported: a pod in the host's PID namespace cannot share a process namespace of its own; the program runs as PID 1");
    else {
      spec.shareProcessNamespace = true;
      ctx.map(name, 'init');
    }
  }
  networking(ctx, name, service, spec);

  if (service.sysctls && Object.keys(service.sysctls).length) {
    spec.securityContext = { ...spec.securityContext, sysctls: Object.entries(service.sysctls).map(([key, value]) => ({ name: key, value: String(value) })) };
    const unsafe = Object.keys(service.sysctls).filter((k) => !SAFE_SYSCTLS.has(k));
    if (unsafe.length) ctx.warn(name, ['sysctls'], `${unsafe.join(', ')} ${unsafe.length > 1 ? 'are' : 'is'} not among Kubernetes' safe sysctls: the pod starts only on nodes whose kubelet allows ${unsafe.length > 1 ? 'them' : 'it'} (--allowed-unsafe-sysctls)`);
    else ctx.map(name, 'sysctls');
  } else if (service.sysctls) ctx.map(name, 'sysctls');

  if (service.group_add) {
    const numeric = service.group_add.filter((g) => /^\d+$/.test(g)).map(Number);
    const named = service.group_add.filter((g) => !/^\d+$/.test(g));
    if (numeric.length) spec.securityContext = { ...spec.securityContext, supplementalGroups: numeric };
    if (named.length) ctx.warn(name, ['group_add'], `not exported: ${named.join(', ')} ${named.length > 1 ? 'are group names' : 'is a group name'}; Kubernetes needs numbers (supplementalGroups)`);
    else ctx.map(name, 'group_add');
  }

  if (service.platform !== undefined) {
    const [os, arch, variant] = service.platform.split('/');
    const selector: Record<string, string> = {};
    if (os && isLabelValue(os)) selector['kubernetes.io/os'] = os;
    if (arch && isLabelValue(arch)) selector['kubernetes.io/arch'] = ARCH[arch] ?? arch;
    spec.nodeSelector = { ...spec.nodeSelector, ...selector };
    if (variant) ctx.warn(name, ['platform'], `the variant "${variant}" is not selected: nodes are chosen by OS and architecture (kubernetes.io/os, kubernetes.io/arch)`);
    else ctx.map(name, 'platform');
  }

  if (service.runtime !== undefined) {
    if (service.runtime === 'runc') ctx.map(name, 'runtime');
    else {
      spec.runtimeClassName = dnsLabel(service.runtime);
      ctx.warn(name, ['runtime'], `exported as runtimeClassName "${spec.runtimeClassName}": a RuntimeClass of that name must exist in the cluster`);
    }
  }
  placement(ctx, name, service, spec);
}

/** `ipc`, `pid`, `uts`, `userns_mode`: the host's namespaces have pod fields; another container's do not. */
function namespaces(ctx: ExportContext, name: string, service: Service, spec: PodSpec): void {
  const hostWarning = (key: string): string => `exported as ${key}: true, which Pod Security "baseline" and "restricted" namespaces refuse`;
  if (service.ipc !== undefined) {
    if (service.ipc === 'host') {
      spec.hostIPC = true;
      ctx.warn(name, ['ipc'], hostWarning('hostIPC'));
    } else if (['', 'private', 'shareable'].includes(service.ipc)) ctx.map(name, 'ipc'); // a pod has its own IPC namespace, shared by its containers
    else ctx.warn(name, ['ipc'], `not exported: a pod cannot join another pod's IPC namespace ("${service.ipc}"); run both containers in one pod`);
  }
  if (service.pid !== undefined) {
    if (service.pid === 'host') {
      spec.hostPID = true;
      ctx.warn(name, ['pid'], hostWarning('hostPID'));
    } else ctx.warn(name, ['pid'], `not exported: a pod cannot join another pod's PID namespace ("${service.pid}"); run both containers in one pod with shareProcessNamespace`);
  }
  if (service.uts !== undefined) {
    if (service.uts === 'host' && service.network_mode === 'host') ctx.map(name, 'uts'); // hostNetwork shares the host's UTS namespace too
    else ctx.warn(name, ['uts'], `not exported: a pod has its own UTS namespace unless it uses the host's network (network_mode: host)`);
  }
  if (service.userns_mode !== undefined) {
    // Without user namespaces (hostUsers: true, the default) a pod runs as `userns_mode: host` does.
    if (service.userns_mode === 'host') ctx.map(name, 'userns_mode');
    else ctx.warn(name, ['userns_mode'], `not exported: Kubernetes gives a pod its own user namespace with hostUsers: false (where the nodes support it), not "${service.userns_mode}"`);
  }
}

/** `network_mode`, `networks`, `extra_hosts`, `dns*`. */
function networking(ctx: ExportContext, name: string, service: Service, spec: PodSpec): void {
  const mode = service.network_mode;
  if (mode !== undefined) {
    if (mode === 'host') {
      spec.hostNetwork = true;
      spec.dnsPolicy = 'ClusterFirstWithHostNet';
      ctx.warn(name, ['network_mode'], 'exported as hostNetwork: true, which Pod Security "baseline" and "restricted" namespaces refuse; the pod uses the ports of its node');
    } else if (mode === 'bridge' || mode === 'default') ctx.map(name, 'network_mode');
    else if (mode === 'none') ctx.warn(name, ['network_mode'], 'not exported: every pod has a network in Kubernetes; a NetworkPolicy that allows nothing isolates it');
    else ctx.warn(name, ['network_mode'], `not exported: a pod cannot join another pod's network ("${mode}"); containers that share a network namespace belong in one pod`);
  }

  if (service.networks) {
    const used = new Set(Object.values(ctx.project.services).flatMap((s) => Object.keys(s.networks ?? {})));
    const internal = Object.keys(service.networks).filter((n) => ctx.project.networks[n]?.internal);
    if (used.size > 1 || internal.length) {
      ctx.warn(name, ['networks'], `Kubernetes has one flat pod network: this service reaches and is reached by every pod, not only those on ${Object.keys(service.networks).join(', ')}${internal.length ? ` (internal: ${internal.join(', ')}, so no outside access either)` : ''}; NetworkPolicies restore the isolation`);
    } else ctx.map(name, 'networks');
    for (const [network, settings] of Object.entries(service.networks)) {
      for (const key of Object.keys(settings ?? {})) {
        const why = key === 'aliases' ? 'another DNS name needs a Service of that name' : 'Kubernetes assigns pod addresses and interfaces itself';
        ctx.warn(name, ['networks', network, key], `not exported: ${why}`);
      }
    }
  }

  if (service.extra_hosts) {
    const byIp = new Map<string, string[]>();
    for (const [host, ips] of Object.entries(service.extra_hosts)) {
      for (const ip of ips) {
        if (ip === 'host-gateway') {
          ctx.warn(name, ['extra_hosts', host], 'not exported: "host-gateway" is the Docker host, which has no meaning in a cluster');
          continue;
        }
        byIp.set(ip, [...(byIp.get(ip) ?? []), host]);
      }
    }
    if (byIp.size) spec.hostAliases = [...byIp].map(([ip, hostnames]) => ({ ip, hostnames }));
    ctx.map(name, 'extra_hosts');
  }

  const dnsConfig: NonNullable<PodSpec['dnsConfig']> = {};
  if (service.dns?.length) {
    // With the default ClusterFirst policy these servers come after the
    // cluster's DNS, as Docker's embedded DNS forwards to them: service names keep resolving.
    dnsConfig.nameservers = service.dns.slice(0, 3);
    if (service.dns.length > 3) ctx.warn(name, ['dns'], `Kubernetes takes at most 3 nameservers: ${service.dns.slice(3).join(', ')} left out`);
  }
  if (service.dns_search?.length) dnsConfig.searches = [...service.dns_search];
  if (service.dns_opt?.length) {
    dnsConfig.options = service.dns_opt.map((o) => {
      const [optName = '', value] = o.split(':');
      return value === undefined ? { name: optName } : { name: optName, value };
    });
  }
  if (Object.keys(dnsConfig).length) spec.dnsConfig = dnsConfig;
  for (const key of ['dns', 'dns_search', 'dns_opt'] as const) if (service[key] !== undefined) ctx.map(name, key);
}

/** `deploy.placement`: node label and hostname constraints become a node selector; the rest is warned about. */
function placement(ctx: ExportContext, name: string, service: Service, spec: PodSpec): void {
  const placementValue = service.deploy?.placement as { constraints?: string[]; preferences?: unknown[]; max_replicas_per_node?: number } | undefined;
  if (!placementValue) return;
  const selector: Record<string, string> = {};
  (placementValue.constraints ?? []).forEach((constraint, i) => {
    const m = /^\s*([\w.-]+)\s*==\s*(.+?)\s*$/.exec(constraint);
    const field = m?.[1] ?? '';
    const value = m?.[2] ?? '';
    const key = field.startsWith('node.labels.')
      ? field.slice('node.labels.'.length)
      : ({ 'node.hostname': 'kubernetes.io/hostname', 'node.platform.os': 'kubernetes.io/os', 'node.platform.arch': 'kubernetes.io/arch' } as Record<string, string>)[field];
    if (m && key && isQualifiedKey(key) && isLabelValue(value)) selector[key] = key === 'kubernetes.io/arch' ? (ARCH[value] ?? value) : value;
    else ctx.warn(name, ['deploy', 'placement', 'constraints', i], `not exported: "${constraint}" has no node-selector form (node labels, hostname, OS and architecture with == do); write a node affinity`);
  });
  if (placementValue.preferences?.length) ctx.warn(name, ['deploy', 'placement', 'preferences'], 'not exported: spread preferences become topologySpreadConstraints, which need the nodes\' topology labels; write them by hand');
  if (placementValue.max_replicas_per_node !== undefined) ctx.warn(name, ['deploy', 'placement', 'max_replicas_per_node'], 'not exported: write a topologySpreadConstraint (maxSkew) or pod anti-affinity on kubernetes.io/hostname');
  if (Object.keys(selector).length) {
    spec.nodeSelector = { ...spec.nodeSelector, ...selector };
    ctx.map(name, 'deploy.placement');
  }
}
