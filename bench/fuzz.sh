#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each (default 60): every target `cargo fuzz list` knows, or the
# ones named after SECONDS. Run it under `nice` on a shared machine.
#
#   bench/fuzz.sh [SECONDS] [TARGET...]
#
# Each target starts from its working corpus (fuzz/corpus/<target>, not committed) plus the
# committed seeds and past crashes in fuzz/regressions/<target>. A crash, timeout or OOM input
# lands in fuzz/artifacts/<target>/ and is listed; after fixing the parser, copy it into
# fuzz/regressions/<target>/ so `cargo test -p drydock-testkit` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
if ! build_log=$(cargo fuzz build -O 2>&1); then
  echo "$build_log" >&2
  exit 1
fi
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
for t in "${targets[@]}"; do
  log=$(mktemp)
  mkdir -p "corpus/$t" "regressions/$t" "artifacts/$t"
  touch "$marker"
  start=$(date +%s)
  # -timeout: an input taking longer than this is reported like a crash (a hang is a bug too).
  cargo fuzz run -O "$t" "corpus/$t" "regressions/$t" -- -max_total_time="$secs" -timeout=20 \
    -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1 >"$log" 2>&1 || true
  ran=$(($(date +%s) - start))
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  found=$(find "artifacts/$t" -type f -newer "$marker" ! -name 'slow-unit-*' | sort)
  echo "$t: ${ran}s, $execs executions, crashes: $(printf '%s' "$found" | grep -c . || true)"
  if [ -n "$found" ]; then
    grep -m1 -E '^==[0-9]+== ?ERROR|panicked at' "$log" | sed 's/^/  /' || true
    printf '  %s\n' $found
  fi
  rm -f "$log"
done
