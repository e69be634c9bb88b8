#!/usr/bin/env bash
# Everything the test suite needs from the machine, each step a no-op when
# already done: the engines (the main one and 26.1), the Debian test tools and
# Compose v2, the offline images on every engine.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINES=${MODELSTACK_TEST_ENGINES:-main 26.1 swarm}
bash scripts/ensure-docker.sh
bash scripts/install-test-tools.sh
env -u DOCKER_HOST bash scripts/build-test-images.sh
for engine in $ENGINES; do
  case $engine in
    main) ;;
    26.1)
      bash scripts/ensure-engine-26.sh >/dev/null
      eval "$(bash scripts/ensure-engine-26.sh env | sed 's/^/export /')"
      bash scripts/build-test-images.sh
      ;;
    swarm) # the 3-node swarm lab, images copied from the main engine
      env -u DOCKER_HOST bash scripts/swarm-lab.sh setup >/dev/null
      env -u DOCKER_HOST bash scripts/swarm-lab.sh load modelstack-test/busybox:latest modelstack-test/tf-jupyter:standin-ssh modelstack-test/nginx:standin
      ;;
    *) echo "test-setup: unknown engine '$engine' (main, 26.1, swarm)" >&2; exit 2 ;;
  esac
done
