/**
 * Registry credentials as the Docker CLI finds them: which registry an image
 * names, which key it is stored under, and the order credHelpers →
 * credsStore → auths (with a fake helper runner; the real helper protocol is
 * run in test/integration/engine/registry-auth.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DockerConfigFile } from '../../../src/engine/docker-config.js';
import { CredentialStore, type HelperRunner, authKey, registryOfImage, toHostname } from '../../../src/engine/registry-auth.js';

describe('registryOfImage', () => {
  it.each([
    ['busybox', 'docker.io'],
    ['library/busybox:1.36', 'docker.io'],
    ['tensorflow/tensorflow:2.9.0-jupyter', 'docker.io'],
    ['docker.io/tensorflow/tensorflow', 'docker.io'],
    ['index.docker.io/library/busybox', 'docker.io'],
    ['127.0.0.1:5000/modelstack-test/busybox:latest', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app@sha256:abc', 'localhost:5000'],
    ['ghcr.io/org/image:tag', 'ghcr.io'],
    ['my-user/app', 'docker.io'],
  ])('%s → %s', (ref, registry) => {
    expect(registryOfImage(ref)).toBe(registry);
  });
  it.each([
    ['docker.io', 'https://index.docker.io/v1/'],
    ['ghcr.io', 'ghcr.io'],
  ])('authKey(%s) = %s', (registry, key) => expect(authKey(registry)).toBe(key));
  it.each([
    ['https://registry.example:5000/v1/', 'registry.example:5000'],
    ['http://registry.example', 'registry.example'],
    ['registry.example:5000', 'registry.example:5000'],
  ])('toHostname(%s) = %s', (key, host) => expect(toHostname(key)).toBe(host));
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function store(file: DockerConfigFile, helpers: Record<string, Record<string, string>> = {}): { store: CredentialStore; asked: string[] } {
  const asked: string[] = [];
  const run: HelperRunner = async (helper, server) => {
    asked.push(`${helper} ${server}`);
    if (!(helper in helpers)) throw new Error(`docker-credential-${helper} is not on PATH`);
    return helpers[helper]?.[server] ?? '';
  };
  return { store: new CredentialStore({ dir: '/cfg', file }, {}, run), asked };
}

const answer = (user: string, secret: string) => JSON.stringify({ ServerURL: 'x', Username: user, Secret: secret });

describe('CredentialStore.find', () => {
  // [case, config.json, helpers' answers, registry, expected credentials (without serveraddress) or undefined, source, helpers asked]
  const cases: Array<[string, DockerConfigFile, Record<string, Record<string, string>>, string, object | undefined, string | undefined, string[]]> = [
    ['auths: base64 user:password', { auths: { 'r.example:5000': { auth: b64('u:p:with:colons') } } }, {}, 'r.example:5000', { username: 'u', password: 'p:with:colons' }, 'auths in /cfg/config.json', []],
    ['auths keyed by URL', { auths: { 'https://r.example:5000/v1/': { auth: b64('u:p') } } }, {}, 'r.example:5000', { username: 'u', password: 'p' }, 'auths in /cfg/config.json', []],
    ['Docker Hub under its URL key', { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }, {}, 'docker.io', { username: 'hub', password: 'pw' }, 'auths in /cfg/config.json', []],
    ['auths: identity token', { auths: { 'r.example': { identitytoken: 'tok' } } }, {}, 'r.example', { identitytoken: 'tok' }, 'auths in /cfg/config.json', []],
    ['nothing configured', {}, {}, 'r.example', undefined, undefined, []],
    ['an auths entry with only an email is nothing', { auths: { 'r.example': {} } }, {}, 'r.example', undefined, undefined, []],
    ['credsStore', { credsStore: 'store' }, { store: { 'r.example': answer('s', 'sp') } }, 'r.example', { username: 's', password: 'sp' }, 'credsStore (docker-credential-store)', ['store r.example']],
    ['credsStore asked with Docker Hub\'s key', { credsStore: 'store' }, { store: { 'https://index.docker.io/v1/': answer('h', 'hp') } }, 'docker.io', { username: 'h', password: 'hp' }, 'credsStore (docker-credential-store)', ['store https://index.docker.io/v1/']],
    ['credHelpers beats credsStore and auths', { credsStore: 'store', credHelpers: { 'r.example': 'per' }, auths: { 'r.example': { auth: b64('f:fp') } } }, { per: { 'r.example': answer('h', 'hp') } }, 'r.example', { username: 'h', password: 'hp' }, 'credHelpers (docker-credential-per)', ['per r.example']],
    ['credHelpers only for its registry', { credsStore: 'store', credHelpers: { 'other.example': 'per' } }, { store: { 'r.example': answer('s', 'sp') } }, 'r.example', { username: 's', password: 'sp' }, 'credsStore (docker-credential-store)', ['store r.example']],
    ['helper says not found: auths are used, as in the CLI', { credsStore: 'store', auths: { 'r.example': { auth: b64('f:fp') } } }, { store: {} }, 'r.example', { username: 'f', password: 'fp' }, 'auths in /cfg/config.json', ['store r.example']],
    ['<token> user: the secret is an identity token', { credsStore: 'store' }, { store: { 'r.example': answer('<token>', 'idt') } }, 'r.example', { identitytoken: 'idt' }, 'credsStore (docker-credential-store)', ['store r.example']],
  ];
  it.each(cases)('%s', async (_name, file, helpers, registry, credentials, source, asked) => {
    const s = store(file, helpers);
    const found = await s.store.find(registry);
    if (credentials === undefined) expect(found).toBeUndefined();
    else expect(found).toEqual({ credentials: { ...credentials, serveraddress: authKey(registry) }, source });
    expect(s.asked).toEqual(asked);
  });

  it('asks a helper once per registry; a failing helper is an error, asked again next time', async () => {
    const ok = store({ credsStore: 'store' }, { store: { 'r.example': answer('s', 'sp') } });
    await ok.store.find('r.example');
    await ok.store.find('r.example');
    expect(ok.asked).toEqual(['store r.example']);
    const broken = store({ credsStore: 'missing' });
    await expect(broken.store.find('r.example')).rejects.toThrow(/docker-credential-missing/);
    await expect(broken.store.find('r.example')).rejects.toThrow(/docker-credential-missing/);
    expect(broken.asked).toHaveLength(2);
  });

  it('a build gets the named registries, or every configured one when a FROM uses a build argument', async () => {
    const s = store({ auths: { 'a.example': { auth: b64('a:1') }, 'https://index.docker.io/v1/': { auth: b64('h:2') } }, credHelpers: { 'b.example': 'per' } }, { per: { 'b.example': answer('b', '3') } });
    expect(Object.keys(await s.store.forBuild(['a.example', 'c.example']))).toEqual(['a.example']);
    expect(await s.store.forBuild('all')).toEqual({
      'a.example': { username: 'a', password: '1', serveraddress: 'a.example' },
      'https://index.docker.io/v1/': { username: 'h', password: '2', serveraddress: 'https://index.docker.io/v1/' },
      'b.example': { username: 'b', password: '3', serveraddress: 'b.example' },
    });
  });
});
