#!/usr/bin/env bash
# The main job on a fresh machine: an engine, the offline stand-in image (used
# when the real TensorFlow image cannot be pulled), dependencies, then the
# customer-service model stack, up and healthy, with its endpoints printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/build-test-images.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --no-progress
exec node --import tsx examples/customer-service/up.ts
