#!/usr/bin/env bash
# A private Docker engine (26.1) for tests that must do to an engine what
# no shared engine may suffer: pause it (SIGSTOP) mid-`up`, stop it mid-`up`.
# Each NAME is its own dockerd in a network namespace of its own (ms-p-NAME:
# its bridges and iptables rules never meet the main engine's or 26.1's),
# with its own data-root, exec-root and socket, and the busybox test image
# loaded from the current engine. `stop` signals only the pid `start`
# recorded (checked against binary and namespace) and removes everything
# `start` made: the dockerd, its namespace, its folders.
#
#   scripts/private-engine.sh start NAME     prints DOCKER_HOST=... and PID=...
#   scripts/private-engine.sh relaunch NAME  the same engine again after it was
#                                            stopped (SIGTERM): same namespace,
#                                            data and containers; prints PID=...
#   scripts/private-engine.sh stop NAME
#
# Root only (namespaces, dockerd). Binaries: scripts/ensure-engine-26.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ports.sh
MODELSTACK_OPT=${MODELSTACK_OPT:-/opt/modelstack}
BIN=$MODELSTACK_OPT/docker.io-26.1
IMAGE=modelstack-test/busybox:latest

cmd=${1:-}; name=${2:-}
[[ $name =~ ^[a-z0-9]{1,8}$ ]] || { echo "usage: $0 start|relaunch|stop NAME (NAME: 1-8 of [a-z0-9])" >&2; exit 2; }
NS=ms-p-$name
ROOT=/run/modelstack/private-$name
DATA=/var/lib/modelstack/private-$name
SOCK=$ROOT/docker.sock

say() { echo "private-engine[$name]: $*" >&2; }
answers() { timeout 5 docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The dockerd we started, and only that one: its recorded pid, its binary, its namespace.
our_pid() {
  local pid; pid=$(cat "$ROOT/launch.pid" 2>/dev/null) || return 1
  [[ -d /proc/$pid && $(readlink "/proc/$pid/exe") == "$BIN/usr/sbin/dockerd" ]] || return 1
  [[ -e /run/netns/$NS && $(readlink "/proc/$pid/ns/net") == "net:[$(stat -L -c %i "/run/netns/$NS")]" ]] || return 1
  echo "$pid"
}

stop() {
  local pid
  if pid=$(our_pid); then
    kill -CONT "$pid" 2>/dev/null || true # a paused engine cannot shut down
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    if [ -d "/proc/$pid" ]; then say "dockerd $pid did not stop in 30 s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 1; fi
  fi
  [ -e "/run/netns/$NS" ] && ip netns del "$NS"
  rm -rf "$ROOT" "$DATA"
  return 0
}

# dockerd in namespace $NS over $ROOT and $DATA, until its socket answers.
launch() {
  # As ensure-engine-26.sh: nsenter (not `ip netns exec`, which drops the cgroup
  # mounts dockerd needs) and a mount namespace; every step execs, so $! is dockerd.
  setsid nsenter --net="/run/netns/$NS" -- \
    unshare --mount --propagation slave -- \
    env PATH="$BIN/usr/sbin:$BIN/usr/bin:$PATH" \
    "$BIN/usr/sbin/dockerd" \
      --config-file "$ROOT/daemon.json" \
      --data-root "$DATA" \
      --exec-root "$ROOT/exec" \
      --pidfile "$ROOT/docker.pid" \
      -H "unix://$SOCK" \
      --userland-proxy-path "$BIN/usr/sbin/docker-proxy" \
      --init-path /usr/bin/tini-static \
      --cgroup-parent "modelstack-p-$name" \
      >>"$ROOT/dockerd.log" 2>&1 </dev/null &
  echo $! >"$ROOT/launch.pid"
  disown $! 2>/dev/null || true
  for _ in $(seq 1 300); do
    answers && break
    our_pid >/dev/null || { say "dockerd exited; last lines of $ROOT/dockerd.log:"; tail -n 20 "$ROOT/dockerd.log" >&2; stop; exit 1; }
    sleep 0.2
  done
  answers || { say "dockerd did not answer within 60 s"; tail -n 20 "$ROOT/dockerd.log" >&2; stop; exit 1; }
}

start() {
  [ "$(id -u)" = 0 ] || { say "needs root"; exit 1; }
  [ -x "$BIN/usr/sbin/dockerd" ] || { say "no dockerd 26.1 at $BIN (run scripts/ensure-engine-26.sh once)"; exit 1; }
  stop # whatever a previous run of NAME left
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  reserve_published_port_range "$NS"
  mkdir -p "$ROOT/exec" "$DATA"
  echo '{}' >"$ROOT/daemon.json" # never read /etc/docker/daemon.json
  launch
  docker save "$IMAGE" | docker -H "unix://$SOCK" load -q >/dev/null
  echo "DOCKER_HOST=unix://$SOCK"
  echo "PID=$(our_pid)"
}

# After a SIGTERM: the same dockerd again over what `start` made (its containers stay, stopped).
relaunch() {
  [ -e "/run/netns/$NS" ] && [ -f "$ROOT/daemon.json" ] || { say "not started (run: $0 start $name)"; exit 1; }
  local pid
  if pid=$(our_pid); then say "dockerd $pid still runs; stop it first"; exit 1; fi
  launch
  echo "PID=$(our_pid)"
}

case $cmd in
  start) start ;;
  relaunch) relaunch ;;
  stop) stop ;;
  *) echo "usage: $0 start|relaunch|stop NAME" >&2; exit 2 ;;
esac
