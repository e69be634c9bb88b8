/**
 * modelstack: bring up stacks of model containers with Docker Compose
 * semantics, through the Docker Engine API, without the Compose binary.
 *
 * Layers (each importable on its own): compose (compose files → typed project),
 * plan (pure decisions: names, labels, container specs), engine (the only
 * code that talks to Docker), orchestrator (Stack: up, down, wait, events).
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './engine/index.js';
export * from './orchestrator/index.js';
export * from './plan/index.js';
export * from './compose/index.js';
export * from './models/index.js';
