#!/usr/bin/env bash
# The results store at fleet size: N images (default 10,000) built from real scans, written to
# SQLite and to a throwaway PostgreSQL cluster (drydock-testkit's), the fleet queries timed on
# each, then `drydock store rematch` against every advisory in ../shared. Writes
# bench/results-store.md. Not run in CI (needs ../shared, PostgreSQL's initdb/pg_ctl, minutes).
#
#   bench/store.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p drydock
cargo build --release -q -p drydock-store --example fleet_bench
dd=$target/release/drydock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DRYDOCK_SKIP_DB_UPDATE=1 DRYDOCK_NO_CACHE=1 DRYDOCK_QUIET=1 DRYDOCK_DB_DIR=$work/db
adv=../shared/data/advisories
pkgdb=../shared/data/pkgdb
$dd db import $adv/govulndb $adv/rustsec $adv/pypa $adv/ghsa $adv/ubuntu $adv/alpine-secdb \
  $adv/debian12/DSA-*.json >/dev/null

# The real inventories: the Debian image, and root filesystems around ../shared's package
# databases (a Debian 12 host, the same aged, an Ubuntu and an Alpine one).
. bench/lib.sh
real_rootfs "$work"
$dd image ../shared/images/debian-min.tar -f json -o "$work/min.json" || true
for r in host old ubuntu alpine; do
  $dd rootfs "$work/$r" -f json -o "$work/$r.json" || true
done

{
  echo "# Results store at fleet size"
  echo
  echo "\`bench/store.sh $n\` on $(nproc) cores, $(date -u +%Y-%m-%d). Release build; images built"
  echo "from 5 real scans (debian-min, a Debian 12 host, the same aged, Ubuntu, Alpine), each"
  echo "image's inventory varied (every 17th package left out, shifted per image)."
  "$target/release/examples/fleet_bench" "$n" "$work/out" --drydock "$dd" --db-dir "$work/db" \
    "$work/min.json" "$work/host.json" "$work/old.json" "$work/ubuntu.json" "$work/alpine.json"
} | tee bench/results-store.md
