/**
 * The one home of label keys and naming rules. Docker Compose's labels and
 * names are kept exactly, so `docker compose ps` and Debian's docker-compose
 * 1.29 recognise stacks that modelstack created, and modelstack finds
 * existing stacks from labels alone, without the compose file.
 */

/** Compose's label keys. */
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  /** modelstack's own: the canonical JSON the config hash was computed from (lets a plan name the changed fields). */
  config: 'org.modelstack.config',
  /** modelstack's own: `<pid>@<hostname>` of the process that owns an ephemeral stack. */
  owner: 'org.modelstack.owner',
  /** modelstack's own: set on stacks that a later start may sweep when their owner is gone. */
  ephemeral: 'org.modelstack.ephemeral',
} as const;

/** What we write into `com.docker.compose.version` (Compose tools read it; we say who made the container). */
export const COMPOSE_VERSION_LABEL_VALUE = '2.0.0-modelstack';

/** `<project>-<service>-<n>` unless the service sets `container_name`. */
export function containerNameFor(project: string, service: string, number: number, containerName?: string): string {
  return containerName ?? `${project}-${service}-${number}`;
}

/** Label filter selecting every resource of a project. */
export function projectFilter(project: string): string {
  return `${LABEL.project}=${project}`;
}
