/**
 * Which engine modelstack talks to: the Docker CLI's rules (flag, DOCKER_HOST,
 * DOCKER_CONTEXT, currentContext, default, rootless), the context store's
 * layout, and how each kind of host address reads. The store is written
 * into a temp DOCKER_CONFIG, as `docker context create` lays it out.
 */
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextId, resolveEndpoint } from '../../../src/engine/endpoint.js';
import { parseDockerHost } from '../../../src/engine/docker-host.js';
import { checkKnownHost, sshConnectOptions } from '../../../src/engine/ssh.js';
import { DockerConfigError } from '../../../src/engine/errors.js';

// Made at import: the tables below name folders inside it.
const dir = mkdtempSync(path.join(tmpdir(), 'ms-endpoint-'));

function writeContext(configDir: string, name: string, host: string, extra: { skip?: boolean; tls?: boolean } = {}): void {
  const id = contextId(name);
  mkdirSync(path.join(configDir, 'contexts', 'meta', id), { recursive: true });
  writeFileSync(
    path.join(configDir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: extra.skip ?? false } } }),
  );
  if (extra.tls) {
    const tls = path.join(configDir, 'contexts', 'tls', id, 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tls, f), `${name} ${f}`);
  }
}

beforeAll(() => {
  writeContext(dir, 'other', 'unix:///run/other.sock');
  writeContext(dir, 'current', 'unix:///run/current.sock');
  writeContext(dir, 'remote-tls', 'tcp://docker.example:2376', { tls: true });
  writeContext(dir, 'remote-skip', 'tcp://docker.example', { skip: true });
  writeContext(dir, 'over-ssh', 'ssh://deploy@docker.example:2222');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'current' }));
  mkdirSync(path.join(dir, 'empty'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveEndpoint: which context, as the Docker CLI chooses', () => {
  // [case, options (env uses DOCKER_CONFIG=dir unless it says otherwise), expected address, context, source]
  const cases: Array<[string, { host?: string; context?: string; env: Record<string, string> }, string, string, string]> = [
    ['config.json currentContext', { env: {} }, 'unix:///run/current.sock', 'current', 'currentContext'],
    ['DOCKER_CONTEXT beats currentContext', { env: { DOCKER_CONTEXT: 'other' } }, 'unix:///run/other.sock', 'other', 'DOCKER_CONTEXT'],
    ['DOCKER_HOST beats DOCKER_CONTEXT', { env: { DOCKER_CONTEXT: 'other', DOCKER_HOST: 'unix:///run/env.sock' } }, 'unix:///run/env.sock', 'default', 'DOCKER_HOST'],
    ['DOCKER_HOST beats currentContext', { env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' } }, 'tcp://10.0.0.1:2375', 'default', 'DOCKER_HOST'],
    ['--context beats DOCKER_HOST', { context: 'other', env: { DOCKER_HOST: 'unix:///run/env.sock' } }, 'unix:///run/other.sock', 'other', '--context'],
    ['--context beats DOCKER_CONTEXT', { context: 'other', env: { DOCKER_CONTEXT: 'current' } }, 'unix:///run/other.sock', 'other', '--context'],
    ['--context default means DOCKER_HOST', { context: 'default', env: { DOCKER_HOST: 'unix:///run/env.sock' } }, 'unix:///run/env.sock', 'default', 'DOCKER_HOST'],
    ['DOCKER_CONTEXT=default ignores currentContext', { env: { DOCKER_CONTEXT: 'default' } }, 'unix:///var/run/docker.sock', 'default', 'DOCKER_CONTEXT'],
    ['an explicit host beats every context', { host: 'unix:///run/flag.sock', env: { DOCKER_CONTEXT: 'other', DOCKER_HOST: 'unix:///run/env.sock' } }, 'unix:///run/flag.sock', 'default', 'host'],
    ['an empty DOCKER_HOST is unset', { env: { DOCKER_HOST: '', DOCKER_CONTEXT: 'other' } }, 'unix:///run/other.sock', 'other', 'DOCKER_CONTEXT'],
    ['no config.json: the default socket', { env: { DOCKER_CONFIG: 'EMPTY' } }, 'unix:///var/run/docker.sock', 'default', 'default'],
    ['HOME/.docker when DOCKER_CONFIG is unset', { env: { DOCKER_CONFIG: '', HOME: 'HOME' } }, 'unix:///run/current.sock', 'current', 'currentContext'],
  ];
  it.each(cases)('%s', (_name, options, address, context, source) => {
    const env: Record<string, string> = { DOCKER_CONFIG: dir, ...options.env };
    if (env['DOCKER_CONFIG'] === 'EMPTY') env['DOCKER_CONFIG'] = path.join(dir, 'empty');
    if (env['HOME'] === 'HOME') {
      // A home (inside the temp folder, removed with it) whose .docker is the store above.
      const home = mkdtempSync(path.join(dir, 'home-'));
      symlinkSync(dir, path.join(home, '.docker'));
      env['HOME'] = home;
    }
    const r = resolveEndpoint({ ...options, env, exists: () => true });
    expect([r.address, r.context, r.source]).toEqual([address, context, source]);
  });

  it('a context with TLS material speaks HTTPS with it; SkipTLSVerify gives an agent that accepts any certificate', () => {
    const tls = resolveEndpoint({ context: 'remote-tls', env: { DOCKER_CONFIG: dir } });
    expect(tls.address).toBe('tcp://docker.example:2376');
    expect(tls.dockerOptions).toMatchObject({ protocol: 'https', host: 'docker.example', port: '2376' });
    expect(String(tls.dockerOptions.ca)).toBe('remote-tls ca.pem');
    expect(String(tls.dockerOptions.cert)).toBe('remote-tls cert.pem');
    expect(String(tls.dockerOptions.key)).toBe('remote-tls key.pem');
    const skip = resolveEndpoint({ context: 'remote-skip', env: { DOCKER_CONFIG: dir } });
    expect(skip.dockerOptions).toMatchObject({ protocol: 'https', port: '2376' });
    expect((skip.dockerOptions as { agent?: { options: { rejectUnauthorized?: boolean } } }).agent?.options.rejectUnauthorized).toBe(false);
    // A context without either is plain TCP.
    writeContext(dir, 'plain', 'tcp://docker.example');
    expect(resolveEndpoint({ context: 'plain', env: { DOCKER_CONFIG: dir } }).dockerOptions).toMatchObject({ protocol: 'http', port: '2375' });
  });

  it('a context over SSH: user, host and port from the context', () => {
    const r = resolveEndpoint({ context: 'over-ssh', env: { DOCKER_CONFIG: dir, HOME: path.join(dir, 'empty') } });
    expect(r.address).toBe('ssh://deploy@docker.example:2222');
    expect(r.dockerOptions).toMatchObject({ protocol: 'ssh', host: 'docker.example', port: '2222', username: 'deploy' });
  });

  it.each([
    ['an unknown context names where it came from and the contexts there are', { env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'nope' } }, /context "nope" \(from DOCKER_CONTEXT\) does not exist .*contexts: default, current, other/],
    ['an unknown current context names config.json', { env: { DOCKER_CONFIG: path.join(dir, 'bad-current') } }, /context "gone" \(from currentContext in .*config\.json\) does not exist/],
    ['host and context together are refused, as the CLI refuses -H with --context', { host: 'unix:///x', context: 'other', env: { DOCKER_CONFIG: dir } }, /conflicting options/],
    ['a config.json that is not JSON names the file', { env: { DOCKER_CONFIG: path.join(dir, 'broken') } }, /broken\/config\.json is not valid JSON/],
  ] as const)('%s', (_name, options, message) => {
    mkdirSync(path.join(dir, 'bad-current'), { recursive: true });
    writeFileSync(path.join(dir, 'bad-current', 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    mkdirSync(path.join(dir, 'broken'), { recursive: true });
    writeFileSync(path.join(dir, 'broken', 'config.json'), '{ "auths": ');
    const err = (() => {
      try {
        resolveEndpoint(options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DockerConfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('resolveEndpoint: the rootless socket', () => {
  const env = { DOCKER_CONFIG: '/nonexistent', XDG_RUNTIME_DIR: '/run/user/1000' };
  it.each([
    ['default socket present: it wins', ['/var/run/docker.sock', '/run/user/1000/docker.sock'], 'unix:///var/run/docker.sock', 'default'],
    ['default socket absent, rootless present: rootless', ['/run/user/1000/docker.sock'], 'unix:///run/user/1000/docker.sock', 'rootless'],
    ['neither: the default socket (its error names it)', [], 'unix:///var/run/docker.sock', 'default'],
  ])('%s', (_name, present, address, source) => {
    const r = resolveEndpoint({ env, exists: (f) => present.includes(f) });
    expect([r.address, r.source]).toEqual([address, source]);
  });
  it('DOCKER_HOST, or no XDG_RUNTIME_DIR: no discovery', () => {
    expect(resolveEndpoint({ env: { ...env, DOCKER_HOST: 'unix:///run/x.sock' }, exists: (f) => f.startsWith('/run/user') }).address).toBe('unix:///run/x.sock');
    expect(resolveEndpoint({ env: { DOCKER_CONFIG: '/nonexistent' }, exists: () => false }).address).toBe('unix:///var/run/docker.sock');
  });
});

describe('parseDockerHost', () => {
  // [host, address, dockerode options it must contain]
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['unix:///run/d.sock', 'unix:///run/d.sock', { socketPath: '/run/d.sock', host: undefined }],
    ['unix://', 'unix:///var/run/docker.sock', { socketPath: '/var/run/docker.sock' }],
    ['npipe:////./pipe/docker_engine', 'npipe:////./pipe/docker_engine', { socketPath: '//./pipe/docker_engine', host: undefined }],
    ['npipe:////./pipe/dockerDesktopLinuxEngine', 'npipe:////./pipe/dockerDesktopLinuxEngine', { socketPath: '//./pipe/dockerDesktopLinuxEngine' }],
    ['npipe://', 'npipe:////./pipe/docker_engine', { socketPath: '//./pipe/docker_engine' }],
    ['tcp://10.1.2.3:2375', 'tcp://10.1.2.3:2375', { host: '10.1.2.3', port: '2375', protocol: 'http', socketPath: undefined }],
    ['tcp://docker.example', 'tcp://docker.example:2375', { port: '2375', protocol: 'http' }],
    ['docker.example:4243', 'tcp://docker.example:4243', { host: 'docker.example', port: '4243' }],
    ['https://docker.example', 'https://docker.example:2376', { protocol: 'https', port: '2376' }],
    ['ssh://deploy@docker.example', 'ssh://deploy@docker.example', { protocol: 'ssh', host: 'docker.example', port: '22', username: 'deploy', socketPath: undefined }],
    ['ssh://docker.example:2222', 'ssh://alice@docker.example:2222', { protocol: 'ssh', port: '2222', username: 'alice' }],
  ];
  it.each(cases)('%s', (host, address, options) => {
    const r = parseDockerHost(host, { env: { USER: 'alice', HOME: '/nonexistent' } });
    expect(r.address).toBe(address);
    expect(r.dockerOptions).toMatchObject(options);
  });
  it.each([
    ['fd://', /systemd/],
    ['ssh://u:secret@h', /carries a password/],
    ['ssh://u@h/path', /has a path/],
    ['ftp://h', /unsupported scheme ftp:/],
    ['tcp://', /not an address|names no host/],
  ])('%s is refused', (host, message) => {
    expect(() => parseDockerHost(host)).toThrow(message);
  });
  it("SSH login: the URL's user, else $USER; the agent first, then the unencrypted default keys in the order ssh tries them", () => {
    const home = mkdtempSync(path.join(tmpdir(), 'ms-ssh-home-'));
    try {
      mkdirSync(path.join(home, '.ssh'));
      for (const [type, file] of [['ed25519', 'id_ed25519'], ['rsa', 'id_rsa']]) {
        execFileSync('ssh-keygen', ['-q', '-t', type!, '-N', '', '-f', path.join(home, '.ssh', file!)]);
      }
      execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', 'secret', '-f', path.join(home, '.ssh', 'id_ecdsa')]);
      const ssh = sshConnectOptions({ host: 'h', port: 22, env: { USER: 'alice', SSH_AUTH_SOCK: '/tmp/agent.sock', HOME: home } });
      expect(ssh.username).toBe('alice');
      expect(ssh.connect.authHandler.map((m) => m.type)).toEqual(['agent', 'publickey', 'publickey']);
      expect(ssh.connect.authHandler[1]).toMatchObject({ username: 'alice', key: readFileSync(path.join(home, '.ssh', 'id_rsa')) });
      expect(ssh.connect.authHandler[2]).toMatchObject({ key: readFileSync(path.join(home, '.ssh', 'id_ed25519')) });
      expect(sshConnectOptions({ host: 'h', port: 22, username: 'deploy', env: { USER: 'alice', HOME: '/nonexistent' } }).connect.authHandler).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('checkKnownHost', () => {
  const key = Buffer.from('the-server-key');
  const other = Buffer.from('another-key');
  const b64 = key.toString('base64');
  // `|1|salt|hmac` for "[127.0.0.1]:2222", computed as ssh-keygen -H does.
  const salt = Buffer.from('0123456789abcdefghij');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[127.0.0.1]:2222').digest('base64')}`;
  it.each([
    ['plain name, port 22', `h ssh-ed25519 ${b64}`, 'h', 22, key, 'known'],
    ['[host]:port off port 22', `[127.0.0.1]:2222 ssh-ed25519 ${b64}`, '127.0.0.1', 2222, key, 'known'],
    ['a plain name does not match another port', `127.0.0.1 ssh-ed25519 ${b64}`, '127.0.0.1', 2222, key, 'unknown'],
    ['comma list', `a,[127.0.0.1]:2222 ssh-ed25519 ${b64}`, '127.0.0.1', 2222, key, 'known'],
    ['hashed name', `${hashed} ssh-ed25519 ${b64}`, '127.0.0.1', 2222, key, 'known'],
    ['a different key for the host', `h ssh-ed25519 ${b64}`, 'h', 22, other, 'changed'],
    ['revoked key', `@revoked h ssh-ed25519 ${b64}\nh ssh-ed25519 ${b64}`, 'h', 22, key, 'changed'],
    ['not listed', `# comment\nelse ssh-ed25519 ${b64}`, 'h', 22, key, 'unknown'],
  ] as const)('%s', (_name, text, host, port, presented, verdict) => {
    expect(checkKnownHost([text], host, port, presented)).toBe(verdict);
  });
});
