# Shell pieces several bench scripts share; sourced (`. bench/lib.sh`) from the repository root.

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Debian's docker-registry (distribution 2.8) on a free loopback port, storing under $1, its
# access log in $1/registry.log (for counting blob GETs). Sets `host` (127.0.0.1:PORT) and
# `reg_pid`; the caller stops it.
start_registry() { # WORK
  host=127.0.0.1:$(free_port)
  cat >"$1/registry.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $1/registry
http:
  addr: $host
YML
  docker-registry serve "$1/registry.yml" >"$1/registry.log" 2>&1 &
  reg_pid=$!
  for _ in $(seq 50); do curl -sf "http://$host/v2/" >/dev/null && break; sleep 0.2; done
}

# Root filesystems around ../shared's real package databases, under $1: host (a Debian 12
# host), old (the same aged), ubuntu (20.04) and alpine (3.11).
real_rootfs() { # WORK
  local adv=../shared/data/advisories pkgdb=../shared/data/pkgdb
  one() { # DIR DB-PATH STATUS-FILE ID VERSION_ID
    mkdir -p "$1/etc" "$(dirname "$1/$2")"
    cp "$3" "$1/$2"
    printf 'ID=%s\nVERSION_ID="%s"\n' "$4" "$5" >"$1/etc/os-release"
  }
  one "$1/host" var/lib/dpkg/status $pkgdb/dpkg/debian12-host.status debian 12
  one "$1/old" var/lib/dpkg/status $adv/debian12/debian12-old.status debian 12
  one "$1/ubuntu" var/lib/dpkg/status $pkgdb/dpkg/trivy-ubuntu-valid.status ubuntu 20.04
  one "$1/alpine" lib/apk/db/installed $pkgdb/apk/trivy-alpine-installed alpine 3.11
}
