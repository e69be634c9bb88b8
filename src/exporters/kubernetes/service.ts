/**
 * A Compose service → the Kubernetes Service that gives it its DNS name.
 *
 * In Compose every service is reachable by its name on the project
 * network; in Kubernetes a name needs a Service. So each service gets one:
 * a ClusterIP Service with a port per published or exposed container port
 * (`port` = `targetPort` = the container port, so `http://db:5432` works in
 * the cluster as on the Compose network), or a headless one
 * (`clusterIP: None`) for `endpoint_mode: dnsrr` — DNS round robin over
 * the pods, as Swarm does — and for services with no ports (a name and
 * nothing else; it also governs a StatefulSet).
 */
import type { Service as ComposeService } from '../../compose/model.js';
import { exposedPorts, portNameOf, protocolOf } from './container.js';
import type { ExportContext } from './context.js';
import type { Service, ServicePort } from './types.js';

/** The Service of Compose service `name`, or undefined for a Job without ports. */
export function serviceObject(
  ctx: ExportContext,
  name: string,
  objectName: string,
  service: ComposeService,
  selector: Record<string, string>,
  labels: Record<string, string>,
  isJob: boolean,
): Service | undefined {
  const ports: ServicePort[] = [];
  const seen = new Set<string>();
  const usedNames = new Set<string>();
  const add = (target: number, protocol: ServicePort['protocol'], composeName?: string, appProtocol?: string): void => {
    const key = `${target}/${protocol}`;
    if (seen.has(key)) return;
    seen.add(key);
    const portName = portNameOf(composeName, usedNames) ?? uniqueName(`${protocol.toLowerCase()}-${target}`, usedNames);
    ports.push({ name: portName, port: target, targetPort: target, protocol, ...(appProtocol ? { appProtocol } : {}) });
  };
  for (const port of service.ports ?? []) add(port.target, protocolOf(port.protocol), port.name, port.app_protocol);
  for (const [port, protocol] of exposedPorts(service.expose)) add(port, protocol);

  const published = (service.ports ?? []).filter((p) => p.mode !== 'host');
  if (published.length) {
    const shown = published.map((p) => `${p.host_ip ? `${p.host_ip}:` : ''}${p.published || '(any)'}->${p.target}`).join(', ');
    const first = published[0]!;
    ctx.warn(
      name,
      ['ports'],
      `published on this machine as ${shown}; the Service "${objectName}" is reachable inside the cluster only (port = container port). From outside: kubectl port-forward service/${objectName} ${first.published?.split('-')[0] || first.target}:${first.target}, or make it a LoadBalancer or NodePort Service`,
    );
  }

  const dnsrr = service.deploy?.endpoint_mode === 'dnsrr';
  if (service.deploy?.endpoint_mode !== undefined) {
    if (dnsrr || service.deploy.endpoint_mode === 'vip') ctx.map(name, 'deploy.endpoint_mode');
    else ctx.warn(name, ['deploy', 'endpoint_mode'], `not exported: "${service.deploy.endpoint_mode}" is neither vip nor dnsrr`);
  }
  if (isJob && ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: objectName, ...(ctx.options.namespace ? { namespace: ctx.options.namespace } : {}), labels },
    spec: {
      ...(dnsrr || ports.length === 0 ? { clusterIP: 'None' as const } : { type: 'ClusterIP' as const }),
      selector,
      ...(ports.length ? { ports } : {}),
    },
  };
}

function uniqueName(wanted: string, used: Set<string>): string {
  let name = wanted;
  for (let n = 2; used.has(name); n++) name = `${wanted.slice(0, 14 - String(n).length)}-${n}`;
  used.add(name);
  return name;
}
