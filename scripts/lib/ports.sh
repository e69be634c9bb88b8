# Sourced by the engine scripts. Docker hands out the published ports a file
# leaves to it ("8080", no host port) from the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, read when dockerd starts), one after the
# other from the start of the range. Outgoing TCP connections take their
# local ports from the same range, so the port Docker hands out next may be
# some connection's already, and that container's start fails with "bind:
# address already in use" (seen in CI: Compose's up of a test stack).
# Reserving the lower 40% of the range (net.ipv4.ip_local_reserved_ports: no
# automatic assignment there; explicit binds, as docker-proxy makes, still
# work) leaves those ports to Docker. A setting of the network namespace,
# until reboot; an existing reservation is kept as it is.

# reserve_published_port_range [NETNS]
reserve_published_port_range() {
  local run=() lo hi top
  [ -n "${1:-}" ] && run=(nsenter --net="/run/netns/$1" --)
  [ -n "$("${run[@]}" cat /proc/sys/net/ipv4/ip_local_reserved_ports)" ] && return 0
  read -r lo hi < <("${run[@]}" cat /proc/sys/net/ipv4/ip_local_port_range)
  top=$((lo + (hi - lo) * 2 / 5))
  "${run[@]}" sysctl -qw "net.ipv4.ip_local_reserved_ports=$lo-$top"
}
