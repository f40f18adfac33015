#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and reports executions and crashes.
# Crash inputs land in fuzz/artifacts/<target>/; copy them into crates' regression tests.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do
  log=$(mktemp)
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1 >"$log" 2>&1 || true
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  crash=$(grep -cE '^==[0-9]+==ERROR|panicked at|deadly signal' "$log" || true)
  echo "$t: ${secs}s, $execs executions, crashes: $crash"
  rm -f "$log"
done
