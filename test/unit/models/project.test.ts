/**
 * modelStackProject is pure: options in, an ordinary Compose project out.
 * Checked here: ports, limits, GPUs, secrets as files (never environment),
 * SSH wiring, the insecure opt-in, validation messages, host keys.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelStackConfigError, modelStackProject } from '../../../src/models/project.js';
import { generateHostKey, looksLikePublicKey, sshdDropIn } from '../../../src/models/ssh.js';
import { gatewayConfig } from '../../../src/models/gateway.js';
import { generatedSources, modelInfo, serviceWarning } from '../../../src/compose/extensions.js';
import { loadProject } from '../../../src/compose/load.js';
import type { Project } from '../../../src/compose/model.js';
import { serializeProject } from '../../../src/compose/serialize.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm5 user@host';
const three = { name: 'cs', workingDir: '/srv/cs', models: [{ name: 'intent' }, { name: 'sentiment' }, { name: 'ner' }] };

const published = (p: Project, service: string) => p.services[service]!.ports!.map((x) => `${x.host_ip}:${x.published ?? ''}->${x.target}`);

describe('modelStackProject', () => {
  it('follows the seed: Jupyter from 8888 and SSH from 2222 upward, one step per model, on 127.0.0.1', () => {
    const p = modelStackProject({ ...three, ssh: { authorizedKeys: KEY } });
    expect(published(p, 'intent')).toEqual(['127.0.0.1:8888->8888', '127.0.0.1:2222->22']);
    expect(published(p, 'sentiment')).toEqual(['127.0.0.1:8889->8888', '127.0.0.1:2223->22']);
    expect(published(p, 'ner')).toEqual(['127.0.0.1:8890->8888', '127.0.0.1:2224->22']);
  });

  it.each([
    [{ jupyter: 9000, ssh: 3000 }, ['127.0.0.1:9001->8888', '127.0.0.1:3001->22']],
    [{ jupyter: 0, ssh: 0 }, ['127.0.0.1:->8888', '127.0.0.1:->22']],
    [{ hostIp: '0.0.0.0' }, ['0.0.0.0:8889->8888', '0.0.0.0:2223->22']],
  ])('port options %j', (ports, expected) => {
    expect(published(modelStackProject({ ...three, ports, ssh: { authorizedKeys: KEY } }), 'sentiment')).toEqual(expected);
  });

  it('counts ports per flavour: the first serving model gets 8501/8500', () => {
    const p = modelStackProject({ workingDir: '/w', models: [{ name: 'a' }, { name: 'b', flavour: 'serving', modelDir: './b' }] });
    expect(published(p, 'b')).toEqual(['127.0.0.1:8501->8501', '127.0.0.1:8500->8500']);
    expect(p.services.b!.volumes).toEqual([{ type: 'bind', source: '/w/b', target: '/models/b', read_only: true }]);
    expect(p.services.b!.environment).toMatchObject({ MODEL_NAME: 'b', MODEL_BASE_PATH: '/models' });
  });

  it('mounts the code folder (created if missing) and applies the seed limits, overridable, with GPUs', () => {
    const p = modelStackProject({ ...three, models: [{ name: 'intent' }, { name: 'ner', code: '~/ner', resources: { memory: '1g' }, gpus: 'all' }] });
    expect(p.services.intent!.volumes).toEqual([{ type: 'bind', source: '/srv/cs/intent', target: '/tf/notebooks', bind: { create_host_path: true } }]);
    expect(p.services.intent!.deploy!.resources).toEqual({ limits: { cpus: 2, memory: 4 * 1024 ** 3 } });
    expect(p.services.ner!.deploy!.resources).toEqual({
      limits: { cpus: 2, memory: 1024 ** 3 },
      reservations: { devices: [{ driver: 'nvidia', count: -1, capabilities: ['gpu'] }] },
    });
    expect(p.services.intent!.restart).toBe('on-failure');
  });

  it('delivers every secret as a file; no service environment holds a token, key or password', () => {
    const p = modelStackProject({ ...three, ssh: { authorizedKeys: KEY, insecureRootPassword: 'pw-123456' }, gateway: { enabled: true, token: 'gateway-token-0123456789' } });
    const secretValues = Object.values(p.environment!);
    expect(secretValues).toEqual(expect.arrayContaining(['pw-123456', 'gateway-token-0123456789']));
    for (const [name, s] of Object.entries(p.services)) {
      const visible = JSON.stringify({ env: s.environment, cmd: s.command, entry: s.entrypoint, labels: s.labels });
      for (const v of secretValues) expect(visible, name).not.toContain(v.slice(0, 24));
    }
    expect(p.services.intent!.secrets!.map((s) => s.target)).toEqual(['/run/secrets/jupyter_token', '/etc/ssh/modelstack_host_key', '/run/secrets/root_password']);
    // Public keys are a config (not secret), still mode 600 as sshd wants.
    expect(p.services.intent!.configs!.find((s) => s.target === '/root/.ssh/authorized_keys')!.mode).toBe(0o600);
  });

  it('marks the insecure opt-in with a warning that every up repeats', () => {
    const insecure = modelStackProject({ ...three, ssh: { insecureRootPassword: 'pw-123456' } });
    expect(insecure.services.intent!.extensions!['x-modelstack-warning']).toMatch(/root password .*insecure opt-in/);
    const secure = modelStackProject({ ...three, ssh: { authorizedKeys: KEY } });
    expect(secure.services.intent!.extensions!['x-modelstack-warning']).toBeUndefined();
  });

  it('without SSH keys there is no sshd: the image entrypoint is left alone and port 22 is not published', () => {
    const p = modelStackProject(three);
    expect(p.services.intent!.entrypoint).toBeUndefined();
    expect(p.services.intent!.ports!.map((x) => x.target)).toEqual([8888]);
  });

  it('gives each model its own random token and host key', () => {
    const p = modelStackProject({ ...three, ssh: { authorizedKeys: KEY } });
    const tokens = ['INTENT', 'SENTIMENT', 'NER'].map((m) => p.environment![`MODELSTACK_${m}_JUPYTER_TOKEN`]);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{48}$/);
    expect(p.environment!.MODELSTACK_INTENT_SSH_HOST_KEY).not.toBe(p.environment!.MODELSTACK_NER_SSH_HOST_KEY);
  });

  it('the gateway depends on every model being healthy and routes to each by name', () => {
    const p = modelStackProject({ ...three, gateway: { enabled: true, token: 'gateway-token-0123456789' } });
    expect(Object.keys(p.services.gateway!.depends_on!)).toEqual(['intent', 'sentiment', 'ner']);
    const conf = p.configs.gateway_conf!.content!;
    expect(conf).toMatch(/location \/intent\/ \{\n(.*\n)*?    set \$modelstack_upstream intent:8888;\n/);
    expect(conf).toContain('proxy_pass http://$modelstack_upstream$modelstack_path;');
    // Looked up per request through the container's own DNS server, written at start, not once at start.
    expect(conf).toContain('include /tmp/modelstack-resolver.conf;');
    expect(p.services.gateway!.command).toEqual(['sh', '-c', expect.stringContaining("/etc/resolv.conf > /tmp/modelstack-resolver.conf && exec nginx -g 'daemon off;'")]);
    expect(conf).toContain('include /etc/nginx/modelstack/auth.conf;');
    expect(conf).not.toContain('gateway-token-0123456789');
    expect(p.environment!.MODELSTACK_GATEWAY_AUTH).toBe('set $modelstack_expected_auth "Bearer gateway-token-0123456789";\n');
  });

  it('marks made-up values as generated (so a new definition does not recreate), and nothing the caller gave', () => {
    const given = modelStackProject({ ...three, models: [{ name: 'intent', jupyterToken: 'given-token-123' }], gateway: { enabled: true, token: 'gateway-token-0123456789' } });
    expect(given.extensions?.['x-modelstack-generated']).toBeUndefined();
    const made = modelStackProject({ ...three, ssh: { authorizedKeys: KEY }, gateway: { enabled: true } });
    expect(made.extensions!['x-modelstack-generated']).toEqual(
      expect.arrayContaining(['secrets/intent_jupyter_token', 'secrets/intent_ssh_host_key', 'configs/intent_ssh_host_public_key', 'secrets/gateway_token', 'secrets/gateway_auth']),
    );
  });

  it('adding a model changes the gateway config (so the gateway is recreated with the new route)', () => {
    const one = modelStackProject({ ...three, models: [{ name: 'intent' }], gateway: { enabled: true } });
    const two = modelStackProject({ ...three, models: [{ name: 'intent' }, { name: 'ner' }], gateway: { enabled: true } });
    expect(one.configs.gateway_conf!.content).not.toBe(two.configs.gateway_conf!.content);
    expect(two.configs.gateway_conf!.content).toContain('location /ner/');
  });

  it.each([
    [{ models: [] }, /models: list at least one model/],
    [{ models: [{ name: 'Intent' }] }, /^models\[0\]\.name: use lowercase letters/],
    [{ models: [{ name: 'a' }, { name: 'a' }] }, /^models\[1\]\.name: the name "a" is used twice/],
    [{ models: [{ name: 'a', flavour: 'serving' }] }, /^models\[0\]: model "a": a serving model needs `modelDir`/],
    [{ models: [{ name: 'a', code: '/' }] }, /models\[0\]\.code: \/ is a system folder/],
    [{ models: [{ name: 'a', modelDir: '/var/run/docker.sock' }] }, /models\[0\]\.modelDir: \/var\/run\/docker\.sock is a system folder/],
    [{ models: [{ name: 'a' }], gateway: { enabled: true, token: 'short' } }, /gateway\.token: at least 16 characters/],
    [{ models: [{ name: 'a' }], colour: 'blue' }, /^colour: unknown key "colour"; use one of "name", "workingDir", "image"/],
    [{ models: [{ name: 'a' }], ssh: { authorizedKeys: [KEY, './keys.pub'] } }, /ssh\.authorizedKeys: give either key lines or the path of one file/],
  ])('rejects %j', (options, message) => {
    expect(() => modelStackProject({ workingDir: '/w', ...options } as never)).toThrow(ModelStackConfigError);
    expect(() => modelStackProject({ workingDir: '/w', ...options } as never)).toThrow(message);
  });

  describe('ssh.authorizedKeys takes public keys only: a private key is refused, never copied', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-keys-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
    it.each([
      ['a private key file (the path without .pub)', () => file('id_ed25519', PRIVATE), /^ssh\.authorizedKeys: \/.*id_ed25519: this is a private key, which must never leave your machine; give the public key/],
      ['a private key pasted inline', () => PRIVATE, /ssh\.authorizedKeys.*private key/],
      ['a PEM private key file', () => file('key.pem', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n'), /this is a private key/],
      ['a file of something else', () => file('notes.txt', 'hello world\n'), /line 1 is not a public key line .*: hello world/],
      ['a key line whose blob is not of its type', () => file('bad.pub', 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB x@y\n'), /line 1 is not a public key line/],
      ['an empty file', () => file('empty.pub', '\n# nothing\n'), /no public key in it/],
      ['a missing file', () => join(dir, 'nope.pub'), /cannot read .*nope\.pub/],
    ])('%s', (_what, keys, message) => {
      expect(() => modelStackProject({ workingDir: '/w', models: [{ name: 'a' }], ssh: { authorizedKeys: keys() } })).toThrow(message);
    });
    it('a public key file with comments and options is taken as it is', () => {
      const pub = file('id.pub', `# work laptop\nfrom="127.0.0.1",no-pty ${KEY}\n${KEY}\n`);
      expect(modelStackProject({ workingDir: '/w', models: [{ name: 'a' }], ssh: { authorizedKeys: pub } }).configs.authorized_keys).toEqual({ name: 'authorized_keys', file: pub });
    });
  });

  it('is what the loader makes of its compose document: printed as a compose file and loaded back, it is the same project', async () => {
    const p = modelStackProject({ ...three, models: [...three.models, { name: 'srv', flavour: 'serving', modelDir: './srv', gpus: 2 }], ssh: { authorizedKeys: KEY }, gateway: { enabled: true }, labels: { team: 'cs' } });
    const dir = mkdtempSync(join(tmpdir(), 'ms-print-'));
    try {
      writeFileSync(join(dir, 'compose.yaml'), serializeProject(p, { format: 'yaml', escapeDollars: true }));
      const loaded = await loadProject({ files: ['compose.yaml'], cwd: dir, projectName: p.name, env: { ...p.environment } });
      const { environment: _a, config_files: _b, working_dir: _c, ...ours } = p;
      const { environment: _d, config_files: _e, working_dir: _f, ...theirs } = loaded;
      expect(JSON.parse(JSON.stringify(theirs))).toEqual(JSON.parse(JSON.stringify(ours)));
      // modelstack's own facts survive the trip, read by the same accessors.
      expect(modelInfo(loaded.services.intent!)).toEqual({ flavour: 'jupyter', ssh: true });
      expect(modelInfo(loaded.services.srv!)).toEqual({ flavour: 'serving', ssh: false });
      expect(modelInfo(loaded.services.gateway!)).toEqual({ flavour: 'gateway', ssh: false });
      expect([...generatedSources(loaded)].sort()).toEqual([...generatedSources(p)].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalizes as the loader does: units in nanoseconds and bytes, the default network named after the project', () => {
    const p = modelStackProject({ ...three, models: [{ name: 'intent', healthcheck: { intervalSeconds: 0.5 }, resources: { memory: '512m' } }] });
    expect(p.services.intent!.healthcheck).toMatchObject({ interval: 500_000_000, timeout: 5_000_000_000, start_period: 120_000_000_000, retries: 3 });
    expect(p.services.intent!.deploy!.resources!.limits!.memory).toBe(512 * 1024 ** 2);
    expect(p.networks.default).toEqual({ name: 'cs_default' });
    expect(serviceWarning(p.services.intent!)).toBeUndefined();
  });

  it('allows a system folder only when asked', () => {
    expect(modelStackProject({ workingDir: '/w', allowSystemMounts: true, models: [{ name: 'a', code: '/' }] }).services.a!.volumes![0]).toMatchObject({ source: '/' });
  });
});

describe('ssh pieces', () => {
  it('generates an ECDSA host key whose public line matches the private key', () => {
    const key = generateHostKey();
    expect(key.privatePem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(looksLikePublicKey(key.publicLine)).toBe(true);
    const blob = Buffer.from(key.publicLine.split(' ')[1]!, 'base64');
    // The last 65 bytes are the uncompressed point of the private key's public half.
    const spki = createPublicKey(key.privatePem).export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(spki.x!, 'base64url'), Buffer.from(spki.y!, 'base64url')]);
    expect(blob.subarray(blob.length - 65).equals(point)).toBe(true);
    expect(blob.subarray(4, 4 + 19).toString()).toBe('ecdsa-sha2-nistp256');
  });

  it.each([
    [false, ['PasswordAuthentication no', 'PermitRootLogin prohibit-password']],
    [true, ['PasswordAuthentication yes', 'PermitRootLogin yes']],
  ])('drop-in with root password %s', (allow, lines) => {
    const text = sshdDropIn({ allowRootPassword: allow });
    for (const l of lines) expect(text.split('\n')).toContain(l);
  });

  it.each([
    [KEY, true],
    ['ecdsa-sha2-nistp256 AAAAE2VjZHNh x', true],
    ['~/.ssh/id_ed25519.pub', false],
    ['./keys', false],
  ])('%s looks like a key: %s', (v, expected) => expect(looksLikePublicKey(v)).toBe(expected));

  it('gateway config with no routes still refuses without the token', () => {
    expect(gatewayConfig([])).toContain('return 401;');
  });
});
