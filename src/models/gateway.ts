/**
 * The optional gateway: one nginx in front of the models, routing
 * `/<model>/…` to the model's service by name on the project network, and
 * refusing every request without the bearer token. The config holds the
 * token, so it reaches the container as a secret file.
 */

export interface GatewayRoute {
  /** Model (service) name: the route prefix and the upstream host. */
  name: string;
  /** Port the model listens on inside the network. */
  port: number;
}

/** The nginx `conf.d` file. `token` must match `[A-Za-z0-9._~+/=-]+` (checked by the options schema). */
export function gatewayConfig(token: string, routes: GatewayRoute[]): string {
  const locations = routes.map(
    (r) => `
  location /${r.name}/ {
    proxy_pass http://${r.name}:${r.port}/;
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
  listen 8080;
  server_tokens off;
  client_max_body_size 64m;

  location = /healthz {
    return 200 "ok\\n";
  }

  # Everything else needs the token.
  if ($http_authorization != "Bearer ${token}") {
    return 401;
  }
${locations.join('\n')}

  location / {
    return 404;
  }
}
`;
}
