/**
 * SSH for model containers, key-only by default: a fresh host key per
 * container (generated here, so the client can pin it), an sshd drop-in that
 * refuses passwords, and a bootstrap script that installs sshd with the
 * image's package manager when the image has none (as the seed's command
 * does, without its root password), starts it, then runs the model.
 */
import { generateKeyPairSync } from 'node:crypto';

/** Where things go inside the container. */
export const SSH_PATHS = {
  bootstrap: '/opt/modelstack/bootstrap.sh',
  dropIn: '/etc/ssh/sshd_config.d/00-modelstack.conf',
  hostKey: '/etc/ssh/modelstack_host_key',
  hostPublicKey: '/etc/ssh/modelstack_host_key.pub',
  authorizedKeys: '/root/.ssh/authorized_keys',
  rootPassword: '/run/secrets/root_password',
} as const;

/** A host key pair: the private key (PEM, for sshd) and the public key line (for known_hosts). */
export interface HostKey {
  privatePem: string;
  /** `ecdsa-sha2-nistp256 AAAA…` */
  publicLine: string;
}

/**
 * A new ECDSA P-256 host key. sshd reads the SEC1 PEM form, which Node can
 * write without any tool on the host; the public line is built from the key's
 * coordinates in SSH wire format.
 */
export function generateHostKey(): HostKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privatePem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const blob = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
  return { privatePem, publicLine: `ecdsa-sha2-nistp256 ${blob.toString('base64')}` };
}

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/**
 * The sshd drop-in. sshd keeps the first value it reads for a keyword and
 * Debian/Ubuntu include `sshd_config.d/*.conf` at the top of sshd_config, so
 * these settings win over the image's. `ChallengeResponseAuthentication` is
 * the spelling both old (Ubuntu 20.04) and new OpenSSH accept.
 */
export function sshdDropIn(options: { allowRootPassword: boolean }): string {
  const lines = [
    '# Written by modelstack.',
    `HostKey ${SSH_PATHS.hostKey}`,
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile .ssh/authorized_keys',
  ];
  if (options.allowRootPassword) {
    lines.push('# INSECURE: root password login was explicitly allowed.', 'PasswordAuthentication yes', 'PermitRootLogin yes');
  } else {
    lines.push('PasswordAuthentication no', 'ChallengeResponseAuthentication no', 'PermitRootLogin prohibit-password');
  }
  return `${lines.join('\n')}\n`;
}

/** The bootstrap entrypoint: make sure sshd exists, configure and start it, then `exec` the model's command. */
export function bootstrapScript(): string {
  return `#!/bin/sh
# Written by modelstack: start a key-only sshd, then run the model's command.
set -eu
log() { echo "modelstack-bootstrap: $*" >&2; }

if [ ! -x /usr/sbin/sshd ]; then
  log "this image has no sshd; installing openssh-server"
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
  elif command -v apk >/dev/null 2>&1; then
    apk add --no-cache openssh-server >/dev/null
  elif command -v dnf >/dev/null 2>&1; then
    dnf install -y -q openssh-server >/dev/null
  elif command -v yum >/dev/null 2>&1; then
    yum install -y -q openssh-server >/dev/null
  else
    log "cannot install sshd: no apt-get, apk, dnf or yum in this image"
    exit 1
  fi
fi

# Make sure the drop-in is read, and read first.
if ! grep -q '^Include /etc/ssh/sshd_config.d/' /etc/ssh/sshd_config 2>/dev/null; then
  sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' /etc/ssh/sshd_config
fi
if [ -f ${SSH_PATHS.rootPassword} ]; then
  log "WARNING: setting a root password (insecure opt-in)"
  printf 'root:%s\\n' "$(cat ${SSH_PATHS.rootPassword})" | chpasswd
fi
mkdir -p /run/sshd && chmod 755 /run/sshd
chmod 700 /root/.ssh 2>/dev/null || true
/usr/sbin/sshd -t
/usr/sbin/sshd
log "sshd started"
exec "$@"
`;
}

/** True when `value` is a public key line rather than a path to a file of them. */
export function looksLikePublicKey(value: string): boolean {
  return /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+/.test(value.trim());
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/**
 * What is wrong with `text` as the content of an authorized_keys file, or
 * undefined when every line is a public key (blank lines and `#` comments
 * allowed). A private key is named as such: it must never be copied anywhere.
 */
export function authorizedKeysProblem(text: string): string | undefined {
  if (/PRIVATE KEY/.test(text)) {
    return 'this is a private key, which must never leave your machine; give the public key (the .pub file next to it, or its one line)';
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.length) return 'no public key in it';
  for (const [i, line] of lines.entries()) {
    // An optional options field comes first (`from="10.0.0.1",no-pty ssh-ed25519 AAAA…`).
    const fields = line.split(/\s+/);
    const at = fields.findIndex((f) => KEY_TYPE.test(f));
    const blob = at >= 0 ? fields[at + 1] : undefined;
    if (at < 0 || !blob || !wireTypeIs(blob, fields[at]!)) {
      return `line ${i + 1} is not a public key line ("<type> <base64 key> [comment]", e.g. the content of ~/.ssh/id_ed25519.pub): ${line.slice(0, 40)}${line.length > 40 ? '…' : ''}`;
    }
  }
  return undefined;
}

/** The key blob is base64 of the SSH wire format, which starts with the key type again. */
function wireTypeIs(base64: string, type: string): boolean {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 4) return false;
  const len = bytes.readUInt32BE(0);
  return len === type.length && bytes.subarray(4, 4 + len).toString('latin1') === type;
}
