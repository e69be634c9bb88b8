/**
 * Errors of the engine layer. Each names the Docker object (image, container,
 * service), says why it failed in words a person can act on, and keeps the
 * raw engine error as `cause`.
 */
import { ModelstackError, messageOf } from '../errors.js';

/** No Docker engine answers at the configured address. */
export class EngineUnreachableError extends ModelstackError {
  constructor(readonly address: string, cause?: unknown) {
    super(
      'ENGINE_UNREACHABLE',
      `no Docker engine answers at ${address}` +
        (cause ? ` (${messageOf(cause)})` : '') +
        '; start Docker (scripts/ensure-docker.sh does it on Debian) or point DOCKER_HOST at a running engine',
      { cause },
    );
  }
}

/**
 * The Docker client's configuration cannot be used: `config.json` is not
 * JSON, a context named by `--context`, `DOCKER_CONTEXT` or `currentContext`
 * does not exist, its TLS material cannot be read, or a host is malformed.
 */
export class DockerConfigError extends ModelstackError {
  constructor(message: string, cause?: unknown) {
    super('DOCKER_CONFIG', message, cause === undefined ? undefined : { cause });
  }
}

/** The engine answered with an error we have no more specific class for. */
export class EngineRequestError extends ModelstackError {
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    readonly engineMessage: string,
    cause?: unknown,
  ) {
    super('ENGINE_REQUEST_FAILED', `${operation} failed: ${engineMessage}`, { cause });
  }
}

/** An image is not present locally and may not (or could not) be pulled. */
export class ImageNotFoundError extends ModelstackError {
  constructor(readonly image: string, reason: string, cause?: unknown) {
    super('IMAGE_NOT_FOUND', `image ${image} not found: ${reason}`, { cause });
  }
}

/** A pull started but the registry or the engine reported an error. */
export class ImagePullError extends ModelstackError {
  constructor(readonly image: string, readonly reason: string, cause?: unknown) {
    super('IMAGE_PULL_FAILED', `pulling ${image} failed: ${reason}`, { cause });
  }
}

/**
 * A pull the registry refused for lack of (valid) credentials, or whose
 * credentials could not be had (the credential helper configured for the
 * registry failed). Still an {@link ImagePullError}; its code says which.
 */
export class RegistryAuthError extends ImagePullError {
  override readonly code = 'REGISTRY_AUTH';
  constructor(image: string, readonly registry: string, reason: string, cause?: unknown) {
    super(image, reason, cause);
  }
}

/** `docker build` reported an error; `output` holds the last build lines. */
export class ImageBuildError extends ModelstackError {
  constructor(readonly image: string, readonly reason: string, readonly output: string[], cause?: unknown) {
    super(
      'IMAGE_BUILD_FAILED',
      `building ${image} failed: ${reason}` + (output.length ? `\n${indent(output)}` : ''),
      { cause },
    );
  }
}

/** A container name is taken (by a container not managed by this call). */
export class ContainerNameConflictError extends ModelstackError {
  constructor(readonly containerName: string, cause?: unknown) {
    super(
      'CONTAINER_NAME_CONFLICT',
      `container name "${containerName}" is already in use; remove that container or choose another name`,
      { cause },
    );
  }
}

/** A host port could not be bound when the container started. */
export class PortAlreadyAllocatedError extends ModelstackError {
  constructor(
    readonly container: string,
    readonly service: string | undefined,
    readonly hostPort: string,
    cause?: unknown,
  ) {
    super(
      'PORT_ALREADY_ALLOCATED',
      `${describeContainer(container, service)} cannot start: host port ${hostPort} is already in use; ` +
        'stop what holds it, or publish another port (use "0" or omit the host port for a free one)',
      { cause },
    );
  }
}

/** What made a container fail while something waited for it. */
export type ContainerFailure =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'restarted'; exitCode: number; restartCount: number }
  /**
   * `inferred`: the engine did not flag the OOM kill (engine 26.1 on cgroup v1
   * sometimes loses it), but the container has a memory limit and died of a
   * SIGKILL (137) nobody asked the engine for.
   */
  | { kind: 'oom-killed'; exitCode: number; inferred?: boolean }
  | { kind: 'unhealthy'; probeOutput: string | undefined }
  | { kind: 'no-healthcheck' }
  | { kind: 'removed' };

/** A container died, became unhealthy, was OOM-killed or removed while a wait was on. */
export class ContainerFailedError extends ModelstackError {
  constructor(
    readonly container: string,
    readonly service: string | undefined,
    readonly failure: ContainerFailure,
    readonly waitingFor: string,
    readonly logTail: string[],
  ) {
    super(
      'CONTAINER_FAILED',
      `${describeContainer(container, service)} ${describeFailure(failure)} while waiting for it to be ${waitingFor}` +
        (logTail.length ? `; last log lines:\n${indent(logTail)}` : '; it printed no logs'),
    );
  }
}

/** A wait did not finish before its deadline. */
export class WaitTimeoutError extends ModelstackError {
  constructor(
    readonly container: string,
    readonly service: string | undefined,
    readonly waitingFor: string,
    readonly timeoutMs: number,
    readonly lastState: string,
    readonly logTail: string[],
  ) {
    super(
      'WAIT_TIMEOUT',
      `${describeContainer(container, service)} was not ${waitingFor} after ${formatMs(timeoutMs)} (state: ${lastState})` +
        (logTail.length ? `; last log lines:\n${indent(logTail)}` : ''),
    );
  }
}

/** An exec could not be run (the container is not running, the binary is missing, ...). */
export class ExecError extends ModelstackError {
  constructor(readonly container: string, readonly command: string[], reason: string, cause?: unknown) {
    super('EXEC_FAILED', `exec ${JSON.stringify(command)} in ${container} failed: ${reason}`, { cause });
  }
}

function describeContainer(container: string, service: string | undefined): string {
  return service ? `service "${service}" (container ${container})` : `container ${container}`;
}

function describeFailure(f: ContainerFailure): string {
  switch (f.kind) {
    case 'exited':
      return `exited with code ${f.exitCode}`;
    case 'restarted':
      return `exited with code ${f.exitCode} and was restarted by its restart policy (restart #${f.restartCount})`;
    case 'oom-killed':
      return f.inferred
        ? `was killed (SIGKILL, exit code ${f.exitCode}) with nobody asking the engine to, under a memory limit: almost certainly out of memory (the engine did not report it); raise its memory limit`
        : `was killed by the kernel for running out of memory (OOMKilled, exit code ${f.exitCode}); raise its memory limit`;
    case 'unhealthy':
      return `became unhealthy` + (f.probeOutput ? ` (last health probe: ${f.probeOutput.trim()})` : '');
    case 'no-healthcheck':
      return 'has no healthcheck (define one, or wait for "running" instead)';
    case 'removed':
      return 'was removed';
  }
}

function indent(lines: string[]): string {
  return lines.map((l) => `  | ${l}`).join('\n');
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
