/**
 * Crash-safe cleanup without a privileged sidecar. A stack started as
 * ephemeral labels everything it creates with its owner (`<pid>@<host>`);
 * before an ephemeral stack starts, stacks whose owner process on this host
 * is gone are taken down. A process that crashed (or a test runner that was
 * killed) therefore leaves its containers only until the next start.
 */
import { hostname } from 'node:os';
import type { Engine } from '../../engine/engine.js';
import { LABEL } from '../../plan/labels.js';
import { ownership } from '../../plan/observed.js';

/** The owner label value of this process. */
export function ownerOfThisProcess(): string {
  return `${process.pid}@${hostname()}`;
}

/** True when the owner is a process of this host that no longer exists. */
export function ownerIsGone(owner: string, host = hostname()): boolean {
  const m = /^(\d+)@(.+)$/.exec(owner);
  if (!m || m[2] !== host) return false; // another machine's stack is not ours to judge
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Names of ephemeral projects on this engine whose owner process is gone. */
export async function staleEphemeralProjects(engine: Engine): Promise<string[]> {
  const filter = [`${LABEL.ephemeral}=true`];
  const [containers, networks, volumes] = await Promise.all([engine.containers.list(filter), engine.networks.list(filter), engine.volumes.list(filter)]);
  const stale = new Set<string>();
  for (const labels of [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels), ...volumes.map((v) => v.Labels)]) {
    const { project, owner } = ownership(labels);
    if (project && owner && ownerIsGone(owner)) stale.add(project);
  }
  return [...stale].sort();
}
