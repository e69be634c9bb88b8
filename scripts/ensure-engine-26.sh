#!/usr/bin/env bash
# A second Docker engine, 26.1 (API 1.45, Debian trixie's docker.io), beside
# the main one, so the suite runs on the engine users run as well as on
# bookworm's 20.10. Does nothing when it already answers.
#
# It runs in a network namespace of its own (ms-e26), so its iptables chains,
# bridges and published ports never meet the main engine's: a test that talks
# to 127.0.0.1 runs inside that namespace too (see scripts/test.sh). The
# namespace reaches the outside through one veth pair and NAT (containers
# still reach Debian's mirror), and a mount namespace keeps the engine's mounts
# off the host. Binaries come from trixie's package, unpacked under
# /opt/modelstack (the system's bookworm docker.io stays as it is); containerd,
# runc and tini are bookworm's.
#
#   scripts/ensure-engine-26.sh          start it (idempotent); prints DOCKER_HOST=...
#   scripts/ensure-engine-26.sh stop     stop what this script started, remove the namespace
#   scripts/ensure-engine-26.sh env      print DOCKER_HOST=... and MODELSTACK_NETNS=...
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/trixie.sh
. scripts/lib/ports.sh

NS=ms-e26
ROOT=/run/modelstack/engine-26.1
DATA=/var/lib/modelstack/engine-26.1
BIN=$MODELSTACK_OPT/docker.io-26.1
SOCK=$ROOT/docker.sock
HOST_IF=ms-e26-h
HOST_IP=10.239.26.1
NS_IP=10.239.26.2
TAG=modelstack-e26             # comment on every host iptables rule we add
WAIT_SECONDS=${MODELSTACK_DOCKERD_WAIT:-60}

say() { echo "ensure-engine-26: $*" >&2; }
answers() { timeout 10 docker -H "unix://$SOCK" version --format '{{.Server.Version}}' 2>/dev/null | grep -q '^26\.'; }
print_env() { echo "DOCKER_HOST=unix://$SOCK"; echo "MODELSTACK_NETNS=$NS"; }

# Only ever signal the dockerd we started: its pid, its binary, its namespace.
our_pid() {
  local pid; pid=$(cat "$ROOT/launch.pid" 2>/dev/null) || return 1
  [[ -d /proc/$pid && $(readlink "/proc/$pid/exe") == "$BIN/usr/sbin/dockerd" ]] || return 1
  [[ $(readlink "/proc/$pid/ns/net") == "net:[$(stat -L -c %i /run/netns/$NS)]" ]] || return 1
  echo "$pid"
}

host_rules() { # $1: -A/-I to add, -D to delete
  local op=$1 c=(-m comment --comment "$TAG")
  if [ "$op" = -D ]; then
    iptables -w -t nat -D POSTROUTING -s "$NS_IP/32" ! -o "$HOST_IF" "${c[@]}" -j MASQUERADE 2>/dev/null || true
    iptables -w -D FORWARD -i "$HOST_IF" "${c[@]}" -j ACCEPT 2>/dev/null || true
    iptables -w -D FORWARD -o "$HOST_IF" -m conntrack --ctstate RELATED,ESTABLISHED "${c[@]}" -j ACCEPT 2>/dev/null || true
    return 0
  fi
  iptables -w -t nat -C POSTROUTING -s "$NS_IP/32" ! -o "$HOST_IF" "${c[@]}" -j MASQUERADE 2>/dev/null \
    || iptables -w -t nat -A POSTROUTING -s "$NS_IP/32" ! -o "$HOST_IF" "${c[@]}" -j MASQUERADE
  # The main dockerd sets FORWARD's policy to DROP: allow exactly this link.
  iptables -w -C FORWARD -i "$HOST_IF" "${c[@]}" -j ACCEPT 2>/dev/null || iptables -w -I FORWARD 1 -i "$HOST_IF" "${c[@]}" -j ACCEPT
  iptables -w -C FORWARD -o "$HOST_IF" -m conntrack --ctstate RELATED,ESTABLISHED "${c[@]}" -j ACCEPT 2>/dev/null \
    || iptables -w -I FORWARD 1 -o "$HOST_IF" -m conntrack --ctstate RELATED,ESTABLISHED "${c[@]}" -j ACCEPT
}

setup_netns() {
  [ -e "/run/netns/$NS" ] || ip netns add "$NS"
  if [ ! -e "/sys/class/net/$HOST_IF" ]; then
    ip link add "$HOST_IF" type veth peer name eth0 netns "$NS"
    ip addr add "$HOST_IP/30" dev "$HOST_IF"
    ip link set "$HOST_IF" up
    ip -n "$NS" link set lo up
    ip -n "$NS" addr add "$NS_IP/30" dev eth0
    ip -n "$NS" link set eth0 up
    ip -n "$NS" route add default via "$HOST_IP"
  fi
  sysctl -qw net.ipv4.ip_forward=1
  reserve_published_port_range "$NS"
  host_rules -A
}

stop() {
  local pid
  if pid=$(our_pid); then
    say "stopping dockerd $pid"
    kill "$pid"
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
  fi
  host_rules -D
  [ -e "/sys/class/net/$HOST_IF" ] && ip link del "$HOST_IF"
  [ -e "/run/netns/$NS" ] && ip netns del "$NS"
  rm -f "$ROOT/launch.pid"
  return 0
}

start() {
  if answers; then say "engine 26.1 answers at unix://$SOCK"; print_env; return 0; fi
  [ "$(id -u)" = 0 ] || { say "engine 26.1 is not running and this is not root; rerun as root" >&2; exit 1; }
  # A dockerd of ours that does not answer (e.g. a previous start still
  # failing) is stopped first; anything else holding the socket is not ours.
  if our_pid >/dev/null; then stop; fi
  for tool in containerd runc tini iptables; do
    dpkg -s "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (bookworm)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  [ -x "$BIN/usr/sbin/dockerd" ] || { say "unpacking docker.io from trixie into $BIN"; trixie_extract docker.io "$BIN"; }
  setup_netns
  mkdir -p "$ROOT/exec" "$DATA"
  echo '{}' >"$ROOT/daemon.json" # never read /etc/docker/daemon.json
  say "starting dockerd 26.1 in netns $NS (log: $ROOT/dockerd.log)"
  # nsenter, not `ip netns exec`: that one remounts /sys and drops the cgroup
  # v1 mounts dockerd needs. Every step execs, so $! is dockerd's pid.
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
      --cgroup-parent modelstack-e26 \
      >>"$ROOT/dockerd.log" 2>&1 </dev/null &
  echo $! >"$ROOT/launch.pid"
  disown $! 2>/dev/null || true
  for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
    if answers; then say "engine up ($(docker -H "unix://$SOCK" version --format '{{.Server.Version}} API {{.Server.APIVersion}}'))"; print_env; return 0; fi
    our_pid >/dev/null || break
    sleep 0.2
  done
  say "dockerd 26.1 did not answer within ${WAIT_SECONDS}s. Last lines of $ROOT/dockerd.log:"
  tail -n 30 "$ROOT/dockerd.log" >&2 || true
  exit 1
}

missing=()
case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 [start|stop|env]" >&2; exit 2 ;;
esac
