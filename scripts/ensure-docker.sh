#!/usr/bin/env bash
# Make sure a Docker engine answers. Does nothing when one already does
# (DOCKER_HOST, or the default socket); otherwise, as root on Debian, installs
# Debian's docker.io and starts dockerd in the background, then waits until it
# answers. Never stops or restarts an engine it did not start.
set -euo pipefail

LOG=${MODELSTACK_DOCKERD_LOG:-/var/log/modelstack-dockerd.log}
PIDFILE=${MODELSTACK_DOCKERD_PIDFILE:-/run/modelstack-dockerd.pid}
WAIT_SECONDS=${MODELSTACK_DOCKERD_WAIT:-60}

engine_answers() {
  # `docker version` asks the server; a dead socket fails fast.
  command -v docker >/dev/null 2>&1 && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if engine_answers; then
  echo "ensure-docker: engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock} ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "ensure-docker: DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; start that engine or unset DOCKER_HOST." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-docker: no engine answers at /var/run/docker.sock and this is not root; start Docker yourself (or rerun as root to let this script install docker.io)." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-docker: no engine answers and apt-get is missing; install and start Docker, then rerun." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

# shellcheck source=lib/ports.sh
. "$(dirname "$0")/lib/ports.sh"
reserve_published_port_range
echo "ensure-docker: starting dockerd (log: $LOG)"
mkdir -p "$(dirname "$LOG")" "$(dirname "$PIDFILE")"
# setsid: dockerd must outlive this script and the shell that ran it.
setsid nohup dockerd --host=unix:///var/run/docker.sock >>"$LOG" 2>&1 < /dev/null &
echo $! > "$PIDFILE"

for _ in $(seq 1 $((WAIT_SECONDS * 2))); do
  if engine_answers; then
    echo "ensure-docker: engine up ($(docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}'))"
    exit 0
  fi
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    break
  fi
  sleep 0.5
done

echo "ensure-docker: dockerd did not answer within ${WAIT_SECONDS}s. Last lines of $LOG:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
