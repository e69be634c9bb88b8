/**
 * The Compose projects on an engine, as `docker compose ls` finds them: the
 * containers that carry a project label and a config hash (Compose's and
 * modelstack's alike; not the project lock, not containers made by hand),
 * grouped by project.
 */
import type { Engine } from '../../engine/engine.js';
import { LABEL } from '../../plan/labels.js';

/** One project on the engine. */
export interface ProjectSummary {
  name: string;
  /** How many of its containers are in each engine state (`running`, `exited`, `paused`…). */
  states: Record<string, number>;
  /** The compose files it was brought up from (`com.docker.compose.project.config_files`), each once, in the order first seen. */
  configFiles: string[];
}

export interface ListProjectsOptions {
  /** Also projects whose containers are all stopped (`docker compose ls -a`); default: only projects with a running container. */
  all?: boolean;
  signal?: AbortSignal;
}

/** The projects on `engine`, sorted by name. One list call. */
export async function listProjects(engine: Engine, options: ListProjectsOptions = {}): Promise<ProjectSummary[]> {
  const containers = await engine.containers.list([LABEL.project, LABEL.configHash], {
    all: options.all ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const projects = new Map<string, ProjectSummary>();
  for (const c of containers) {
    const labels = c.Labels ?? {};
    const name = labels[LABEL.project]!;
    let p = projects.get(name);
    if (!p) projects.set(name, (p = { name, states: {}, configFiles: [] }));
    p.states[c.State] = (p.states[c.State] ?? 0) + 1;
    for (const f of (labels[LABEL.configFiles] ?? '').split(',')) if (f && !p.configFiles.includes(f)) p.configFiles.push(f);
  }
  return [...projects.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
