#!/usr/bin/env bash
# A real 3-node Docker Swarm on this one machine, for the swarm tests
# (test/integration/swarm*): three Docker 26.1 engines (the binaries
# scripts/ensure-engine-26.sh unpacks from Debian trixie; containerd, runc and
# tini are bookworm's), each in its own network, mount and UTS namespace,
# joined by a private bridge. n1 is the manager, n2 and n3 are workers.
#
#   host            msswbr0 10.241.0.1/24 (so host-side tests reach host-mode ports)
#   ms-sw1 (n1)     10.241.0.11  manager   unix:///run/modelstack/swarm/n1/docker.sock
#   ms-sw2 (n2)     10.241.0.12  worker    unix:///run/modelstack/swarm/n2/docker.sock
#   ms-sw3 (n3)     10.241.0.13  worker    unix:///run/modelstack/swarm/n3/docker.sock
#
# Nodes have no default route: nothing outside the bridge is reachable, so
# images come from the main engine (`load`: a read-only `docker save` there,
# `docker load` into every node). The kernel has no IPVS: service VIPs and the
# ingress mesh do not work here; use endpoint_mode dnsrr and host-mode ports.
#
#   scripts/swarm-lab.sh setup          create the lab; nothing to do when it is up and healthy
#   scripts/swarm-lab.sh teardown       remove everything setup created, then show what is left
#   scripts/swarm-lab.sh status         what exists now (after teardown: nothing)
#   scripts/swarm-lab.sh check          exit 0 when the lab is up and healthy, else say why
#   scripts/swarm-lab.sh env            DOCKER_HOST=<manager> and the nodes (names, addresses, sockets)
#   scripts/swarm-lab.sh load IMAGE...  copy images from the main engine into every node (skips
#                                       images every node already has)
#   scripts/swarm-lab.sh node-kill N    SIGKILL node N's dockerd (its containers keep running, as
#                                       on a node whose engine crashed); the manager marks it Down
#   scripts/swarm-lab.sh node-start N   cold-boot node N (clear what its dead engine left) and wait
#                                       until the manager sees it Ready
#   scripts/swarm-lab.sh node-partition N / node-heal N   cut / reconnect node N's cable
#
# Facts behind the choices (measured, see /work/shared/lab/swarm/README.md):
# `ip netns exec` remounts /sys and dockerd then finds no cgroups, hence
# nsenter + unshare; bridged node-to-node frames cross the host's FORWARD
# chain (policy DROP, set by the main engine), hence one ACCEPT rule for the
# bridge; a SIGKILLed engine leaves shims and containers running, hence the
# cleanup before a node starts again. Only pids verified by binary and network
# namespace are ever signalled; nothing is killed by name.
set -uo pipefail
SELF=$(readlink -f "$0")
cd "$(dirname "$SELF")/.."
. scripts/lib/trixie.sh

# --- topology (teardown reads the one setup wrote to lab.conf) -----------------
NODES=3
NS_PREFIX=ms-sw                  # netns, hostname and cgroup parent ms-sw1..3
BRIDGE=msswbr0
SUBNET=10.241.0                  # .1 the host, .11.. the nodes
BIP_PREFIX=10.242                # node N's docker0: 10.242.N.1/24
LOCAL_POOL=10.243.0.0/16         # the nodes' local networks (docker_gwbridge, ...)
SWARM_POOL=10.244.0.0/16         # overlay networks (ingress too)
HEARTBEAT=1s                     # dispatcher heartbeat: a lost node is Down after ~2-3 s
ROOT=/run/modelstack/swarm       # sockets, pids, logs, exec-roots
DATA=/var/lib/modelstack/swarm   # data-roots, on a tmpfs of their own (see setup_storage)
BIN=$MODELSTACK_OPT/docker.io-26.1
TAG=modelstack-swarm             # comment on the one host iptables rule
# The main engine: only ever read (docker save, image inspect).
MAIN_HOST=${MODELSTACK_IMAGE_SOURCE:-unix:///var/run/docker.sock}
WAIT_SECONDS=${MODELSTACK_SWARM_WAIT:-60}
export DOCKER_CLI_HINTS=false

topology() {
  declare -p NODES NS_PREFIX BRIDGE SUBNET BIP_PREFIX LOCAL_POOL SWARM_POOL HEARTBEAT ROOT DATA BIN TAG | sed 's/^declare -- //'
}
WANT=$(topology)         # what this script creates
CONF=$ROOT/lab.conf      # what setup created: teardown removes exactly that
# shellcheck disable=SC1090
[ -f "$CONF" ] && . "$CONF"

# --- small helpers -------------------------------------------------------------
say() { echo "swarm-lab: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
now() { echo "${EPOCHREALTIME/./}"; }                       # microseconds
secs() { local d=$(($(now) - $1)); printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)); }
TIMES=()
timed() { # timed LABEL CMD...: run, record "LABEL X.Y s"
  local label=$1 t rc; shift; t=$(now)
  "$@"; rc=$?
  TIMES+=("$label $(secs "$t") s"); return $rc
}
times_line() { local IFS=','; echo "${TIMES[*]}" | sed 's/,/, /g'; }

ns() { echo "$NS_PREFIX$1"; }
ip_of() { echo "$SUBNET.$((10 + $1))"; }
veth() { echo "$NS_PREFIX$1-h"; }
dir_of() { echo "$ROOT/n$1"; }
sock() { echo "$ROOT/n$1/docker.sock"; }
nodes() { seq 1 "$NODES"; }
d() { local n=$1; shift; docker -H "unix://$(sock "$n")" "$@"; }   # never the main engine
main_docker() { docker -H "$MAIN_HOST" "$@"; }

alive() { # PID...: one of them still runs (a zombie does not count)
  local pid; for pid; do [[ -d /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] && return 0; done; return 1
}
ns_inode() { stat -L -c %i "/run/netns/$(ns "$1")" 2>/dev/null; }
in_node_netns() { # N PID: the pid lives in node N's network namespace
  local ino; ino=$(ns_inode "$1") || return 1
  [ -n "$ino" ] && [ "$(readlink "/proc/$2/ns/net" 2>/dev/null)" = "net:[$ino]" ]
}
# The dockerd of node N: the pid we launched, checked by binary and netns.
daemon_pid() {
  local n=$1 pid; pid=$(cat "$(dir_of "$n")/launch.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$BIN/usr/sbin/dockerd" ] || return 1
  in_node_netns "$n" "$pid" || return 1
  echo "$pid"
}
answers() { timeout 5 docker -H "unix://$(sock "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# hostname status availability role, one line per node, as the manager sees them
node_table() { timeout 10 docker -H "unix://$(sock 1)" node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{if .ManagerStatus}}{{.ManagerStatus}}{{else}}Worker{{end}}' 2>/dev/null | sort; }
expected_table() {
  local n; for n in $(nodes); do
    if [ "$n" = 1 ]; then echo "$(ns 1) Ready Active Leader"; else echo "$(ns "$n") Ready Active Worker"; fi
  done
}

# Why the lab is not up and healthy (empty when it is).
unhealthy_reason() {
  [ -f "$CONF" ] || { echo "not set up ($CONF missing)"; return; }
  [ "$(cat "$CONF")" = "$WANT" ] || { echo "set up with another topology ($CONF differs)"; return; }
  mountpoint -q "$DATA" || { echo "no tmpfs on $DATA"; return; }
  [ -e "/sys/class/net/$BRIDGE" ] || { echo "bridge $BRIDGE missing"; return; }
  iptables -w -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT 2>/dev/null || { echo "host FORWARD rule missing"; return; }
  local n
  for n in $(nodes); do
    [ -e "/run/netns/$(ns "$n")" ] || { echo "netns $(ns "$n") missing"; return; }
    daemon_pid "$n" >/dev/null || { echo "dockerd of n$n not running"; return; }
    answers "$n" || { echo "dockerd of n$n does not answer"; return; }
  done
  local have; have=$(node_table)
  [ "$have" = "$(expected_table)" ] || { echo "nodes are not all Ready: $(echo "$have" | tr '\n' ';')"; return; }
}

# --- setup ---------------------------------------------------------------------
# The data-roots live on a tmpfs mounted at $DATA: images load faster, and
# teardown is one umount instead of deleting ~80k files of three copies of
# the test images (measured: 10-56 s of rm -rf on this machine's shared disk).
# It costs RAM: about 0.5 GB per node with the standard test images.
setup_storage() {
  mkdir -p "$DATA" && mount -t tmpfs -o mode=0711 "$TAG" "$DATA"
}
preflight() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, a bridge, iptables)"
  local tool missing=()
  for tool in containerd runc tini iptables; do dpkg -s "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (bookworm)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]}"
  fi
  [ -x "$BIN/usr/sbin/dockerd" ] || { say "unpacking docker.io from trixie into $BIN"; trixie_extract docker.io "$BIN" || die "cannot unpack docker.io 26.1"; }
  # Our subnets must be free on the host (the bridge's own address excepted).
  local clash
  clash=$(ip -o -4 addr show | awk -v br="$BRIDGE" '$2 != br && $4 ~ /^10\.24[1-4]\./ {print $2, $4}')
  [ -z "$clash" ] || die "addresses in 10.241-10.244/16 are already in use on this host: $clash"
}

setup_network() {
  [ -d /run/netns ] || touch "$ROOT/created-run-netns"   # `ip netns add` makes it; teardown undoes that
  ip link add "$BRIDGE" type bridge || return 1
  ip addr add "$SUBNET.1/24" dev "$BRIDGE" || return 1
  ip link set "$BRIDGE" up || return 1
  # bridge-nf-call-iptables=1 and FORWARD policy DROP (the main engine's):
  # frames bridged between nodes cross the host FORWARD chain. Allow exactly them.
  iptables -w -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT || return 1
  local n
  for n in $(nodes); do
    ip netns add "$(ns "$n")" || return 1
    ip link add "$(veth "$n")" type veth peer name eth0 netns "$(ns "$n")" || return 1
    ip link set "$(veth "$n")" master "$BRIDGE" up || return 1
    ip -n "$(ns "$n")" link set lo up || return 1
    ip -n "$(ns "$n")" addr add "$(ip_of "$n")/24" dev eth0 || return 1
    ip -n "$(ns "$n")" link set eth0 up || return 1
    # No default route, deliberately: a node reaches the bridge and nothing else.
  done
}

start_daemon() { # cold boot of node N: the caller made sure nothing of it runs
  local n=$1 dir; dir=$(dir_of "$n")
  rm -rf "$dir/exec"    # as a reboot clears /run
  # A killed dockerd stays a zombie until PID 1 reaps it, and dockerd refuses to start while
  # /proc/<pid of its pidfile> exists: a pidfile whose process is dead (or a zombie) is stale.
  local old; old=$(cat "$dir/docker.pid" 2>/dev/null) && ! alive "$old" && rm -f "$dir/docker.pid"
  mkdir -p "$dir/exec" "$DATA/n$n" || return 1
  echo '{}' >"$dir/daemon.json"   # never read /etc/docker/daemon.json
  # Every step execs, so $! is dockerd's pid. The private mount namespace keeps
  # the node's mounts (overlay2, its netns files) off the host; they vanish
  # with its processes.
  setsid nsenter --net="/run/netns/$(ns "$n")" -- \
    unshare --mount --uts --propagation slave -- \
    env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 PATH="$BIN/usr/sbin:$BIN/usr/bin:$PATH" \
    sh -c 'hostname "$0" && exec "$@"' "$(ns "$n")" \
    "$BIN/usr/sbin/dockerd" \
      --config-file "$dir/daemon.json" \
      --data-root "$DATA/n$n" \
      --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" \
      -H "unix://$dir/docker.sock" \
      --storage-driver overlay2 \
      --bip "$BIP_PREFIX.$n.1/24" \
      --default-address-pool "base=$LOCAL_POOL,size=24" \
      --cgroup-parent "$(ns "$n")" \
      --exec-opt native.cgroupdriver=cgroupfs \
      --swarm-default-advertise-addr "$(ip_of "$n")" \
      --userland-proxy-path "$BIN/usr/sbin/docker-proxy" \
      --init-path /usr/bin/tini-static \
      --shutdown-timeout 2 \
      --label "org.modelstack.swarm-lab.node=n$n" \
      >>"$dir/dockerd.log" 2>&1 </dev/null 9<&- &   # 9: the lock (see locked), not the daemon's
  echo $! >"$dir/launch.pid"
  disown $! 2>/dev/null || true
}

wait_daemon() { # N: until it answers, or its process is gone, or the deadline
  local n=$1 i launched; launched=$(cat "$(dir_of "$n")/launch.pid")
  for ((i = 0; i < WAIT_SECONDS * 20; i++)); do
    # the socket first: a docker CLI call costs more CPU than a booting node can spare
    [ -S "$(sock "$n")" ] && answers "$n" && break
    alive "$launched" || break   # (not daemon_pid: until the exec chain reaches dockerd, its exe is nsenter, unshare...)
    sleep 0.05
  done
  if ! answers "$n"; then
    say "dockerd of n$n did not answer; last lines of $(dir_of "$n")/dockerd.log:"
    tail -n 20 "$(dir_of "$n")/dockerd.log" >&2
    return 1
  fi
  daemon_pid "$n" >/dev/null || { say "n$n answers, but not from the dockerd pid we launched"; return 1; }
}

start_daemons() {
  local n
  for n in $(nodes); do start_daemon "$n" || return 1; done
  for n in $(nodes); do wait_daemon "$n" || return 1; done
}

wait_table() { # until the manager sees every node as expected
  local i want; want=$(expected_table)
  for ((i = 0; i < WAIT_SECONDS * 5; i++)); do
    [ "$(node_table)" = "$want" ] && return 0
    sleep 0.2
  done
  say "nodes did not all become Ready: $(node_table | tr '\n' ';')"
  return 1
}

form_swarm() {
  d 1 swarm init --advertise-addr "$(ip_of 1)" --listen-addr "$(ip_of 1):2377" \
    --default-addr-pool "$SWARM_POOL" --default-addr-pool-mask-length 24 \
    --dispatcher-heartbeat "$HEARTBEAT" >/dev/null || return 1
  local token n pids=()
  token=$(d 1 swarm join-token -q worker) || return 1
  for n in $(seq 2 "$NODES"); do
    d "$n" swarm join --token "$token" --advertise-addr "$(ip_of "$n")" \
      --listen-addr "$(ip_of "$n"):2377" "$(ip_of 1):2377" >/dev/null &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || return 1; done
  wait_table
}

# Bring back what a test may have left broken (a killed or cut-off node) when
# the rest of the lab is as setup made it. Returns 1 when that is not enough.
repair() {
  [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$WANT" ] && mountpoint -q "$DATA" && [ -e "/sys/class/net/$BRIDGE" ] || return 1
  local n
  for n in $(nodes); do
    [ -e "/run/netns/$(ns "$n")" ] || return 1
    ip link set "$(veth "$n")" up 2>/dev/null || return 1
  done
  iptables -w -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT 2>/dev/null || return 1
  for n in $(nodes); do
    if ! daemon_pid "$n" >/dev/null || ! answers "$n"; then say "repairing: cold-booting n$n"; node_start "$n" || return 1; fi
  done
  wait_table
}

cmd_setup() {
  local t0 why; t0=$(now)
  why=$(unhealthy_reason)
  if [ -z "$why" ]; then
    say "up and healthy ($NODES nodes Ready), nothing to do ($(secs "$t0") s)"
    return 0
  fi
  preflight
  if [ -e "$ROOT" ] || [ -e "$DATA" ] || [ -e "/sys/class/net/$BRIDGE" ] || [ -e "/run/netns/$(ns 1)" ]; then
    say "present but not healthy: $why"
    if timed repair repair && [ -z "$(unhealthy_reason)" ]; then
      say "repaired ($(times_line)); $(secs "$t0") s"
      return 0
    fi
    say "rebuilding: teardown first"
    timed teardown cmd_teardown quiet || die "teardown failed; see above"
    eval "$WANT"   # from here on, the topology of this script, not the old lab.conf's
  fi
  mkdir -p "$ROOT" || die "cannot create $ROOT"
  echo "$WANT" >"$CONF"
  timed storage setup_storage || { say "cannot mount a tmpfs on $DATA; undoing"; cmd_teardown quiet; die "setup failed"; }
  timed network setup_network || { say "network setup failed; undoing"; cmd_teardown quiet; die "setup failed"; }
  timed daemons start_daemons || { say "a node did not start; undoing"; cmd_teardown quiet; die "setup failed"; }
  timed swarm form_swarm || { say "the swarm did not form; undoing"; cmd_teardown quiet; die "setup failed"; }
  say "setup done in $(secs "$t0") s ($(times_line))"
  d 1 node ls >&2
  cmd_env
}

# --- nodes failing and coming back ----------------------------------------------
node_kill() {
  local n=$1 pid i
  pid=$(daemon_pid "$n") || die "n$n: no dockerd of ours is running"
  kill -KILL "$pid"
  for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
  say "n$n: dockerd $pid killed (its containers keep running)"
}

# What a dead engine of node N left: containers (by runc's state under our
# exec-root), then the processes still in the node's netns that are ours by
# binary (shims of our containerd, containerd, docker-proxy, dockerd), and the
# sockets of killed shims in the shared /run/containerd/s.
kill_leftovers() {
  local n=$1 root c pid exe
  root=$(dir_of "$n")/exec/runtime-runc/moby
  if [ -d "$root" ]; then
    for c in $(runc --root "$root" list -q 2>/dev/null); do
      say "n$n: runc delete -f ${c:0:12} (left by a dead engine)"
      runc --root "$root" delete -f "$c" >/dev/null 2>&1 || true
    done
  fi
  [ -e "/run/netns/$(ns "$n")" ] || return 0
  local socks=() others=() killed=() args k addr nsp id
  for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do
    in_node_netns "$n" "$pid" || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    case $exe in
      /usr/bin/containerd-shim-runc-v2)
        mapfile -d '' args <"/proc/$pid/cmdline" 2>/dev/null
        addr='' nsp='' id=''
        for ((k = 1; k < ${#args[@]} - 1; k++)); do
          case ${args[k]} in -address) addr=${args[k + 1]} ;; -namespace) nsp=${args[k + 1]} ;; -id) id=${args[k + 1]} ;; esac
        done
        [[ $addr == "$(dir_of "$n")/"* ]] || { others+=("$pid:$exe"); continue; }
        # a shim's socket: /run/containerd/s/sha256("<containerd address>/<namespace>/<id>")
        [ -n "$nsp" ] && [ -n "$id" ] && socks+=("/run/containerd/s/$(printf '%s' "$addr/$nsp/$id" | sha256sum | cut -d' ' -f1)")
        ;;
      "$BIN/usr/sbin/dockerd" | /usr/bin/containerd | "$BIN/usr/sbin/docker-proxy") ;;
      *) others+=("$pid:$exe"); continue ;;
    esac
    say "n$n: kill -KILL $pid ($exe)"
    kill -KILL "$pid" 2>/dev/null && killed+=("$pid")
  done
  [ ${#others[@]} -eq 0 ] || say "n$n: left alone, not recognised as ours: ${others[*]}"
  local i s
  for ((i = 0; i < 50; i++)); do
    alive "${killed[@]}" || break
    sleep 0.1
  done
  for s in "${socks[@]}"; do [ -S "$s" ] && { say "n$n: removing stale shim socket $s"; rm -f "$s"; }; done
  return 0
}

node_start() {
  local n=$1 t0; t0=$(now)
  if daemon_pid "$n" >/dev/null && answers "$n"; then
    say "n$n: already running"
  else
    kill_leftovers "$n"
    start_daemon "$n" && wait_daemon "$n" || return 1
  fi
  ip link set "$(veth "$n")" up   # a node that was cut off is reconnected too
  # Back in the swarm by its own account (its agent has a session again; the
  # manager may still show the old one as Ready), and Ready in the manager's view.
  local i
  for ((i = 0; i < WAIT_SECONDS * 5; i++)); do
    if [ "$(timeout 5 docker -H "unix://$(sock "$n")" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ] &&
      [ "$(node_table | awk -v h="$(ns "$n")" '$1 == h {print $2}')" = Ready ]; then
      say "n$n: Ready after $(secs "$t0") s"; return 0
    fi
    sleep 0.2
  done
  say "n$n: started, but the manager does not see it Ready: $(node_table | tr '\n' ';')"
  return 1
}

# --- teardown --------------------------------------------------------------------
stop_daemon() { # TERM (dockerd stops its containers and containerd), KILL after 20 s
  local n=$1 pid i
  pid=$(daemon_pid "$n") || return 0
  kill -TERM "$pid"
  for ((i = 0; i < 200; i++)); do alive "$pid" || return 0; sleep 0.1; done
  pid=$(daemon_pid "$n") && { say "n$n: dockerd ignored TERM for 20 s, KILL $pid"; kill -KILL "$pid"; }
  return 0
}

stop_all() { # every node at once, then what dead engines left
  local n pids=()
  for n in $(nodes); do stop_daemon "$n" & pids+=($!); done
  wait "${pids[@]}" 2>/dev/null
  for n in $(nodes); do kill_leftovers "$n"; done
}

remove_all() {
  local n m cg
  # The node mounts live in their private mount namespaces; check the host anyway.
  grep -E " ($ROOT|$DATA)/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    say "unmounting leaked $m"; umount -l "$m"
  done
  for n in $(nodes); do
    [ -e "/sys/class/net/$(veth "$n")" ] && ip link del "$(veth "$n")"
    [ -e "/run/netns/$(ns "$n")" ] && ip netns del "$(ns "$n")"
  done
  [ -e "/sys/class/net/$BRIDGE" ] && ip link del "$BRIDGE"
  while iptables -w -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT 2>/dev/null; do :; done
  if [ -f "$ROOT/created-run-netns" ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
    while mountpoint -q /run/netns; do umount /run/netns || break; done
    rmdir /run/netns
  fi
  for n in $(nodes); do   # the empty cgroups of the node's containers (--cgroup-parent)
    for cg in /sys/fs/cgroup/*/"$(ns "$n")"; do
      [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  while mountpoint -q "$DATA"; do umount "$DATA" || { say "$DATA busy: lazy umount"; umount -l "$DATA"; }; done
  rm -rf "$DATA" "$ROOT"
  rmdir /run/modelstack /var/lib/modelstack 2>/dev/null   # only when empty (the 26.1 engine uses them too)
  return 0
}

cmd_teardown() { # [quiet]: without the status report
  local t0 left TIMES=(); t0=$(now)
  [ "$(id -u)" = 0 ] || die "needs root"
  timed stop stop_all
  timed remove remove_all
  left=$(leftovers)
  if [ -n "$left" ]; then
    say "teardown in $(secs "$t0") s ($(times_line)), but left behind:"; echo "$left" >&2; return 1
  fi
  say "teardown done in $(secs "$t0") s ($(times_line)); nothing left"
  [ "${1:-}" = quiet ] || cmd_status
}

# --- status ------------------------------------------------------------------------
# One line per kind of thing this lab can leave behind; nothing printed = nothing left.
leftovers() {
  local n c
  for n in $(nodes); do
    [ -e "/run/netns/$(ns "$n")" ] && echo "netns $(ns "$n")"
    [ -e "/sys/class/net/$(veth "$n")" ] && echo "link $(veth "$n")"
    for c in /sys/fs/cgroup/*/"$(ns "$n")"; do [ -d "$c" ] && echo "cgroup $c"; done
  done
  [ -e "/sys/class/net/$BRIDGE" ] && echo "link $BRIDGE"
  c=$(iptables -w -S FORWARD | grep -c -- "--comment $TAG") && echo "iptables-rule $c in FORWARD, comment $TAG"
  c=$(grep -cE " ($ROOT|$DATA)[/ ]" /proc/self/mountinfo) && echo "mounts $c under $ROOT or $DATA"
  for c in "$ROOT" "$DATA"; do [ -e "$c" ] && echo "dir $c"; done
  # processes of the lab: anything run from our paths but a client (the docker CLI) talking to a node
  local cmd
  for c in $(grep -lsaF -e "$ROOT/" -e "$DATA/" /proc/[0-9]*/cmdline); do
    c=${c%/cmdline}
    [ "$(readlink "$c/exe" 2>/dev/null)" = /usr/bin/docker ] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$c/cmdline" | cut -c1-120)
    [ -n "$cmd" ] && echo "process ${c#/proc/}: $cmd"
  done
  return 0
}

cmd_status() {
  local n pid why
  why=$(unhealthy_reason)
  if [ -z "$why" ]; then echo "lab: up and healthy"; else echo "lab: $why"; fi
  for n in $(nodes); do
    pid=$(daemon_pid "$n") && echo "n$n $(ns "$n") $(ip_of "$n"): dockerd $pid, $(ip netns pids "$(ns "$n")" | wc -l) processes in its netns"
  done
  [ -S "$(sock 1)" ] && answers 1 && node_table | sed 's/^/node: /'
  local left; left=$(leftovers)
  if [ -z "$why" ]; then
    echo "exists: $(echo "$left" | awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')"
  elif [ -n "$left" ]; then echo "$left" | sed 's/^/exists: /'; else echo "exists: nothing (no netns, links, iptables rule, mounts, cgroups, dirs or processes of the lab)"; fi
  echo "main engine: swarm $(timeout 5 docker -H "$MAIN_HOST" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo '?')"
}

cmd_check() {
  local why; why=$(unhealthy_reason)
  [ -z "$why" ] && return 0
  echo "the swarm lab is not up: $why. Start it with: bash scripts/swarm-lab.sh setup" >&2
  return 1
}

cmd_env() {
  [ -f "$CONF" ] || { echo "the swarm lab is not set up. Start it with: bash scripts/swarm-lab.sh setup" >&2; return 1; }
  local n names=() addrs=() hosts=()
  for n in $(nodes); do names+=("$(ns "$n")"); addrs+=("$(ip_of "$n")"); hosts+=("unix://$(sock "$n")"); done
  local IFS=,
  echo "DOCKER_HOST=unix://$(sock 1)"
  echo "MODELSTACK_SWARM_NODE_NAMES=${names[*]}"
  echo "MODELSTACK_SWARM_NODE_ADDRESSES=${addrs[*]}"
  echo "MODELSTACK_SWARM_NODE_HOSTS=${hosts[*]}"
}

# --- images ------------------------------------------------------------------------
load_everywhere() { # TAR: docker load into every node at once
  local n p rc=0 pids=()
  for n in $(nodes); do d "$n" load -q -i "$1" >/dev/null & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

cmd_load() {
  [ $# -gt 0 ] || die "usage: load IMAGE..."
  local t0 image id n need=(); t0=$(now)
  [ -f "$CONF" ] || die "the swarm lab is not set up (bash scripts/swarm-lab.sh setup)"
  for image in "$@"; do
    id=$(main_docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) || die "$image is not on the main engine ($MAIN_HOST); build it first (scripts/build-test-images.sh)"
    for n in $(nodes); do
      [ "$(d "$n" image inspect --format '{{.Id}}' "$image" 2>/dev/null)" = "$id" ] || { need+=("$image"); break; }
    done
  done
  if [ ${#need[@]} -eq 0 ]; then say "load: every node has $* already ($(secs "$t0") s)"; return 0; fi
  local tar=$DATA/load.tar rc   # in the lab's tmpfs, for the moment of the load
  timed save main_docker save -o "$tar" "${need[@]}" || { rm -f "$tar"; die "docker save ${need[*]}"; }
  timed "load into $NODES nodes" load_everywhere "$tar"; rc=$?
  rm -f "$tar"
  [ $rc = 0 ] || die "docker load into a node failed"
  say "load: ${need[*]} on every node in $(secs "$t0") s ($(times_line))"
}

# --- main ----------------------------------------------------------------------------
node_arg() { [[ ${1:-} =~ ^[0-9]+$ && $1 -ge 1 && $1 -le $NODES ]] || die "node number 1..$NODES expected, not '${1:-}'"; }
locked() { # one change at a time (setup, teardown, load, node-*): a lock on this file
  exec 9<"$SELF"
  flock -w 600 9 || die "another swarm-lab.sh has been changing the lab for 10 minutes; giving up"
}

case ${1:-} in
  setup) locked; cmd_setup ;;
  teardown) locked; cmd_teardown ;;
  status) cmd_status ;;
  check) cmd_check ;;
  env) cmd_env ;;
  load) shift; locked; cmd_load "$@" ;;
  node-kill) node_arg "${2:-}"; locked; node_kill "$2" ;;
  node-start) node_arg "${2:-}"; locked; node_start "$2" ;;
  node-partition) node_arg "${2:-}"; locked; ip link set "$(veth "$2")" down && say "n$2: cable cut" ;;
  node-heal) node_arg "${2:-}"; locked; ip link set "$(veth "$2")" up && say "n$2: reconnected" ;;
  *) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
