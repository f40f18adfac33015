#!/usr/bin/env bash
# Shared layer analyses across machines: a second machine scanning an image whose layers a first
# machine already analysed, through `drydock server` with a fleet layer key, against the same
# second machine without the key (it downloads and analyses every layer). debian-big from a real
# local registry (Debian's docker-registry, pushed with skopeo); each "machine" is an empty HOME
# and layer cache. Alternating runs; medians of wall time, CPU and peak RSS, and the layer bytes
# the registry served to each (its access log). Writes bench/results-fleet-layers.md.
#
#   bench/fleet-layers.sh [RUNS]      (default 5)
#
# Needs docker-registry and skopeo (apt) and the bench images (bench/run.sh builds them). Not
# run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
imgs=target/bench-images
[ -d "$imgs/debian-big.oci" ] || bash ../shared/tools/build-bench-images "$imgs"
cargo build --release -q -p drydock
dd=$PWD/target/release/drydock

work=$(mktemp -d)
cleanup() {
  [ -n "${reg_pid:-}" ] && kill "$reg_pid" 2>/dev/null || true
  [ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. bench/lib.sh
start_registry "$work"
skopeo copy --quiet --preserve-digests --dest-tls-verify=false \
  "oci:$imgs/debian-big.oci" "docker://$host/debian-big:12"
ref=$host/debian-big:12

# The server: SQLite store, the shared Debian 12 advisories.
export DRYDOCK_SKIP_DB_UPDATE=1 DRYDOCK_QUIET=1
$dd db import --db-dir "$work/db" ../shared/data/advisories/debian12/DSA-*.json >/dev/null
$dd server token add bench --scope submit --store "$work/s.sqlite" >"$work/token" 2>/dev/null
$dd server layer-key >"$work/key"
srv_port=$(free_port)
$dd server --listen "127.0.0.1:$srv_port" --store "$work/s.sqlite" --db-dir "$work/db" \
  --rematch-check 0 2>"$work/server.log" &
srv_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$srv_port/healthz" >/dev/null && break; sleep 0.2; done
server=http://127.0.0.1:$srv_port

# Bytes the registry served since line $1 of its access log (status 200 GETs of blobs).
served() {
  tail -n +"$(($1 + 1))" "$work/registry.log" | python3 -c '
import re, sys
total = 0
for line in sys.stdin:
    m = re.search(r"\"GET [^ ]*/blobs/[^ ]* [^\"]*\" 200 (\d+)", line)
    if m:
        total += int(m.group(1))
print(total)'
}

# One machine: a fresh HOME and cache; `$2` is "key" to share layers.
raw=$work/raw
: >"$raw"
machine() { # NAME KEY?
  local home=$work/home-$1-$RANDOM
  mkdir -p "$home"
  local before
  before=$(wc -l <"$work/registry.log")
  local extra=()
  [ "$2" = key ] && extra=(--layer-key-file "$work/key")
  HOME=$home XDG_CACHE_HOME=$home/.cache /usr/bin/time -f "$1|%e|%U|%S|%M" -a -o "$raw" \
    "$dd" image "$ref" --server "$server" --server-token-file "$work/token" \
    -f json -o "$home/report.json" "${extra[@]}" 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  sleep 0.3 # the access log is written as responses complete
  echo "$1|bytes|$(served "$before")" >>"$raw"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["findings"]))' \
    "$home/report.json" >"$work/count-$1"
  rm -rf "$home"
}

machine first key # machine A: analyses every layer, offers each to the server
for i in $(seq "$runs"); do
  if [ $((i % 2)) = 1 ]; then machine shared key; machine alone none
  else machine alone none; machine shared key; fi
done
[ "$(cat "$work/count-shared")" = "$(cat "$work/count-alone")" ] \
  || { echo "shared and unshared findings differ" >&2; exit 1; }

python3 - "$raw" "$runs" "$(cat "$work/count-alone")" <<'PY' | tee bench/results-fleet-layers.md
import statistics, subprocess, sys
raw, runs, findings = sys.argv[1], sys.argv[2], sys.argv[3]
times, sent = {}, {}
for line in open(raw):
    name, a, *rest = line.strip().split("|")
    if a == "bytes":
        sent.setdefault(name, []).append(int(rest[0]))
    else:
        e, u, s, m = map(float, [a, *rest])
        times.setdefault(name, []).append((e, u + s, m / 1024))
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(3)) for n, v in times.items()}
mb = {n: statistics.median(v) / 2**20 for n, v in sent.items()}
ver = subprocess.run(["target/release/drydock", "--version"], capture_output=True, text=True).stdout.strip()
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print("# Shared layer analyses across machines\n")
print(f"`bench/fleet-layers.sh {runs}` on {nproc} cores; {ver}; debian-big from a local docker-registry;")
print(f"{runs} alternating runs per case, medians. Each run is a new machine (empty HOME and layer")
print("cache) scanning the image in client/server mode; `shared` holds the fleet's layer key after")
print(f"machine A analysed the image once, `alone` does not. Both report the same {findings} findings.\n")
print("| case | wall s | CPU s | peak RSS MiB | layer MiB from the registry |")
print("|---|---:|---:|---:|---:|")
for n in ["first", "alone", "shared"]:
    e, c, m = med[n]
    print(f"| {n} | {e:.2f} | {c:.2f} | {m:.0f} | {mb[n]:.1f} |")
e_a, e_s = med["alone"][0], med["shared"][0]
print(f"\nshared / alone wall time: {e_s / e_a:.2f}x; the registry served {mb['shared']:.1f} MiB instead of {mb['alone']:.1f} MiB.")
print("(`first` also seals and uploads every layer's analysis.)")
PY
