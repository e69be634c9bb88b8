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
#   MODELSTACK_TEST_ENGINES=main scripts/test.sh ...   only the main engine (or: 26.1, swarm)
#
# The fault matrix (test/integration/faults) runs once, on the main engine,
# after its other files and one file at a time (it times interrupts and races,
# and brings its own private 26.1 engine where a fault needs a daemon).
# The swarm tests (test/integration/swarm*) run once, on the swarm lab
# (scripts/swarm-lab.sh, target "swarm"), never per engine. Paths under
# test/integration/swarm* given as arguments go to that run only; options go to
# every run (write them as --testNamePattern=x, not -t x).
#
# scripts/test-setup.sh has made sure every engine runs and has the images.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINES=${MODELSTACK_TEST_ENGINES:-main 26.1 swarm}
VITEST=(node node_modules/vitest/vitest.mjs run)

swarm_args=() fault_args=()
if [ $# -eq 0 ]; then
  echo "== unit tests"
  "${VITEST[@]}" test/unit
  set -- test/integration test/e2e
  swarm_args=(test/integration/swarm test/integration/swarm-lab)
  fault_args=(test/integration/faults)
fi
engine_args=() engine_files=0 swarm_files=${#swarm_args[@]} fault_files=${#fault_args[@]}
for arg in "$@"; do
  case $arg in
    -*) engine_args+=("$arg"); swarm_args+=("$arg"); fault_args+=("$arg") ;;
    *integration/swarm*) swarm_args+=("$arg"); swarm_files=$((swarm_files + 1)) ;;
    *integration/faults*) fault_args+=("$arg"); fault_files=$((fault_files + 1)) ;;
    *) engine_args+=("$arg"); engine_files=$((engine_files + 1)) ;;
  esac
done
engine_args+=(--exclude 'test/integration/swarm*/**' --exclude 'test/integration/faults/**')


# Every engine runs even when one fails; the exit code says whether all passed.
# Each run's output is kept too, so that the end of the output (all a CI page
# may show) repeats which tests failed and their first lines.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
kept() { local log=$1; shift; "$@" 2>&1 | tee -a "$logs/$log"; }
failures() {  # the FAIL headers of a run's output, each with its error's first lines and error lines
  sed 's/\x1b\[[0-9;]*m//g' "$1" |
    awk '/^ FAIL  |Unhandled (Error|Rejection)/ { print; block = 1; shown = 0; next }
         block && /^ ❯ / { print; block = 0; next }
         block && !NF { block = 0; next }
         block && shown < 8 && (shown < 2 || /[Ee]rror|expected/) { print; shown++ }' |
    head -n 60
}
failed=()
for engine in $ENGINES; do
  case $engine in   # only the runs the arguments select
    swarm) [ "$swarm_files" -gt 0 ] || continue ;;
    main) [ "$engine_files" -gt 0 ] || [ "$fault_files" -gt 0 ] || [ "$swarm_files" -eq 0 ] || continue ;;
    *) [ "$engine_files" -gt 0 ] || { [ "$swarm_files" -eq 0 ] && [ "$fault_files" -eq 0 ]; } || continue ;;
  esac
  began=$SECONDS
  status=0
  case $engine in
    main)
      echo "== on the main engine ($(env -u DOCKER_HOST docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'))"
      if [ "$engine_files" -gt 0 ] || { [ "$swarm_files" -eq 0 ] && [ "$fault_files" -eq 0 ]; }; then
        kept main env -u DOCKER_HOST "${VITEST[@]}" "${engine_args[@]}" || status=$?
      fi
      # The fault matrix, after the rest and one file at a time: it interrupts, kills and
      # races ups and times what it sees, so it must not share the two cores with other files.
      if [ "$fault_files" -gt 0 ]; then
        echo "== the fault matrix, on the main engine"
        kept main env -u DOCKER_HOST "${VITEST[@]}" --no-file-parallelism "${fault_args[@]}" || status=$?
      fi
      ;;
    26.1)
      eval "$(bash scripts/ensure-engine-26.sh env | sed 's/^/export /')"
      echo "== on engine 26.1 ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'); network namespace $MODELSTACK_NETNS)"
      # Inside the engine's network namespace: 127.0.0.1 is where its published ports are.
      kept 26.1 nsenter --net="/run/netns/$MODELSTACK_NETNS" -- "${VITEST[@]}" "${engine_args[@]}" || status=$?
      ;;
    swarm)
      if host=$(bash scripts/swarm-lab.sh env | sed -n 's/^DOCKER_HOST=//p') && [ -n "$host" ]; then
        echo "== on the swarm lab (3 engines 26.1 in network namespaces, manager $host)"
        # In the host's namespace (the node addresses are on its bridge); one file at
        # a time: a test that kills a node must not break another file's services.
        kept swarm env DOCKER_HOST="$host" "${VITEST[@]}" --no-file-parallelism "${swarm_args[@]}" || status=$?
      else status=1; fi
      ;;
    *) echo "test: unknown engine '$engine' (main, 26.1, swarm)" >&2; exit 2 ;;
  esac
  echo "== engine $engine: $((SECONDS - began)) s, $([ $status -eq 0 ] && echo passed || echo FAILED)"
  [ $status -eq 0 ] || failed+=("$engine")
done
if [ ${#failed[@]} -gt 0 ]; then
  for engine in "${failed[@]}"; do
    echo "== what failed on $engine" >&2
    [ -f "$logs/$engine" ] && failures "$logs/$engine" >&2
  done
  echo "== failed on: ${failed[*]}" >&2
  exit 1
fi
