#!/usr/bin/env bash
# `drydock config` against hadolint, checkov and Trivy on real public files (issue 18, part 5),
# next to the written corpus of bench/config-peers.sh.
#
#   bench/config-real.sh [RUNS]      (RUNS of the whole-corpus timing, default 3)
#
# The files are pinned in bench/corpus-real/SOURCES.tsv (repository, path, commit, licence,
# git blob id, sha256) and are not part of this repository. `bench/corpus-real.py fetch DIR` lays
# them out as DIR/<owner>__<repo>/<path> with git; this script checks every file against its
# pin before measuring, so the numbers in bench/config-real.md are for exactly those bytes.
# CORPUS (default target/corpus-real), REPORT, OUT and DRYDOCK as for bench/config-peers.sh;
# the hand-written "Reading" at the end of the report is kept across reruns.
set -euo pipefail
cd "$(dirname "$0")/.."
export CORPUS=${CORPUS:-target/corpus-real}
export REPORT=${REPORT:-bench/config-real.md}
export OUT=${OUT:-target/peers/config-real-out}
export TITLE=${TITLE:-"the real-world corpus (bench/corpus-real/SOURCES.tsv)"}
export BY=${BY:-bench/config-real.sh}
python3 bench/corpus-real.py check "$CORPUS"
exec bench/config-peers.sh "$@"
