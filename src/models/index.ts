/**
 * Model stacks: the seed's multi-model TensorFlow platform in one call.
 * @module
 */
export { defineModelStack, ModelStack, type ModelEndpoints, type StackEndpoints } from './model-stack.js';
export { modelStackProject, ModelStackConfigError, DEFAULTS as MODEL_STACK_DEFAULTS, randomToken } from './project.js';
export { modelStackOptionsSchema, type ModelStackOptions, type ModelOptions } from './options.js';
export { loadModelsFile } from './models-file.js';
export { generateHostKey, type HostKey } from './ssh.js';
export { gatewayConfig, type GatewayRoute } from './gateway.js';
