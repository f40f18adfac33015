#!/usr/bin/env bash
# Peak memory and wall time against the number of files (issue 18 part 3): generates the
# images with bench/million.py under target/bench-images (once; 10M empty files take ~5 GB
# and ~7 minutes to write) and scans each with `--no-cache --offline`, misconfig-only and with
# the default scanners. Prints a Markdown table; bench/results.md keeps the last one.
#
#   bench/memory.sh [SIZES]        SIZES: any of 100k 1m 1m4 10m (default: 100k 1m 1m4)
#   DRYDOCK=path OTHER=path bench/memory.sh 1m    compare two builds, alternating per row
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-100k 1m 1m4}
if [ -z "${DRYDOCK:-}" ]; then
  cargo build --release -q -p drydock
  DRYDOCK=${CARGO_TARGET_DIR:-target}/release/drydock
fi
dir=target/bench-images
mkdir -p "$dir"

image() { # name -> path, generated once
  local n files size layers
  case $1 in
    100k) files=100000 size=1024 layers=1 ;;
    1m) files=1000000 size=1024 layers=1 ;;
    1m4) files=1000000 size=1024 layers=4 ;;
    10m) files=10000000 size=0 layers=1 ;;
    *) echo "unknown size $1" >&2; exit 2 ;;
  esac
  n=$dir/files-$1
  [ -f "$n/index.json" ] || python3 bench/million.py "$n" "$files" "$size" "$layers" >&2
  echo "$n"
}

echo "| image | build | scanners | files in view | wall s | peak MiB |"
echo "|---|---|---|---:|---:|---:|"
for s in $sizes; do
  img=$(image "$s")
  for scanners in misconfig default; do
    args=(--no-cache --offline --max-entries 20000000 --format json)
    [ "$scanners" = misconfig ] && args+=(--scanners misconfig)
    for build in "$DRYDOCK" ${OTHER:+"$OTHER"}; do
      out=$(mktemp)
      t=$( { /usr/bin/time -f "%e %M" "$build" image "$img" "${args[@]}" -o "$out" 2>&1 >/dev/null; } | tail -1)
      files=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['files'])" "$out")
      rm -f "$out"
      read -r wall kib <<<"$t"
      echo "| $s | $(basename "$build") | $scanners | $files | $wall | $((kib / 1024)) |"
    done
  done
done
