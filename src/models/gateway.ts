/**
 * The optional gateway: one nginx in front of the models, routing
 * `/<model>/…` to the model's service by name on the project network (looked
 * up per request, so models may come, go and move), and
 * refusing every request without the bearer token. The routes are a plain
 * config (they change when models change, which recreates the gateway); the
 * token lives in a separate secret file that the config includes.
 */
import { CONTAINER_PATHS, CONTAINER_PORTS } from './container.js';

export interface GatewayRoute {
  /** Model (service) name: the route prefix and the upstream host. */
  name: string;
  /** Port the model listens on inside the network. */
  port: number;
}

/** The secret snippet the config includes: the expected Authorization header. `token` matches `[A-Za-z0-9._~+/=-]+` (checked by the options schema). */
export function gatewayAuth(token: string): string {
  return `set $modelstack_expected_auth "Bearer ${token}";\n`;
}

/**
 * The gateway's command: nginx needs the address of a DNS server to look models up per request,
 * and takes it from no file of its own; it is the first IPv4 nameserver of the container's
 * /etc/resolv.conf (Docker's embedded 127.0.0.11 on a project network or overlay, the cluster's
 * DNS in a pod).
 */
export const GATEWAY_COMMAND = [
  'sh',
  '-c',
  `awk 'BEGIN { r = "127.0.0.11" } /^nameserver/ && $2 !~ /:/ && !found { r = $2; found = 1 } END { print "resolver " r " valid=5s ipv6=off;" }' /etc/resolv.conf > ${CONTAINER_PATHS.gatewayResolver} && exec nginx -g 'daemon off;'`,
];

/** The nginx `conf.d` file: no secret in it. */
export function gatewayConfig(routes: GatewayRoute[]): string {
  const locations = routes.map(
    (r) => `
  location /${r.name}/ {
    # The model's address is looked up per request (the resolver above): a recreated model
    # container, or a swarm task that moved to another node, is found without reloading nginx,
    # and the gateway starts before its models exist (a swarm starts services in no order).
    set $modelstack_upstream ${r.name}:${r.port};
    set $modelstack_path /;
    if ($request_uri ~ "^/${r.name}(/.*)$") {
      set $modelstack_path $1;
    }
    proxy_pass http://$modelstack_upstream$modelstack_path;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Authorization "";
    proxy_read_timeout 300s;
  }`,
  );
  return `# Written by modelstack: routes /<model>/ to each model, bearer token required.
map $http_upgrade $connection_upgrade {
  default upgrade;
  '' close;
}

server {
  listen ${CONTAINER_PORTS.gateway};
  server_tokens off;
  # The container's own DNS server (Docker's 127.0.0.11, a cluster's DNS), written at start.
  include ${CONTAINER_PATHS.gatewayResolver};
  client_max_body_size 64m;

  location = /healthz {
    return 200 "ok\\n";
  }

  # Everything else needs the token (the included secret sets the expected header).
  include ${CONTAINER_PATHS.gatewayAuth};
  if ($http_authorization != $modelstack_expected_auth) {
    return 401;
  }
${locations.join('\n')}

  location / {
    return 404;
  }
}
`;
}
