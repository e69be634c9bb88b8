/**
 * The `ports:` short syntax, `[[HOST_IP:]HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`,
 * parsed the way Docker's own parser (go-connections `nat.ParsePortSpec`,
 * which Compose uses) reads it:
 *
 * - `"3000"`: container port 3000, host port chosen by the daemon (no `published`).
 * - `"3000-3005"`: six container ports, each with a daemon-chosen host port.
 * - `"8080:80"`, `"127.0.0.1:8080:80"`, `"[::1]:8080:80"`, `"127.0.0.1::80"` (host IP, daemon port).
 * - `"9090-9091:8080-8081"`: ranges of the same length pair up one to one.
 * - `"12400-12500:1240"`: one container port, a host range to pick a free port from
 *   (published stays `"12400-12500"`).
 * - `/tcp` (default), `/udp`, `/sctp`.
 *
 * One difference: container ports of a range come out in numeric order;
 * Docker sorts them as strings (`10, 8, 9`).
 *
 * @module
 */

/** One port in Compose's long syntax, before defaults are printed. */
export interface PortSpec {
  target: number;
  published?: string;
  host_ip?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  mode: 'ingress';
}

/** A short-syntax port that cannot be read; `message` says what is wrong. */
export class PortSyntaxError extends Error {
  override name = 'PortSyntaxError';
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/**
 * Expands one short-syntax port into long-syntax entries.
 *
 * @throws PortSyntaxError when the text is not a port specification.
 */
export function parsePortSpec(raw: string): PortSpec[] {
  const { ip: rawIp, host, container: containerWithProto } = splitParts(raw);
  const slash = containerWithProto.lastIndexOf('/');
  const container = slash >= 0 ? containerWithProto.slice(0, slash) : containerWithProto;
  const protocol = (slash >= 0 ? containerWithProto.slice(slash + 1) : 'tcp').toLowerCase();

  let ip = rawIp;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new PortSyntaxError(`invalid IP address ${rawIp}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIpAddress(ip)) throw new PortSyntaxError(`invalid IP address ${JSON.stringify(rawIp)}`);
  if (container === '') throw new PortSyntaxError('no container port given');
  const [start, end] = parseRange(container, 'container port');
  // Compose refuses it too ("missing a target port"): port 0 is no port a container listens on.
  if (start === 0) throw new PortSyntaxError('container port 0 is not a port; a container listens on a port from 1 to 65535');
  let hostStart = 0;
  let hostEnd = 0;
  if (host !== '') [hostStart, hostEnd] = parseRange(host, 'host port');
  if (host !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new PortSyntaxError(`the container port range ${container} and the host port range ${host} differ in length`);
  }
  if (!PROTOCOLS.has(protocol)) throw new PortSyntaxError(`unknown protocol ${JSON.stringify(protocol)} (use tcp, udp or sctp)`);

  const out: PortSpec[] = [];
  for (let i = 0; i <= end - start; i++) {
    const spec: PortSpec = { target: start + i, protocol: protocol as PortSpec['protocol'], mode: 'ingress' };
    if (host !== '') {
      spec.published = start === end && hostStart !== hostEnd ? `${hostStart}-${hostEnd}` : String(hostStart + i);
    }
    if (ip !== '') spec.host_ip = ip;
    out.push(spec);
  }
  return out;
}

function splitParts(raw: string): { ip: string; host: string; container: string } {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1] ?? '';
  switch (n) {
    case 1:
      return { ip: '', host: '', container };
    case 2:
      return { ip: '', host: parts[0] ?? '', container };
    case 3:
      return { ip: parts[0] ?? '', host: parts[1] ?? '', container };
    default:
      // An IPv6 address: everything before the last two parts.
      return { ip: parts.slice(0, n - 2).join(':'), host: parts[n - 2] ?? '', container };
  }
}

function parseRange(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new PortSyntaxError(`invalid ${what} ${JSON.stringify(text)}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535) throw new PortSyntaxError(`${what} ${text} is out of range (0-65535)`);
  if (end < start) throw new PortSyntaxError(`invalid ${what} range ${text} (end before start)`);
  return [start, end];
}

/** A syntactic IPv4 or IPv6 address check (what `net.ParseIP` accepts). */
export function isIpAddress(s: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255);
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const doubles = s.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = s.split(':').filter((g) => g !== '');
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last?.includes('.')) {
    if (!isIpAddress(last)) return false;
    count += 1; // an embedded IPv4 takes two groups
  }
  if (groups.some((g) => !g.includes('.') && !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return doubles === 1 ? count < 8 : count === 8;
}
