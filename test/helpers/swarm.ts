/**
 * The swarm lab for tests: a real 3-node Docker Swarm (scripts/swarm-lab.sh)
 * of Docker 26.1 engines in network namespaces on a private bridge. Node 1 is
 * the manager; tests talk to its socket (`managerHost`), and to the nodes only
 * at their bridge addresses (host-mode published ports). No registry is
 * reachable from the nodes: images are loaded into every node with `load`.
 * The kernel has no IPVS: use `endpoint_mode: dnsrr` and host-mode ports, not
 * service VIPs or the ingress mesh.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/swarm-lab.sh', import.meta.url));
const HOW_TO_START =
  'Start it as root with `bash scripts/swarm-lab.sh setup`, then load the images the tests use: ' +
  '`bash scripts/swarm-lab.sh load modelstack-test/busybox:latest` (`npm test` does both in scripts/test-setup.sh).';

/** One node of the lab. */
export interface SwarmLabNode {
  /** Its hostname, which is its node name in the swarm: `ms-sw2`. */
  name: string;
  /** Its address on the lab's bridge, reachable from the host: `10.241.0.12`. */
  address: string;
  /** Its own engine: `unix:///run/modelstack/swarm/n2/docker.sock`. */
  host: string;
}

/** The running lab. Nodes are numbered from 1, as the script counts them: `nodes[n - 1]`. */
export interface SwarmLab {
  /** The manager's engine (node 1), for `Engine.connect({ host })`. */
  managerHost: string;
  nodes: SwarmLabNode[];
  /** SIGKILLs node n's engine (its containers keep running, as after an engine crash); the manager marks it Down in ~2-4 s. */
  nodeKill(n: number): Promise<void>;
  /** Cold-boots node n's engine again; resolves once the node is back in the swarm and the manager sees it Ready. */
  nodeStart(n: number): Promise<void>;
  /** Copies images from the main engine into every node (skips those every node already has). */
  load(images: string[]): Promise<void>;
  /** HTTP GET to a port published on a lab node (`http://10.241.0.12:PORT/...`); refuses any other address. */
  httpGet(url: string, init?: RequestInit): Promise<{ status: number; body: string }>;
}

/** The lab is not up and healthy (3 nodes Ready); the message says how to start it. */
export class SwarmLabUnavailableError extends Error {
  override name = 'SwarmLabUnavailableError';
}

async function script(args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await exec('bash', [SCRIPT, ...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string; killed?: boolean };
    const detail = e.killed ? `no result within ${timeoutMs} ms` : (e.stderr?.trim() || e.message);
    throw new Error(`swarm-lab.sh ${args.join(' ')} failed: ${detail}`, { cause: err });
  }
}

/**
 * The running lab, checked: 3 nodes Ready, node 1 the leader. Throws
 * {@link SwarmLabUnavailableError} saying how to start it when it is not.
 */
export async function swarmLab(): Promise<SwarmLab> {
  let vars: Map<string, string>;
  try {
    await script(['check'], 30_000);
    const out = await script(['env'], 10_000);
    vars = new Map(out.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  } catch (err) {
    // check says `the swarm lab is not up: <why>. Start it with: ...`
    const message = (err as Error).message;
    const why = /not up: (.*?)\. Start it with/s.exec(message)?.[1] ?? message;
    throw new SwarmLabUnavailableError(`The swarm lab is not available: ${why}. ${HOW_TO_START}`, { cause: err });
  }
  const list = (key: string): string[] => (vars.get(key) ?? '').split(',').filter(Boolean);
  const [names, addresses, hosts] = [list('MODELSTACK_SWARM_NODE_NAMES'), list('MODELSTACK_SWARM_NODE_ADDRESSES'), list('MODELSTACK_SWARM_NODE_HOSTS')];
  const managerHost = vars.get('DOCKER_HOST');
  if (!managerHost || names.length === 0 || addresses.length !== names.length || hosts.length !== names.length) {
    throw new SwarmLabUnavailableError(`swarm-lab.sh env printed no usable topology:\n${[...vars].map(([k, v]) => `${k}=${v}`).join('\n')}`);
  }
  const nodes = names.map((name, i) => ({ name, address: addresses[i]!, host: hosts[i]! }));
  const nodeNumber = (n: number): string => {
    if (!Number.isInteger(n) || n < 1 || n > nodes.length) throw new RangeError(`swarm lab nodes are numbered 1..${nodes.length}, not ${n}`);
    return String(n);
  };
  return {
    managerHost,
    nodes,
    nodeKill: async (n) => void (await script(['node-kill', nodeNumber(n)], 30_000)),
    nodeStart: async (n) => void (await script(['node-start', nodeNumber(n)], 120_000)),
    load: async (images) => void (await script(['load', ...images], 600_000)),
    async httpGet(url, init = {}) {
      const { hostname } = new URL(url);
      if (!addresses.includes(hostname)) throw new Error(`swarm tests only talk to the lab's nodes (${addresses.join(', ')}), not ${url}`);
      const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(5_000) });
      return { status: res.status, body: await res.text() };
    },
  };
}
