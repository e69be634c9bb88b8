#!/usr/bin/env bash
# Everything the test suite needs from the machine, each step a no-op when
# already done: a running engine, the Debian test tools, the offline images.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/install-test-tools.sh
bash scripts/build-test-images.sh
