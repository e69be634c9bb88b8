/**
 * Compose keys that only newer engines can act on, and the Engine API
 * version each needs. An engine that speaks an older API silently ignores
 * the fields it does not know, so such a key would be dropped without a
 * word; instead `up` checks the project against the engine's API version
 * and refuses it, before anything is pulled or created, naming every key.
 *
 * Pure: the caller says which API version the engine speaks.
 */
import { ModelstackError } from '../errors.js';
import { formatPosition } from '../compose/errors.js';
import type { Project, Service } from '../compose/model.js';
import { sourceOf } from '../compose/sources.js';

/** A key of one service that needs a newer engine. */
export interface EngineRequirement {
  service: string;
  /** The key as Compose writes it: `healthcheck.start_interval`, `volumes[1].volume.subpath`. */
  keyPath: string;
  /** Engine API version that acts on it. */
  apiVersion: string;
  /** The first Docker release with that API (for the message). */
  docker: string;
}

interface Rule {
  apiVersion: string;
  docker: string;
  /** Key paths of `service` that need the rule's version. */
  find(service: Service): string[];
}

const RULES: Rule[] = [
  { apiVersion: '1.43', docker: '24.0', find: (s) => (s.annotations && Object.keys(s.annotations).length ? ['annotations'] : []) },
  { apiVersion: '1.44', docker: '25.0', find: (s) => (s.healthcheck?.start_interval !== undefined && !s.healthcheck.disable ? ['healthcheck.start_interval'] : []) },
  { apiVersion: '1.44', docker: '25.0', find: (s) => perNetwork(s, (n) => n?.mac_address !== undefined && n.mac_address !== '', 'mac_address') },
  {
    apiVersion: '1.45',
    docker: '26.0',
    find: (s) => (s.volumes ?? []).flatMap((v, i) => (v.type === 'volume' && v.volume?.subpath ? [`volumes[${i}].volume.subpath`] : [])),
  },
  { apiVersion: '1.48', docker: '28.0', find: (s) => perNetwork(s, (n) => n?.gw_priority !== undefined, 'gw_priority') },
  { apiVersion: '1.48', docker: '28.0', find: (s) => perNetwork(s, (n) => Boolean(n?.interface_name), 'interface_name') },
];

function perNetwork(service: Service, has: (n: NonNullable<Service['networks']>[string]) => boolean, key: string): string[] {
  return Object.entries(service.networks ?? {}).flatMap(([name, n]) => (has(n) ? [`networks.${name}.${key}`] : []));
}

/** Every key of `services` (default: all) that an engine speaking `apiVersion` could not act on. */
export function unmetEngineRequirements(project: Project, apiVersion: string, services = Object.keys(project.services)): EngineRequirement[] {
  const out: EngineRequirement[] = [];
  for (const name of services) {
    const service = project.services[name];
    if (!service) continue;
    for (const rule of RULES) {
      if (compareApiVersions(apiVersion, rule.apiVersion) >= 0) continue;
      for (const keyPath of rule.find(service)) out.push({ service: name, keyPath, apiVersion: rule.apiVersion, docker: rule.docker });
    }
  }
  return out;
}

/** Compares two API versions (`1.41` < `1.44` < `1.100`): negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The engine the project is meant for, as the message names it. */
export interface EngineDescription {
  address: string;
  /** Docker version (`20.10.24`). */
  version: string;
  /** The API version modelstack talks to it. */
  apiVersion: string;
}

/**
 * The project uses keys the engine cannot act on (it would ignore them
 * silently). Thrown before anything is created. Code `ENGINE_TOO_OLD`.
 */
export class EngineTooOldError extends ModelstackError {
  constructor(readonly requirements: EngineRequirement[], readonly engine: EngineDescription, project: Project) {
    const lines = requirements.map((r) => {
      const at = sourceOf(project, ['services', r.service, ...parseKeyPath(r.keyPath)]);
      return `${at ? `${formatPosition(at)}: ` : ''}services.${r.service}.${r.keyPath}: needs Engine API ${r.apiVersion} (Docker ${r.docker} or later)`;
    });
    const engineLine = `the engine at ${engine.address} is Docker ${engine.version} (API ${engine.apiVersion}), which would ignore ${requirements.length === 1 ? 'it' : 'them'}; remove ${requirements.length === 1 ? 'the key' : 'these keys'} or use a newer engine`;
    super('ENGINE_TOO_OLD', lines.length === 1 ? `${lines[0]}; ${engineLine}` : `${lines.length} keys need a newer engine:\n${lines.map((l) => `  ${l}`).join('\n')}\n${engineLine}`);
  }
}

/** `networks.back.mac_address` → `['networks', 'back', 'mac_address']`; `volumes[1].volume` → `['volumes', 1, 'volume']`. */
function parseKeyPath(keyPath: string): Array<string | number> {
  return keyPath.split('.').flatMap((part) => {
    const m = /^([^[]+)\[(\d+)\]$/.exec(part);
    return m ? [m[1]!, Number(m[2])] : [part];
  });
}
