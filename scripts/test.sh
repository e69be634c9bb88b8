#!/usr/bin/env bash
# The test command (`npm test`): unit tests once, then the integration and
# end-to-end tests once per engine — the main engine (the default socket;
# Debian bookworm's 20.10 on a fresh machine) and Docker 26.1 (Debian
# trixie's, scripts/ensure-engine-26.sh) — one after the other, so two
# suites never compete for the two cores and their timing stays honest.
#
#   scripts/test.sh                    everything, on every engine
#   scripts/test.sh test/integration/cli/interop.test.ts
#                                      these files (vitest filters), on every engine
#   MODELSTACK_TEST_ENGINES=main scripts/test.sh ...   only the main engine (or: 26.1)
#
# scripts/test-setup.sh has made sure every engine runs and has the images.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINES=${MODELSTACK_TEST_ENGINES:-main 26.1}
VITEST=(node node_modules/vitest/vitest.mjs run)

if [ $# -eq 0 ]; then
  echo "== unit tests"
  "${VITEST[@]}" test/unit
  set -- test/integration test/e2e
fi


# Every engine runs even when one fails; the exit code says whether all passed.
failed=()
for engine in $ENGINES; do
  began=$SECONDS
  status=0
  case $engine in
    main)
      echo "== on the main engine ($(env -u DOCKER_HOST docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'))"
      env -u DOCKER_HOST "${VITEST[@]}" "$@" || status=$?
      ;;
    26.1)
      eval "$(bash scripts/ensure-engine-26.sh env | sed 's/^/export /')"
      echo "== on engine 26.1 ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'); network namespace $MODELSTACK_NETNS)"
      # Inside the engine's network namespace: 127.0.0.1 is where its published ports are.
      nsenter --net="/run/netns/$MODELSTACK_NETNS" -- "${VITEST[@]}" "$@" || status=$?
      ;;
    *) echo "test: unknown engine '$engine' (main, 26.1)" >&2; exit 2 ;;
  esac
  echo "== engine $engine: $((SECONDS - began)) s, $([ $status -eq 0 ] && echo passed || echo FAILED)"
  [ $status -eq 0 ] || failed+=("$engine")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== failed on: ${failed[*]}" >&2
  exit 1
fi
