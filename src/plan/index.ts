/**
 * The plan layer: pure decisions (names, labels, container specs) from the project model.
 * @module
 */
export { LABEL, COMPOSE_VERSION_LABEL_VALUE, containerNameFor, scopedName, projectFilter } from './labels.js';
export { containerSpecFor, imageFor, ServiceConfigError, type ContainerSpecOptions } from './service-container.js';
