/**
 * The plan layer: pure decisions (names, labels, container specs, what `up`
 * will do and why) from the project model and the observed state.
 * @module
 */
export { LABEL, COMPOSE_VERSION_LABEL_VALUE, containerNameFor, projectFilter } from './labels.js';
export { containerSpecFor, imageFor, ServiceConfigError, type ContainerSpecOptions } from './service-container.js';
export { hashedConfig, configHash, canonicalJson, changedPaths, composeConfigHash, composeHashedService } from './config-hash.js';
export { desiredServices, replicaSpec, type DesiredOptions } from './desired.js';
export {
  planUp,
  divergence,
  formatPlan,
  serviceReferences,
  type DesiredService,
  type RecreatePolicy,
  type PlanOptions,
  type ContainerAction,
  type ServicePlan,
  type ResourceAction,
  type OrphanAction,
  type UpPlan,
} from './reconcile.js';
export { serviceContainerIds, type ObservedState, type ObservedContainer, type ObservedNetwork, type ObservedVolume } from './observed.js';
export { unmetEngineRequirements, compareApiVersions, EngineTooOldError, type EngineRequirement, type EngineDescription } from './engine-requirements.js';
