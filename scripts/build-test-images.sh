#!/usr/bin/env bash
# Build the offline test images when they are missing (no registry is
# reachable from these machines, so nothing can be pulled). Each image is built
# only if `docker image inspect` does not find it; rerunning is cheap.
#
#   modelstack-test/busybox:latest          FROM scratch + Debian's busybox-static
#   modelstack-test/debian:bookworm         debootstrap --variant=minbase, imported
#   modelstack-test/tf-jupyter:standin      stand-in for tensorflow/tensorflow:2.9.0-jupyter (no sshd)
#   modelstack-test/tf-jupyter:standin-ssh  the same with openssh-server installed, unconfigured
#   modelstack-test/tf-serving:standin      stand-in for tensorflow/serving (REST model status only)
#   modelstack-test/nginx:standin           stand-in for the official nginx image (Debian's nginx)
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=test/fixtures/images
MIRROR=${MODELSTACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# Building for a second engine (DOCKER_HOST set, scripts/ensure-engine-26.sh):
# an image the main engine already has is copied over (docker save | load,
# seconds) instead of being built again (minutes).
SOURCE_HOST=${MODELSTACK_IMAGE_SOURCE:-unix:///var/run/docker.sock}
copy_from_source() {
  local image=$1
  [ "${DOCKER_HOST:-unix:///var/run/docker.sock}" != "$SOURCE_HOST" ] || return 1
  docker -H "$SOURCE_HOST" image inspect "$image" >/dev/null 2>&1 || return 1
  docker -H "$SOURCE_HOST" save "$image" | docker load -q >/dev/null
  echo "build-test-images: $image copied from $SOURCE_HOST"
}
# have_or_copy IMAGE: present on the target engine, or copied there now.
have_or_copy() { have_image "$1" || copy_from_source "$1"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build-test-images: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

timed() { local start=$SECONDS; "$@"; echo "build-test-images: $1 ${2:-} took $((SECONDS - start))s"; }

build_busybox() {
  apt_install busybox-static
  local ctx; ctx=$(mktemp -d)
  cp "$FIXTURES/busybox/"* "$ctx/"
  cp /bin/busybox "$ctx/busybox"
  file "$ctx/busybox" 2>/dev/null | grep -q 'statically linked' || ldd "$ctx/busybox" 2>&1 | grep -q 'not a dynamic' \
    || { echo "build-test-images: /bin/busybox is not static (is busybox-static installed?)" >&2; exit 1; }
  docker build -q -t modelstack-test/busybox:latest --label org.modelstack.test-image=busybox "$ctx" >/dev/null
  rm -rf "$ctx"
}

build_debian() {
  apt_install debootstrap
  local root; root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
  # The apt caches would double the image; the stand-in runs apt-get update itself.
  tar -C "$root" --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' -c . \
    | docker import -c 'CMD ["bash"]' - modelstack-test/debian:bookworm >/dev/null
  rm -rf "$root"
}

build_standin() {
  local target=$1 tag=$2
  docker build -q --target "$target" -t "$tag" --label org.modelstack.test-image=tf-standin "$FIXTURES/tf-standin" >/dev/null
}

build_dir() {
  local dir=$1 tag=$2
  docker build -q -t "$tag" --label org.modelstack.test-image="$dir" "$FIXTURES/$dir" >/dev/null
}

have_or_copy modelstack-test/busybox:latest || timed build_busybox
if [ "${1:-}" != "--busybox-only" ]; then
  have_or_copy modelstack-test/tf-jupyter:standin-ssh && have_or_copy modelstack-test/tf-jupyter:standin && have_or_copy modelstack-test/nginx:standin \
    || { have_or_copy modelstack-test/debian:bookworm || timed build_debian; }
  have_or_copy modelstack-test/tf-jupyter:standin || timed build_standin jupyter modelstack-test/tf-jupyter:standin
  have_or_copy modelstack-test/tf-jupyter:standin-ssh || timed build_standin jupyter-ssh modelstack-test/tf-jupyter:standin-ssh
  have_or_copy modelstack-test/tf-serving:standin || timed build_dir tf-serving-standin modelstack-test/tf-serving:standin
  have_or_copy modelstack-test/nginx:standin || timed build_dir nginx-standin modelstack-test/nginx:standin
fi
docker image ls --filter reference='modelstack-test/*' --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
