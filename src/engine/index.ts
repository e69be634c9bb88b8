/**
 * The engine layer: the only code that talks to Docker.
 * @module
 */
export { Engine, type EngineOptions, type EngineInfo, type EngineHttpError, MAX_API_VERSION, resolveAddress } from './engine.js';
export { toCreateOptions } from './container-spec.js';
export {
  ContainerClient,
  type LogLine,
  type LogsOptions,
  type FollowLogsOptions,
  type ExecOptions,
  type ExecResult,
  containerName,
  allocatedPort,
} from './container-client.js';
export {
  ImageClient,
  type ImagePullPolicy,
  type PullProgress,
  type PullOptions,
  type EnsureImageOptions,
  type BuildOptions,
  type RegistryAuth,
  type ImageReference,
  parseImageReference,
} from './image-client.js';
export { NetworkClient, type NetworkSpec, NetworkExistsError, NetworkInUseError } from './network-client.js';
export { VolumeClient, type VolumeSpec } from './volume-client.js';
export { EventHub } from './event-hub.js';
export { EventClient, type EngineEvent, type EventSubscription, type SubscribeOptions } from './event-client.js';
export { waitUntilReady, probeCommand, type ReadyCondition, type WaitOptions, type ReadyState } from './readiness.js';
export * from './errors.js';
export { type OutputStream } from './streams.js';
