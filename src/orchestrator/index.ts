/**
 * The orchestrator: a Stack executes a project on an engine and reports typed progress events.
 * @module
 */
export {
  Stack,
  WARNING_EXTENSION,
  type StackOptions,
  type ContainerStatus,
  type ServiceLogLine,
  type StackLogsOptions,
} from './stack.js';
export { type UpOptions, type UpResult, type StackContainer, DependencyFailedError } from './up.js';
export { type DownOptions, type DownResult } from './down.js';
export { ownerOfThisProcess, ownerIsGone, staleEphemeralProjects } from './sweep.js';
export type * from './events.js';
