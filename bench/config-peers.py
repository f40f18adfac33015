#!/usr/bin/env python3
"""Compares drydock's config findings with hadolint's, checkov's and Trivy's on one corpus.

    config-peers.py OUT_DIR CORPUS MAP.tsv REPORT.md [TITLE [BY]]
    config-peers.py --time TIMES.tsv LABEL STDOUT -- CMD...

The second form runs CMD with its stdout in STDOUT and appends "LABEL<TAB>wall<TAB>user<TAB>sys"
to TIMES.tsv, timed with perf_counter and the children's rusage: /usr/bin/time rounds to 10 ms,
which is more than drydock takes for a file.

OUT_DIR is what bench/config-peers.sh wrote: one JSON output per tool and file, times.tsv
(per-file runs), whole.tsv (one invocation over the corpus) and versions.txt. TITLE names the
corpus in the report's heading ("the config corpus"), BY the script that ran the tools. Anything
from a line `<!-- reading -->` on in an existing REPORT is hand-written and kept.

The comparison is mechanical so it can be rerun and reviewed: every peer id is looked up in
MAP.tsv (tool, peer id or prefix*, drydock ids separated by | or "-", note). A peer finding in a
file counts as caught when drydock reports one of the mapped ids in the same file; lines are not
compared because the tools anchor findings differently (checkov reports a whole Kubernetes
resource, Trivy a container block, hadolint the instruction). A mapped id drydock deliberately
does not report for one file is listed in MAP.tsv's `@file` rows with the reason. Unmapped peer
ids are listed so the map is kept complete.
"""

import collections
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TOOLS = ["drydock", "hadolint", "checkov", "trivy"]
# Corpus files written to pass every reasonable check.
GOOD = ("hardened", "-good", "buildkit-heredoc")
PEERS = TOOLS[1:]
READING = "<!-- reading -->"


def kind(corpus, f):
    """Dockerfile, daemon.json, Compose or Kubernetes, by the file's name and, for YAML that is
    not named as Compose, a top-level `services:` key (as drydock decides)."""
    name = os.path.basename(f)
    low = name.lower()
    if "ockerfile" in name or low.startswith("containerfile") or low.endswith(".containerfile"):
        return "Dockerfile"
    if f.endswith(".json"):
        return "daemon.json"
    if "compose" in name:
        return "Compose"
    try:
        with open(os.path.join(corpus, f), errors="replace") as fh:
            if any(line.startswith("services:") for line in fh):
                return "Compose"
    except OSError:
        pass
    return "Kubernetes"


def load_json(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        # checkov prints one JSON document per framework; with one framework it is one object.
        return None


def parse(tool, data):
    """Findings of one tool on one file as (id, line, message) tuples."""
    out = []
    if data is None:
        return out
    if tool == "drydock":
        for f in data.get("findings", []):
            out.append((f["id"], (f.get("location") or {}).get("line") or 0, f.get("message", "")))
    elif tool == "hadolint":
        for f in data:
            out.append((f["code"], f.get("line", 0), f.get("message", "")))
    elif tool == "checkov":
        reports = data if isinstance(data, list) else [data]
        for r in reports:
            for f in (r.get("results") or {}).get("failed_checks", []):
                rng = f.get("file_line_range") or [0]
                msg = f"{f.get('resource', '')}: {f.get('check_name', '')}"
                out.append((f["check_id"], rng[0], msg))
    elif tool == "trivy":
        for res in data.get("Results") or []:
            for m in res.get("Misconfigurations") or []:
                if m.get("Status") != "FAIL":
                    continue
                line = (m.get("CauseMetadata") or {}).get("StartLine") or 0
                out.append((m["ID"], line, m.get("Message") or m.get("Title", "")))
    return out


def load_map(path):
    """(tool, id) -> (drydock ids, note); (tool, id, file) -> reason for per-file exceptions."""
    ids, exceptions = {}, {}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "@file":
                # @file  tool  peer-id  file  reason
                if len(cols) != 5:
                    sys.exit(f"{path}:{n}: @file rows have 5 columns")
                exceptions[(cols[1], cols[2], cols[3])] = cols[4]
                continue
            if len(cols) != 4:
                sys.exit(f"{path}:{n}: expected 4 tab-separated columns, got {len(cols)}")
            tool, pid, dd, note = cols
            dd_ids = [] if dd == "-" else dd.split("|")
            ids[(tool, pid)] = (dd_ids, note)
    return ids, exceptions


def lookup(mapping, tool, pid):
    if (tool, pid) in mapping:
        return mapping[(tool, pid)]
    best = None
    for (t, p), v in mapping.items():
        if t == tool and p.endswith("*") and pid.startswith(p[:-1]):
            if best is None or len(p) > len(best[0]):
                best = (p, v)
    return best[1] if best else None


def read_times(path, keyed):
    rows = collections.defaultdict(list)
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            # /usr/bin/time writes "Command exited with non-zero status" lines too.
            if keyed and len(parts) == 5:
                rows[parts[0]].append((float(parts[2]), float(parts[3]) + float(parts[4])))
            elif not keyed and len(parts) == 4:
                rows[parts[0]].append((float(parts[1]), float(parts[2]) + float(parts[3])))
    return rows


def timed(argv):
    times, label, stdout = argv[:3]
    cmd = argv[4:] if argv[3] == "--" else argv[3:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdout, "wb") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    sys_ = after.ru_stime - before.ru_stime
    with open(times, "a") as f:
        f.write(f"{label}\t{wall:.4f}\t{user:.4f}\t{sys_:.4f}\n")


def main():
    if sys.argv[1] == "--time":
        timed(sys.argv[2:])
        return
    out_dir, corpus, map_path, report = sys.argv[1:5]
    title = sys.argv[5] if len(sys.argv) > 5 else "the config corpus"
    written_by = sys.argv[6] if len(sys.argv) > 6 else "bench/config-peers.sh"
    mapping, exceptions = load_map(map_path)
    files = sorted(
        os.path.relpath(os.path.join(d, n), corpus)
        for d, _, ns in os.walk(corpus)
        for n in ns
    )
    found = {t: {} for t in TOOLS}
    ran = {t: set() for t in TOOLS}
    for t in TOOLS:
        for f in files:
            p = os.path.join(out_dir, t, f.replace("/", "__") + ".json")
            if os.path.exists(p):
                ran[t].add(f)
            found[t][f] = parse(t, load_json(p))

    per_file_t = read_times(os.path.join(out_dir, "times.tsv"), keyed=True)
    whole_t = read_times(os.path.join(out_dir, "whole.tsv"), keyed=False)
    versions = {}
    vp = os.path.join(out_dir, "versions.txt")
    if os.path.exists(vp):
        for line in open(vp):
            k, _, v = line.rstrip("\n").partition("\t")
            versions[k] = v

    # Classify every peer finding.
    caught = collections.Counter()  # (tool, pid) -> n
    missed = []  # (tool, pid, file, line, msg, dd ids, note)
    excused = []  # (tool, pid, file, line, msg, reason)
    unadopted = collections.Counter()  # (tool, pid) -> n
    unmapped = collections.Counter()
    examples = {}
    for t in PEERS:
        for f in files:
            dd_ids = {i for i, _, _ in found["drydock"][f]}
            for pid, line, msg in found[t][f]:
                examples.setdefault((t, pid), msg)
                m = lookup(mapping, t, pid)
                if m is None:
                    unmapped[(t, pid)] += 1
                    continue
                want, note = m
                if not want:
                    unadopted[(t, pid)] += 1
                elif dd_ids.intersection(want):
                    caught[(t, pid)] += 1
                elif (t, pid, f) in exceptions:
                    excused.append((t, pid, f, line, msg, exceptions[(t, pid, f)]))
                else:
                    missed.append((t, pid, f, line, msg, "|".join(want), note))

    w = []
    w.append(f"# drydock config vs hadolint, checkov and Trivy on {title}\n")
    w.append(
        f"Written by `{written_by}` (data: `{out_dir}`), compared by "
        "`bench/config-peers.py` with the id mapping `bench/config-peers-map.tsv`. "
        "Do not edit by hand: fix the map or the rules and rerun.\n"
    )
    w.append("## Tools\n")
    for t in TOOLS:
        w.append(f"- {t}: {versions.get(t, '?')}")
    w.append(
        "\nCommands per file: `drydock config FILE --format json`; "
        "`hadolint --no-fail --format json FILE` (Dockerfiles); "
        "`checkov -f FILE -o json --framework dockerfile|kubernetes --skip-download --compact "
        "--quiet`; `trivy config --skip-check-update --format json -q FILE` (offline, embedded "
        "checks bundle). No peer reads Compose files or daemon.json "
        "(checkov has no Compose framework, Trivy's config scanner has no Compose checks, "
        "hadolint is Dockerfile-only), so those rows are drydock's alone.\n"
    )

    kinds = {f: kind(corpus, f) for f in files}
    w.append(
        f"Corpus: {len(files)} files in `{corpus}` ("
        + ", ".join(f"{n} {k}" for k, n in sorted(collections.Counter(kinds.values()).items()))
        + ").\n"
    )

    # Totals and timings.
    w.append("## Findings and time\n")
    w.append(
        "Wall and CPU (user+sys) seconds. *Per file* is the sum over one run per file (what the "
        "per-file counts below come from); *whole corpus* is the median of one invocation over "
        "the corpus directory (hadolint: all Dockerfiles in one call). Ratios are against "
        "drydock's time for the same mode. The machine is a shared 2-core box, so wall times "
        "carry noise from other builds; CPU time is the steadier number.\n"
    )
    w.append(
        "| tool | files run | findings | Dockerfile | Kubernetes | Compose + daemon.json | "
        "per-file wall | per-file CPU | wall ratio | whole-corpus wall | whole-corpus CPU | "
        "wall ratio |"
    )
    w.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def tot(t, rows):
        v = rows.get(t, [])
        return (sum(x[0] for x in v), sum(x[1] for x in v)) if v else (0.0, 0.0)

    def med(t, rows):
        v = rows.get(t, [])
        if not v:
            return (0.0, 0.0)
        return (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))

    dd_pf = tot("drydock", per_file_t)
    dd_wh = med("drydock", whole_t)
    for t in TOOLS:
        n = sum(len(found[t][f]) for f in files)
        pf = tot(t, per_file_t)
        wh = med(t, whole_t)
        r1 = f"{pf[0] / dd_pf[0]:.0f}x" if dd_pf[0] > 0 else "-"
        r2 = f"{wh[0] / dd_wh[0]:.0f}x" if dd_wh[0] > 0 else "-"
        if t == "drydock":
            r1 = r2 = "1x"
        by = collections.Counter()
        for f in files:
            by[kinds[f]] += len(found[t][f])
        other = by["Compose"] + by["daemon.json"]
        w.append(
            f"| {t} | {len(ran[t])} | {n} | {by['Dockerfile']} | {by['Kubernetes']} | {other} | "
            f"{pf[0]:.3f} | {pf[1]:.3f} | {r1} | {wh[0]:.3f} | {wh[1]:.3f} | {r2} |"
        )
    w.append("")

    w.append("### Per file\n")
    w.append("| file | drydock | hadolint | checkov | trivy |")
    w.append("|---|---:|---:|---:|---:|")
    for f in files:
        cells = [str(len(found[t][f])) if f in ran[t] else "—" for t in TOOLS]
        w.append(f"| `{f}` | " + " | ".join(cells) + " |")
    w.append("")

    # Peer ids and how they map.
    w.append("## Peer ids mapped to drydock\n")
    w.append(
        "Every peer id that fired on the corpus, with how often, the drydock rule(s) it means and "
        "how many of its findings drydock also reports in the same file. `-` means drydock "
        "deliberately has no such rule; the note says why.\n"
    )
    w.append("| tool | peer id | findings | drydock | caught | note |")
    w.append("|---|---|---:|---|---:|---|")
    all_ids = collections.Counter()
    for t in PEERS:
        for f in files:
            for pid, _, _ in found[t][f]:
                all_ids[(t, pid)] += 1
    for (t, pid), n in sorted(all_ids.items()):
        m = lookup(mapping, t, pid)
        if m is None:
            w.append(f"| {t} | {pid} | {n} | **unmapped** | | {examples.get((t, pid), '')} |")
            continue
        want, note = m
        dd = ", ".join(want) if want else "-"
        c = str(caught[(t, pid)]) if want else ""
        w.append(f"| {t} | {pid} | {n} | {dd} | {c} | {note} |")
    w.append("")

    w.append("## Peer finds, drydock misses\n")
    if missed:
        w.append(
            "Peer findings whose meaning maps to a drydock rule that did not fire in that file.\n"
        )
        w.append("| tool | peer id | file:line | peer message | drydock rule |")
        w.append("|---|---|---|---|---|")
        for t, pid, f, line, msg, dd, _ in sorted(missed):
            w.append(f"| {t} | {pid} | `{f}:{line}` | {msg} | {dd} |")
    else:
        w.append("None: every peer finding that maps to a drydock rule is reported by drydock.\n")
    w.append("")
    if excused:
        w.append("### Mapped, not reported by drydock on purpose\n")
        w.append("| tool | peer id | file:line | peer message | why drydock is silent |")
        w.append("|---|---|---|---|---|")
        for t, pid, f, line, msg, reason in sorted(excused):
            w.append(f"| {t} | {pid} | `{f}:{line}` | {msg} | {reason} |")
        w.append("")

    w.append("### Peer findings drydock does not adopt\n")
    w.append("| tool | peer id | findings | why not |")
    w.append("|---|---|---:|---|")
    for (t, pid), n in sorted(unadopted.items()):
        w.append(f"| {t} | {pid} | {n} | {lookup(mapping, t, pid)[1]} |")
    w.append("")
    if unmapped:
        w.append("### Unmapped peer ids (add them to the map)\n")
        for (t, pid), n in sorted(unmapped.items()):
            w.append(f"- {t} {pid} ({n}): {examples.get((t, pid), '')}")
        w.append("")

    # Good files: drydock's findings there are candidates for false positives.
    good = [f for f in files if any(g in f for g in GOOD)]
    if good:
        w.append("## drydock on the hardened files\n")
        w.append(
            "Files written to pass (`*hardened*`, `*-good*`, the BuildKit heredoc build): every "
            "finding here is a possible false positive and is listed in full.\n"
        )
    for f in good:
        fs = found["drydock"][f]
        w.append(f"- `{f}`: {len(fs)} drydock finding(s)")
        for i, line, msg in fs:
            w.append(f"  - {i} line {line}: {msg}")
        for t in PEERS:
            if f not in ran[t]:
                continue
            fs = found[t][f]
            ids = ", ".join(sorted({i for i, _, _ in fs})) or "none"
            w.append(f"  - {t}: {len(fs)} ({ids})")
    if good:
        w.append("")

    # The other direction: what drydock reports and which peer ids mean the same.
    w.append("## drydock rules and their peer equivalents\n")
    w.append(
        "Findings per drydock rule on the corpus, with the peer ids (of those that fired here) "
        "the map gives the same meaning. Compose files and daemon.json are read by no peer "
        "at all.\n"
    )
    back = collections.defaultdict(set)
    for (t, pid), (want, _) in mapping.items():
        for d in want:
            back[d].add(f"{t} {pid}")
    per_rule = collections.Counter(i for f in files for i, _, _ in found["drydock"][f])
    w.append("| drydock rule | findings | same meaning in peers |")
    w.append("|---|---:|---|")
    for rid, n in sorted(per_rule.items()):
        w.append(f"| {rid} | {n} | {', '.join(sorted(back.get(rid, []))) or '—'} |")
    w.append("")

    # A hand-written reading of the results, below the marker, survives a rerun.
    kept = ""
    if os.path.exists(report):
        with open(report) as fh:
            old = fh.read()
        at = old.find(READING)
        if at >= 0:
            kept = "\n" + old[at:]
    with open(report, "w") as fh:
        fh.write("\n".join(w) + kept)
    print(
        f"{report}: {len(missed)} misses, {len(unmapped)} unmapped ids, "
        f"{sum(unadopted.values())} unadopted findings"
    )


if __name__ == "__main__":
    main()
