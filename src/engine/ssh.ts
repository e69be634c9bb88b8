/**
 * How an `ssh://` Docker host is reached: dockerode opens an SSH connection
 * (the `ssh2` library, not the `ssh` binary) and runs `docker system
 * dial-stdio` on the remote side, as the Docker CLI does. This file decides
 * who we log in as, with which keys, and whether we trust the server — the
 * parts of the `ssh` binary's defaults the Docker CLI relies on:
 *
 * - user: the one in the URL, else `$USER` (not `~/.ssh/config`);
 * - keys: the ssh-agent at `$SSH_AUTH_SOCK` first, then the default identity
 *   files `~/.ssh/id_rsa`, `id_ecdsa`, `id_ed25519` (unencrypted ones: there
 *   is no one to ask for a passphrase);
 * - host key: must match an entry for the host (`[host]:port` for a port
 *   other than 22, plain or hashed) in `~/.ssh/known_hosts` or
 *   `/etc/ssh/ssh_known_hosts`; an unknown or changed key is refused, as the
 *   `ssh` binary does when it cannot ask.
 *
 * dockerode (docker-modem) opens one SSH connection per request and closes it
 * with the answer, so each request costs a login, and sshd's `MaxStartups`
 * (10 logins in progress by default) may drop some when many requests run at once.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import path from 'node:path';
import { type ClientEnv, homeDir } from './docker-config.js';

/**
 * ssh2 (about twenty module files), required on the first `ssh://` host
 * rather than imported by every command that reaches an engine.
 */
function ssh2(): typeof import('ssh2') {
  return createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
}

/** Default identity files, in the order the `ssh` binary tries them. */
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

type AuthMethod = { type: 'agent'; username: string; agent: string } | { type: 'publickey'; username: string; key: Buffer };

/** What dockerode's ssh agent passes to `ssh2`'s `Client.connect`, and who logs in. */
export interface SshConnect {
  username: string;
  connect: {
    authHandler: AuthMethod[];
    hostVerifier: (key: Buffer) => boolean;
    readyTimeout: number;
  };
  /** Why the last connection's host key was refused (for the error message), if it was. */
  refusal(): string | undefined;
}

/** The login, keys and host-key check for `ssh://[username@]host:port`. */
export function sshConnectOptions(options: { host: string; port: number; username?: string; env: ClientEnv }): SshConnect {
  const { host, port, env } = options;
  const username = options.username || env['USER'] || userInfo().username;
  const home = homeDir(env);
  const authHandler: AuthMethod[] = [];
  if (env['SSH_AUTH_SOCK']) authHandler.push({ type: 'agent', username, agent: env['SSH_AUTH_SOCK'] });
  for (const name of DEFAULT_IDENTITIES) {
    let key: Buffer;
    try {
      key = readFileSync(path.join(home, '.ssh', name));
    } catch {
      continue;
    }
    // An encrypted key (or one ssh2 cannot read) would end the attempt with an error; skip it.
    if (ssh2().utils.parseKey(key) instanceof Error) continue;
    authHandler.push({ type: 'publickey', username, key });
  }
  const files = [path.join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
  let refusal: string | undefined;
  return {
    username,
    connect: {
      authHandler,
      hostVerifier: (key) => {
        const verdict = checkKnownHost(files.map(readOrEmpty), host, port, key);
        refusal = verdict === 'known' ? undefined : verdict === 'changed'
          ? `the host key of ${hostPattern(host, port)} does not match the one in ${files[0]}; if the server really changed its key, remove the old line (ssh-keygen -R '${hostPattern(host, port)}')`
          : `${hostPattern(host, port)} is not in ${files[0]}; add its key after checking it (ssh-keyscan -p ${port} ${host} >> ${files[0]}), or connect once with ssh`;
        return verdict === 'known';
      },
      readyTimeout: 20_000,
    },
    refusal: () => refusal,
  };
}

/** The name a host has in `known_hosts`: `host`, or `[host]:port` off port 22. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Looks `key` (the server's raw public key blob) up in the `known_hosts`
 * texts: `known` when a line for the host carries it, `changed` when lines
 * for the host carry only other keys (or it is `@revoked`), `unknown` when no
 * line names the host. Hashed names (`|1|salt|hash`) and comma lists are read;
 * `@cert-authority` lines are not used (no certificates here).
 */
export function checkKnownHost(texts: string[], host: string, port: number, key: Buffer): 'known' | 'changed' | 'unknown' {
  const name = hostPattern(host, port);
  let seen = false;
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      let marker: string | undefined;
      if (fields[0]?.startsWith('@')) marker = fields.shift();
      const [names, , blob] = fields;
      if (!names || !blob || marker === '@cert-authority') continue;
      if (!names.split(',').some((n) => nameMatches(n, name))) continue;
      const matches = Buffer.from(blob, 'base64').equals(key);
      if (marker === '@revoked') {
        if (matches) return 'changed';
        continue;
      }
      if (matches) return 'known';
      seen = true;
    }
  }
  return seen ? 'changed' : 'unknown';
}

function nameMatches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return entry === name;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
