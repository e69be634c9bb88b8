/**
 * `DOCKER_HOST=ssh://user@host:port` against a real SSH server: a private
 * `sshd` (Debian's openssh-server) on a free 127.0.0.1 port with its own
 * config and host key in a temp folder, key-only login for root, started
 * and stopped (by pid) here. On the remote side `docker` (first on the
 * session's PATH) is a wrapper that records its arguments and runs the real
 * CLI against the engine under test, so `docker system dial-stdio` — what
 * the Docker CLI runs over SSH, and dockerode too — reaches it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, EngineUnreachableError } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, docker, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { freePort } from '../../helpers/ports.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
/** Each request starts `docker` on the remote side; on a busy machine that takes seconds. */
const SLOW = 180_000;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('ssh:// hosts (a private sshd on 127.0.0.1)', () => {
  let dir: string;
  let port: number;
  let host: string;
  let sshd: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let hostKeyLine: string;
  let engineVersion: string;
  const label = uniqueName('ms-ssh');
  /** The engine under test, as the remote docker must reach it. */
  const target = process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock';

  /** A home folder with `files` under .ssh (0600), for one client. */
  function home(name: string, files: Record<string, string>): string {
    const h = path.join(dir, name);
    mkdirSync(path.join(h, '.ssh'), { recursive: true, mode: 0o700 });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(h, '.ssh', file), text, { mode: 0o600 });
    return h;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ms-sshd-'));
    port = await freePort();
    host = `ssh://root@127.0.0.1:${port}`;
    for (const name of ['host_key', 'client_key', 'other_key']) {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `modelstack-test-${name}`, '-f', path.join(dir, name)]);
    }
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')), { mode: 0o600 });
    hostKeyLine = `[127.0.0.1]:${port} ${readFileSync(path.join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
    // The remote `docker`: records its arguments, then runs the real CLI against the engine under test.
    mkdirSync(path.join(dir, 'bin'));
    const realDocker = (await run('sh', ['-c', 'command -v docker'])).stdout.trim();
    writeFileSync(
      path.join(dir, 'bin', 'docker'),
      `#!/bin/sh\necho "$*" >> '${path.join(dir, 'remote-docker.log')}'\nDOCKER_HOST='${target}' exec '${realDocker}' "$@"\n`,
    );
    chmodSync(path.join(dir, 'bin', 'docker'), 0o755);
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'host_key')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'UsePAM no',
        'StrictModes no',
        `SetEnv PATH=${path.join(dir, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
        '',
      ].join('\n'),
    );
    // sshd's privilege-separation folder (Debian's service makes it at boot).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdLog = '';
    sshd.stderr?.on('data', (c: Buffer) => (sshdLog += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (sshd.exitCode !== null) throw new Error(`sshd exited (${sshd.exitCode}): ${sshdLog}`);
      if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${sshdLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    engineVersion = (await docker('version', '--format', '{{.Server.Version}}')).trim();
  });

  afterAll(async () => {
    await removeLabelled(await Engine.connect(), `${TEST_LABEL}=${label}`).catch(() => undefined);
    await stop(agent);
    await stop(sshd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('DOCKER_HOST=ssh://root@127.0.0.1:PORT with the key in ~/.ssh: the engine answers through docker system dial-stdio', async () => {
    const env = { DOCKER_HOST: host, HOME: home('keyfile', { id_ed25519: readFileSync(path.join(dir, 'client_key'), 'utf8'), known_hosts: hostKeyLine }) };
    const engine = await Engine.connect({ env });
    expect(engine.address).toBe(`ssh://root@127.0.0.1:${port}`);
    expect(engine.info?.version).toBe(engineVersion);
    expect(readFileSync(path.join(dir, 'remote-docker.log'), 'utf8')).toMatch(/^system dial-stdio$/m);

    // A container made over SSH lands on the engine, and a hijacked stream (exec) works through the tunnel.
    const name = `${label}-c`;
    const id = await engine.containers.create({ name, image: BUSYBOX, command: ['sleep', '60'], labels: { [TEST_LABEL]: label } });
    expect((await docker('ps', '-a', '--filter', `label=${TEST_LABEL}=${label}`, '--format', '{{.Names}}')).trim()).toBe(name);
    await engine.containers.start(id);
    const result = await engine.containers.exec(id, ['sh', '-c', 'echo over-ssh; exit 3']);
    expect([result.exitCode, result.stdout.trim()]).toEqual([3, 'over-ssh']);
    await engine.containers.remove(id, { force: true });
    expect((await docker('ps', '-a', '--filter', `label=${TEST_LABEL}=${label}`, '--format', '{{.Names}}')).trim()).toBe('');
  }, SLOW);

  it('the key from ssh-agent (SSH_AUTH_SOCK), with no key file at all', async () => {
    const sock = path.join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!existsSync(sock)) {
      if (Date.now() > deadline) throw new Error('ssh-agent did not make its socket');
      await new Promise((r) => setTimeout(r, 20));
    }
    await run('ssh-add', ['-q', path.join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    const engine = await Engine.connect({ host, env: { SSH_AUTH_SOCK: sock, HOME: home('agent', { known_hosts: hostKeyLine }) } });
    expect(engine.info?.version).toBe(engineVersion);
  }, SLOW);

  it.each([
    ['a host not in known_hosts is refused, with the command that adds it', () => '', /not in .*known_hosts; add its key after checking it \(ssh-keyscan -p \d+ 127\.0\.0\.1/],
    ['a changed host key is refused', () => `[127.0.0.1]:${port} ${readFileSync(path.join(dir, 'other_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`, /does not match the one in .*known_hosts/],
  ])('%s', async (_name, knownHosts, message) => {
    const env = { HOME: home(uniqueName('kh'), { id_ed25519: readFileSync(path.join(dir, 'client_key'), 'utf8'), known_hosts: knownHosts() }) };
    const err = await Engine.connect({ host, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect((err as Error).message).toMatch(message);
  });

  it('a key the server does not accept: an error naming the address', async () => {
    const env = { HOME: home('wrong-key', { id_ed25519: readFileSync(path.join(dir, 'other_key'), 'utf8'), known_hosts: hostKeyLine }) };
    const err = await Engine.connect({ host, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect((err as Error).message).toMatch(new RegExp(`no Docker engine answers at ssh://root@127\\.0\\.0\\.1:${port} \\(.*authentication`, 'i'));
  });
});
