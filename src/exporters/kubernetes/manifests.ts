/**
 * `kubernetesManifests(project)`: a loaded Compose project (from compose
 * files or a model stack) → Kubernetes objects, and a warning for every key
 * that has no faithful Kubernetes form. Pure but for reading the files of
 * configs and secrets; no cluster is contacted.
 *
 * Each service becomes a workload (`workload.ts`) whose pod is built by
 * `pod.ts`, and a Service (`service.ts`); named volumes become claims
 * (`storage.ts`), configs and secrets ConfigMaps and Secrets (`files.ts`).
 * Every key of every service is accounted for: mapped, or warned about.
 *
 * @module
 */
import { WARNING_EXTENSION, modelInfo, serviceWarning } from '../../compose/extensions.js';
import type { Project, Service } from '../../compose/model.js';
import type { ReadFile } from './content.js';
import { ExportContext, KubernetesExportError, type ResolvedOptions } from './context.js';
import { fileObjects } from './files.js';
import { standardLabels, selectorLabels } from './labels.js';
import { isDnsLabel, isQuantity, serviceObjectName } from './names.js';
import { podTemplate } from './pod.js';
import { serviceObject } from './service.js';
import { claimObjects } from './storage.js';
import type { KubernetesManifests, KubernetesObject, PersistentVolumeAccessMode, Service as KubernetesService, Workload } from './types.js';
import { restartOf, unmappedKeys, workloadKind, workloadObject } from './workload.js';

/** How to export; every option has a default. */
export interface KubernetesExportOptions {
  /** `metadata.namespace` of every object. Default: none, so `kubectl apply -n NS` (or the current context's namespace) decides. */
  namespace?: string;
  /** Size a claim asks for when its volume has no `driver_opts.size`. Default `1Gi`. */
  volumeSize?: string;
  /** Storage class of every claim. Default: none (the cluster's default class). */
  storageClassName?: string;
  /** Access mode of every claim. Default `ReadWriteOnce` (one node at a time; a warning names volumes that several pods share). */
  accessMode?: PersistentVolumeAccessMode;
  /** Export bind mounts as hostPath volumes (only sensible on one-node clusters). Default false: they are left out, with a warning. */
  hostPath?: boolean;
  /** Put secrets' values into the Secrets. Default true; false writes empty Secrets to fill in the cluster. */
  secretData?: boolean;
  /** Add a liveness probe next to the readiness probe of a healthcheck. Default true. */
  livenessProbes?: boolean;
  /** How many GPUs "all" GPUs (`count: all`, `gpus: all`) asks for. Default 1. */
  gpusForAll?: number;
  /** Reads the file of a config or secret. Default: `fs.readFileSync`. */
  readFile?: ReadFile;
}

/**
 * The Kubernetes objects for `project`, with the warnings of everything not
 * exported faithfully. See docs/kubernetes.md for the mapping.
 *
 * @throws KubernetesExportError when an option is invalid (a namespace that
 *   is not a DNS label, a volume size that is not a quantity, ...).
 */
export function kubernetesManifests(project: Project, options: KubernetesExportOptions = {}): KubernetesManifests {
  const { objects, warnings } = exportProject(project, options);
  return { objects, warnings };
}

/** The result of an export, with the ledger of mapped keys (for tests). */
export interface ExportResult extends KubernetesManifests {
  /** Per service, the keys (top level and `deploy.<key>`) that were mapped. */
  mapped: Map<string, Set<string>>;
}

/** {@link kubernetesManifests}, also returning which keys were mapped. */
export function exportProject(project: Project, options: KubernetesExportOptions = {}): ExportResult {
  const ctx = new ExportContext(project, resolveOptions(options));
  const claims = claimObjects(ctx);
  const files = fileObjects(ctx);
  const services: KubernetesService[] = [];
  const workloads: Workload[] = [];
  const claimUsers = new Map<string, string[]>();

  for (const [name, service] of Object.entries(project.services)) {
    const objectName = ctx.names.service.claim(serviceObjectName(name));
    if (objectName !== name) {
      ctx.warn(name, [], `named "${objectName}" in Kubernetes (a Service name is lower case letters, digits and "-"): other services that reach it as "${name}" must use "${objectName}"`);
    }
    // The model-stack preset's insecure opt-ins warn at every `up`; here too.
    const warning = serviceWarning(service);
    if (warning !== undefined) ctx.warn(name, [WARNING_EXTENSION], warning);

    const kind = workloadKind(ctx, name, service);
    const selector = selectorLabels(project, name);
    const labels = standardLabels(project, name, componentOf(service));
    const restart = restartOf(ctx, name, service, kind);
    const pod = podTemplate(ctx, name, objectName, service, { files, claims, labels, restartPolicy: restart.restartPolicy });
    const replicas = kind === 'DaemonSet' ? Infinity : (service.deploy?.replicas ?? service.scale ?? 1);
    for (const key of pod.volumeKeys) claimUsers.set(key, [...(claimUsers.get(key) ?? []), ...(replicas > 1 ? [`${name} (${kind === 'DaemonSet' ? 'every node' : `${replicas} replicas`})`] : [name])]);

    const svc = serviceObject(ctx, name, objectName, service, selector, labels, kind === 'Job');
    if (svc) services.push(svc);
    workloads.push(workloadObject(ctx, name, objectName, service, kind, pod.template, selector, labels, objectName, restart.backoffLimit));
    unmappedKeys(ctx, name, service);
    accountForEveryKey(ctx, name, service);
  }

  if (ctx.options.accessMode !== 'ReadWriteMany') {
    for (const [key, users] of claimUsers) {
      if (users.length > 1 || users.some((u) => u.includes('('))) {
        ctx.warn(undefined, ['volumes', key], `shared by ${users.join(', ')}: a ${ctx.options.accessMode} claim is mounted on one node at a time, so pods on other nodes wait; use storage that allows ReadWriteMany (--access-mode ReadWriteMany), or one volume per service`);
      }
    }
  }
  for (const [key, network] of Object.entries(project.networks)) {
    const settings = Object.keys(network).filter((k) => k !== 'name' && (network as unknown as Record<string, unknown>)[k] !== undefined);
    if (settings.length) ctx.warn(undefined, ['networks', key], `not exported (${settings.join(', ')}): Kubernetes has one pod network, configured by the cluster; NetworkPolicies control who talks to whom`);
  }

  const objects: KubernetesObject[] = [...claims.objects, ...files.objects, ...services, ...workloads];
  return { objects, warnings: ctx.warnings, mapped: ctx.mapped };
}

/** The component label: the model flavour in a model stack, else `service`. */
function componentOf(service: Service): string {
  return modelInfo(service)?.flavour ?? 'service';
}

/**
 * The promise never to drop a key silently: every key the service sets
 * (and every key under `deploy`) was mapped or warned about by now; any
 * other (a key this exporter does not know yet) gets a warning here.
 */
function accountForEveryKey(ctx: ExportContext, name: string, service: Service): void {
  for (const [key, value] of Object.entries(service)) {
    if (value === undefined || key === 'extensions') continue; // x-* keys are for tools that read them
    if (key === 'deploy') {
      for (const [sub, subValue] of Object.entries(value as object)) {
        if (subValue !== undefined && !ctx.covered(name, `deploy.${sub}`)) ctx.warn(name, ['deploy', sub], UNKNOWN_KEY);
      }
      continue;
    }
    if (!ctx.covered(name, key)) ctx.warn(name, [key], UNKNOWN_KEY);
  }
}

/** The warning of a key the exporter has no rule for. */
export const UNKNOWN_KEY = 'not exported: modelstack has no Kubernetes mapping for this key';

function resolveOptions(options: KubernetesExportOptions): ResolvedOptions {
  if (options.namespace !== undefined && !isDnsLabel(options.namespace)) {
    throw new KubernetesExportError(`namespace "${options.namespace}" is not a valid Kubernetes namespace (lower case letters, digits and "-", at most 63)`);
  }
  const volumeSize = options.volumeSize ?? '1Gi';
  if (!isQuantity(volumeSize)) throw new KubernetesExportError(`volume size "${volumeSize}" is not a Kubernetes quantity (e.g. 10Gi)`);
  const accessMode = options.accessMode ?? 'ReadWriteOnce';
  if (!['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'].includes(accessMode)) {
    throw new KubernetesExportError(`access mode "${accessMode}" is not one of ReadWriteOnce, ReadWriteOncePod, ReadWriteMany`);
  }
  const gpusForAll = options.gpusForAll ?? 1;
  if (!Number.isInteger(gpusForAll) || gpusForAll < 1) throw new KubernetesExportError(`GPUs for "all" must be a whole number of at least 1, not ${gpusForAll}`);
  if (options.storageClassName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(options.storageClassName)) {
    throw new KubernetesExportError(`storage class "${options.storageClassName}" is not a valid Kubernetes name`);
  }
  return {
    namespace: options.namespace,
    volumeSize,
    storageClassName: options.storageClassName,
    accessMode,
    hostPath: options.hostPath ?? false,
    secretData: options.secretData ?? true,
    livenessProbes: options.livenessProbes ?? true,
    gpusForAll,
    readFile: options.readFile,
  };
}
