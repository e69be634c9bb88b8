# Fetch single packages from Debian trixie without touching the system's apt
# configuration: a private sources list and package index under
# $MODELSTACK_OPT/apt, `apt-get download`, then `dpkg-deb -x` into a folder of
# our own. Nothing is installed into the system; bookworm stays bookworm.
#
#   . scripts/lib/trixie.sh
#   trixie_extract docker-compose /opt/modelstack/compose-v2.26
MODELSTACK_OPT=${MODELSTACK_OPT:-/opt/modelstack}
TRIXIE_MIRROR=${MODELSTACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}

_trixie_apt() {
  local dir=$MODELSTACK_OPT/apt
  apt-get -qq \
    -o Dir::Etc::SourceList="$dir/trixie.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache::Archives="$dir/archives" \
    -o Dir::State::Status=/var/lib/dpkg/status -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root "$@"
}

# trixie_extract PACKAGE DEST: unpack the trixie version of PACKAGE into DEST
# (which then holds usr/...). Does nothing when DEST/.package already names it.
trixie_extract() {
  local pkg=$1 dest=$2 dir=$MODELSTACK_OPT/apt
  [ -f "$dest/.package" ] && grep -qx "$pkg" "$dest/.package" && return 0
  mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/debs"
  echo "deb $TRIXIE_MIRROR trixie main" >"$dir/trixie.list"
  [ -f "$dir/lists/.updated" ] || { _trixie_apt update && touch "$dir/lists/.updated"; }
  local deb
  (cd "$dir/debs" && _trixie_apt download "$pkg/trixie") || { echo "trixie: cannot download $pkg from trixie" >&2; return 1; }
  deb=$(ls -t "$dir/debs/${pkg}_"*.deb | head -n1)
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  dpkg-deb -x "$deb" "$dest.tmp"
  echo "$pkg" >"$dest.tmp/.package"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
}
