#!/usr/bin/env bash
# Debian packages the tests use besides the engine: a real registry for pull
# tests (htpasswd from apache2-utils gives it basic auth for the credential
# tests), docker-compose 1.29 for interoperability tests and benchmarks, an SSH
# client for the model-stack tests, an SSH server the ssh:// host tests start
# privately on 127.0.0.1, and what the offline image builds need.
# Then Docker Compose v2.26.1 (trixie's docker-compose, a standalone binary),
# the reference implementation the conformance and interop tests run, unpacked
# beside Debian's 1.29 without replacing it (see compose_v2 below).
# Installs only what is missing; does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/trixie.sh

# The tests find the binary here (test/helpers/compose-v2.ts), or at $MODELSTACK_COMPOSE_V2.
compose_v2() {
  local dest=$MODELSTACK_OPT/docker-compose-2.26
  [ -x "$dest/usr/libexec/docker/cli-plugins/docker-compose" ] && return 0
  echo "install-test-tools: unpacking Docker Compose v2 (trixie's docker-compose) into $dest"
  trixie_extract docker-compose "$dest"
}
PACKAGES=(docker-registry apache2-utils docker-compose openssh-client openssh-server busybox-static debootstrap curl)
missing=()
for pkg in "${PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -eq 0 ]; then compose_v2; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "install-test-tools: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or rerun as root" >&2
  exit 1
fi
echo "install-test-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No service may start from a package's install script (openssh-server would
# listen on port 22 of every interface): policy-rc.d says no while apt runs,
# unless the machine already has a policy of its own.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy && own_policy=1; fi
trap 'if [ $own_policy = 1 ]; then rm -f $policy; fi' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Nor at the next boot, on a machine run by systemd.
if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
fi
# Debian's docker-registry package would listen on all interfaces if a service
# manager started it; the tests start their own on 127.0.0.1 and nothing else.
compose_v2
