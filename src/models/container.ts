/**
 * Facts about the inside of a model stack's containers, in one table each:
 * the ports the servers listen on and the files modelstack puts in. The
 * project (`project.ts`), the gateway's routes (`gateway.ts`) and
 * `endpoints()` (`model-stack.ts`) all read them from here.
 */

/** Container ports the servers listen on (the host ports are options; see `DEFAULTS.ports`). */
export const CONTAINER_PORTS = {
  /** Jupyter (jupyter flavour). */
  jupyter: 8888,
  /** sshd (jupyter flavour, when SSH keys are given). */
  ssh: 22,
  /** TensorFlow Serving's REST API (serving flavour). */
  rest: 8501,
  /** TensorFlow Serving's gRPC API (serving flavour). */
  grpc: 8500,
  /** The nginx gateway. */
  gateway: 8080,
} as const;

/** Paths inside the containers that modelstack writes and `endpoints()` reads back. */
export const CONTAINER_PATHS = {
  jupyterToken: '/run/secrets/jupyter_token',
  gatewayToken: '/run/secrets/gateway_token',
  jupyterNotebookConfig: '/etc/jupyter/jupyter_notebook_config.py',
  jupyterServerConfig: '/etc/jupyter/jupyter_server_config.py',
  gatewayConf: '/etc/nginx/conf.d/default.conf',
  /** Where the gateway's secret auth snippet goes. */
  gatewayAuth: '/etc/nginx/modelstack/auth.conf',
  /** The gateway's `resolver` line, written at its start from the container's own /etc/resolv.conf. */
  gatewayResolver: '/tmp/modelstack-resolver.conf',
} as const;
