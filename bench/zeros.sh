#!/usr/bin/env bash
# Memory must stay flat with layer size: scan a layer holding one 4 GiB file of zeros and report
# wall time and peak RSS. Not part of the test suite (it takes a while); run by hand or in bench.
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-4}
img=target/bench-images/zeros-${gib}g
[ -f "$img/index.json" ] || python3 bench/zeros.py "$img" "$gib"
cargo build --release -q
/usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KiB" ./target/release/drydock image "$img" --quiet
