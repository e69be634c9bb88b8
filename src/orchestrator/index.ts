/**
 * The orchestrator: a Stack executes a project on an engine and reports typed progress events.
 * @module
 */
export { Stack, StackError, type StackOptions, type UpOptions, type DownOptions, type StackContainer } from './stack.js';
export type * from './events.js';
