#!/usr/bin/env bash
# Debian packages the tests use besides the engine: a real registry for pull
# tests, docker-compose 1.29 for interoperability tests and benchmarks, an SSH
# client for the model-stack tests, and what the offline image builds need.
# Installs only what is missing; does nothing when everything is present.
set -euo pipefail
PACKAGES=(docker-registry docker-compose openssh-client busybox-static debootstrap curl)
missing=()
for pkg in "${PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-test-tools: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or rerun as root" >&2
  exit 1
fi
echo "install-test-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's docker-registry package would listen on all interfaces if a service
# manager started it; the tests start their own on 127.0.0.1 and nothing else.
