/**
 * modelstack: bring up stacks of model containers with Docker Compose
 * semantics, through the Docker Engine API, without the Compose binary.
 *
 * The public API, chosen name by name (nothing is re-exported wholesale):
 *
 * - **Compose files** — {@link loadProject} reads them as Compose does into a
 *   typed {@link Project}; {@link serializeProject} prints it as
 *   `docker compose config` does.
 * - **Stacks** — a {@link Stack} runs a project on an engine: `up` (observe,
 *   plan, execute; Compose's `--wait` contract), `down`, `ps`, `logs`,
 *   `exec`, `port`, `start`, `stop`, `restart`, with typed
 *   {@link StackEvent}s and errors; `stack.service(name)` is a
 *   {@link ServiceHandle} with those commands bound to one service.
 * - **Model stacks** — {@link defineModelStack}: the seed's multi-model
 *   TensorFlow platform, secure by default.
 * - **Swarm** — the same project (or model stack) as services of a Docker
 *   Swarm: `new Stack(project, { backend: new SwarmBackend() })`, planned
 *   and converged like `up` (docs/swarm.md).
 * - **The engine** — {@link Engine} (connection, API version negotiation)
 *   and {@link waitUntilReady}, for harnesses that make containers directly.
 *
 * Every error is a {@link ModelstackError} with a stable `code`.
 *
 * @packageDocumentation
 */

// Errors every layer shares.
export { ModelstackError, isModelstackError } from './errors.js';

// Compose files → project.
export { loadProject, type LoadProjectOptions } from './compose/load.js';
export { serializeProject, type SerializeOptions } from './compose/serialize.js';
export { dependencyOrder } from './compose/graph.js';
export { ComposeFileError, InterpolationSyntaxError, InvalidProjectNameError, MissingRequiredVariableError, type LoadWarning, type SourcePosition } from './compose/errors.js';
export { ComposeValidationError, DependencyCycleError, type ValidationIssue } from './compose/load-errors.js';
export type {
  Project,
  Service,
  ServicePort,
  ServiceVolume,
  ServiceNetwork,
  DependsOn,
  DependsOnCondition,
  Healthcheck,
  Deploy,
  Network,
  Volume,
  ConfigOrSecret,
  Nanoseconds,
  Bytes,
} from './compose/model.js';

// Stacks: up, down and the everyday commands, with typed events.
export { Stack, type StackOptions } from './stack/stack.js';
export { ServiceHandle, type ServiceLogsOptions } from './stack/service-handle.js';
export type {
  StackBackend,
  UpOptions,
  UpResult,
  StackContainer,
  DownOptions,
  DownResult,
  ContainerStatus,
  PsOptions,
  ServiceLogLine,
  StackLogsOptions,
  StackExecOptions,
  PortOptions,
  ReadFileOptions,
  LifecycleOptions,
  KillOptions,
  RemoveOptions,
  ContainerExit,
  ContainerImage,
  ContainerProcesses,
  StackPullOptions,
  ServicePull,
  StackBuildOptions,
  ServiceBuild,
  StackEventsOptions,
  ContainerRuntimeEvent,
  StackWaitOptions,
  StackPlan,
} from './stack/backend.js';
export { DependencyFailedError, EngineStoppedError, UpTimeoutError } from './backends/container/up-errors.js';
export type {
  StackEvent,
  StackEventListener,
  ImageEvent,
  ResourceEvent,
  ContainerEvent,
  ReadyEvent,
  FailedEvent,
  WarningEvent,
} from './stack/events.js';
export { FileSourceError } from './backends/container/files.js';
export { listProjects, type ProjectSummary, type ListProjectsOptions } from './backends/container/projects.js';

// What up decides, and why (stack.plan(), up --dry-run).
export { formatPlan, type UpPlan, type ServicePlan, type ContainerAction, type ResourceAction, type OrphanAction, type RecreatePolicy } from './plan/reconcile.js';
export { EngineTooOldError, type EngineRequirement } from './plan/engine-requirements.js';
export { ServiceConfigError } from './plan/service-container.js';
export { LABEL, containerNameFor } from './plan/labels.js';
export { composeConfigHash } from './plan/config-hash.js';
export type { ContainerSpec, Mount, PortBinding, NetworkAttachment, RestartPolicy, ArchiveEntry } from './plan/container-spec.js';
export type { ReadyCondition } from './plan/operations.js';

// The same project on a Docker Swarm (docs/swarm.md).
export { SwarmBackend, SwarmTaskFailedError, SwarmUpdateFailedError, SwarmWaitTimeoutError, NotOnSwarmError } from './backends/swarm/swarm-backend.js';
export { NotASwarmManagerError } from './engine/swarm-client.js';
export { formatSwarmPlan, type SwarmPlan, type SwarmPlanEntry, type SwarmOperation } from './plan/swarm-plan.js';
export type { SwarmServiceSpec, SwarmWarning } from './plan/swarm-service.js';

// Model stacks.
export { defineModelStack, ModelStack, type ModelEndpoints, type StackEndpoints } from './models/model-stack.js';
export { modelStackProject, ModelStackConfigError } from './models/project.js';
export type { ModelStackOptions, ModelOptions } from './models/options.js';
export { loadModelsFile } from './models/models-file.js';
export { generateHostKey, type HostKey } from './models/ssh.js';

// Kubernetes manifests from the same project (docs/kubernetes.md).
export { kubernetesManifests, type KubernetesExportOptions } from './exporters/kubernetes/manifests.js';
export { renderManifests, formatManifestWarning, type ManifestFormat } from './exporters/kubernetes/render.js';
export { KubernetesExportError } from './exporters/kubernetes/context.js';
export type { KubernetesObject, KubernetesManifests, ManifestWarning, PersistentVolumeAccessMode, Workload as KubernetesWorkload } from './exporters/kubernetes/types.js';

// The engine, for harnesses and scripts that work with containers directly.
export { Engine, MAX_API_VERSION, type EngineOptions, type EngineInfo } from './engine/engine.js';
export { waitUntilReady, type WaitOptions, type ReadyState } from './engine/readiness.js';
export type { ExecResult, LogLine, TerminalSize } from './engine/container-client.js';
export type { PullProgress, ImagePullPolicy } from './engine/image-client.js';
export {
  EngineUnreachableError,
  EngineRequestError,
  DockerConfigError,
  RegistryAuthError,
  ImageNotFoundError,
  ImagePullError,
  ImageBuildError,
  ContainerNameConflictError,
  PortAlreadyAllocatedError,
  ContainerFailedError,
  WaitTimeoutError,
  ExecError,
  type ContainerFailure,
} from './engine/errors.js';
