/**
 * The Kubernetes objects the exporter writes, typed as far as it fills
 * them: plain data (no classes), so they print as YAML or JSON as they are
 * and compare by value. Field names are Kubernetes' own (`apps/v1`,
 * `batch/v1`, `v1` of Kubernetes 1.33); the tests check every object against
 * that OpenAPI schema and every field name against its definitions.
 *
 * @module
 */
import type { SourcePosition } from '../../compose/errors.js';

/** `metadata` of an exported object. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** `matchLabels` selector of a workload. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
}

/** A container port (`ports[]` of a container). */
export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostPort?: number;
  hostIP?: string;
}

/** One environment variable with a literal value. */
export interface EnvVar {
  name: string;
  value: string;
}

/** An exec probe (readiness, liveness or startup). */
export interface Probe {
  exec: { command: string[] };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold?: number;
}

/** A lifecycle hook that runs a command in the container. */
export interface ExecHandler {
  exec: { command: string[] };
}

/** Container-level security settings. */
export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostProfile?: string };
  appArmorProfile?: { type: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostProfile?: string };
  seLinuxOptions?: { user?: string; role?: string; type?: string; level?: string };
}

/** Compute resources: `cpu`, `memory`, `ephemeral-storage`, `nvidia.com/gpu` (and other vendors' GPUs). */
export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

/** Where a pod volume appears in the container. */
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

/** One file of a Secret or ConfigMap volume. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** A pod volume: one of the sources the exporter uses. */
export type Volume =
  | { name: string; persistentVolumeClaim: { claimName: string; readOnly?: boolean } }
  | { name: string; emptyDir: { medium?: 'Memory'; sizeLimit?: string } }
  | { name: string; hostPath: { path: string; type?: 'DirectoryOrCreate' } }
  | { name: string; secret: { secretName: string; items: KeyToPath[] } }
  | { name: string; configMap: { name: string; items: KeyToPath[] } };

/** The one container of an exported pod. */
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { postStart?: ExecHandler; preStop?: ExecHandler };
  securityContext?: SecurityContext;
  tty?: boolean;
  stdin?: boolean;
}

/** Pod-level security settings. */
export interface PodSecurityContext {
  supplementalGroups?: number[];
  sysctls?: Array<{ name: string; value: string }>;
}

/** The pod of a workload. */
export interface PodSpec {
  containers: Container[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  hostname?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet';
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: Array<{ name: string; value?: string }> };
  hostAliases?: Array<{ ip: string; hostnames: string[] }>;
  nodeSelector?: Record<string, string>;
  runtimeClassName?: string;
  securityContext?: PodSecurityContext;
  volumes?: Volume[];
}

/** The pod template of a workload. */
export interface PodTemplateSpec {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** A service with replicas and no named volume. */
export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: LabelSelector;
    strategy?: { type: 'RollingUpdate'; rollingUpdate: { maxSurge: number | string; maxUnavailable: number | string } };
    template: PodTemplateSpec;
  };
}

/** A service that keeps named volumes. */
export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: LabelSelector;
    serviceName: string;
    podManagementPolicy: 'Parallel';
    template: PodTemplateSpec;
  };
}

/** A service with `deploy.mode: global`: one pod per node. */
export interface DaemonSet {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: { selector: LabelSelector; template: PodTemplateSpec };
}

/** A service that runs to completion (`deploy.mode: replicated-job`, or awaited with `service_completed_successfully`). */
export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: { completions: number; parallelism: number; backoffLimit?: number; template: PodTemplateSpec };
}

/** A port of a Service. */
export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
}

/** The DNS name (and load balancing) of a Compose service. */
export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: 'ClusterIP';
    clusterIP?: 'None';
    selector: Record<string, string>;
    ports?: ServicePort[];
  };
}

/** A Compose secret: values base64-encoded, as Kubernetes keeps them. */
export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type: 'Opaque';
  data?: Record<string, string>;
}

/** A Compose config: UTF-8 text in `data`, anything else base64 in `binaryData`. */
export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** A Compose named volume. */
export interface PersistentVolumeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: ObjectMeta;
  spec: {
    accessModes: PersistentVolumeAccessMode[];
    storageClassName?: string;
    resources: { requests: { storage: string } };
  };
}

/** How many nodes may mount a claim at once. */
export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany';

/** A workload: what a Compose service becomes. */
export type Workload = Deployment | StatefulSet | DaemonSet | Job;

/** Any object the exporter writes. */
export type KubernetesObject = Workload | Service | Secret | ConfigMap | PersistentVolumeClaim;

/**
 * Something of the project that has no faithful Kubernetes form, or that
 * behaves differently there: what, where, and what to do about it.
 */
export interface ManifestWarning {
  /** The Compose service, when the key is one of a service. */
  service?: string;
  /**
   * The key: relative to the service when `service` is set
   * (`depends_on`, `deploy.resources.limits.pids`, `volumes[2]`), else from
   * the top of the project (`volumes.cache.driver_opts`).
   */
  key: string;
  /** What is lost or different, and what to do. */
  message: string;
  /** Where the key was written, when the project was loaded from files. */
  position?: SourcePosition;
}

/** What {@link kubernetesManifests} returns. */
export interface KubernetesManifests {
  /** In the order `kubectl apply` needs them: claims, secrets, config maps, services, workloads. */
  objects: KubernetesObject[];
  /** Everything not exported faithfully, in project order. */
  warnings: ManifestWarning[];
}
