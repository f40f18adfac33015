#!/usr/bin/env python3
"""The real-world configuration corpus: public files pinned by repository, commit and content.

    corpus-real.py check DIR             every file of SOURCES.tsv present in DIR with its sha256
    corpus-real.py fetch DIR             clone each pinned commit (git, network) and copy the files
    corpus-real.py from-json DIR JSON... write files from saved read-outs ({repo, path, commit,
                                         offset, text, total_chars}; pages joined by offset)

The files are not in this repository: only where they come from (bench/corpus-real/SOURCES.tsv:
repository, path, commit, licence, size, git blob id, sha256). A checkout lays them out as
DIR/<owner>__<repo>/<path>, the layout bench/config-real.sh expects (default target/corpus-real).
`fetch` needs git and network access to the forge (CORPUS_REAL_GIT overrides its base URL, e.g.
a directory of mirrors); the blob id and sha256 make sure what it copies is byte for byte what
was measured.
"""

import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(HERE, "corpus-real", "SOURCES.tsv")
COLUMNS = ["repo", "path", "commit", "licence", "bytes", "git_blob", "sha256"]


def local_name(repo, path):
    return repo.replace("/", "__") + "/" + path


def git_blob(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_sources():
    rows = []
    with open(SOURCES) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "repo":
                continue
            if len(cols) != len(COLUMNS):
                sys.exit(f"{SOURCES}:{n}: expected {len(COLUMNS)} columns")
            rows.append(dict(zip(COLUMNS, cols)))
    return rows


def check(dest):
    bad = 0
    rows = read_sources()
    for r in rows:
        p = os.path.join(dest, local_name(r["repo"], r["path"]))
        try:
            data = open(p, "rb").read()
        except OSError:
            print(f"missing: {p}")
            bad += 1
            continue
        if hashlib.sha256(data).hexdigest() != r["sha256"]:
            print(f"differs from the pinned content: {p}")
            bad += 1
    wanted = {local_name(r["repo"], r["path"]) for r in rows}
    for d, _, names in os.walk(dest):
        for name in names:
            rel = os.path.relpath(os.path.join(d, name), dest)
            if rel not in wanted:
                print(f"not in SOURCES.tsv: {rel}")
                bad += 1
    if bad:
        sys.exit(f"{dest}: {bad} problem(s); `bench/corpus-real.py fetch {dest}` lays it out anew")
    print(f"{dest}: {len(rows)} files as pinned")


def fetch(dest):
    by_commit = collections.defaultdict(list)
    for r in read_sources():
        by_commit[(r["repo"], r["commit"])].append(r)
    with tempfile.TemporaryDirectory() as tmp:
        for (repo, commit), rows in sorted(by_commit.items()):
            g = os.path.join(tmp, repo.replace("/", "__") + "-" + commit[:12])
            subprocess.run(["git", "init", "-q", g], check=True)
            url = f"{os.environ.get('CORPUS_REAL_GIT', 'https://github.com')}/{repo}.git"
            # A commit of the repository's fork network: fetched by id, as the forge allows.
            subprocess.run(["git", "-C", g, "fetch", "-q", "--depth", "1", url, commit], check=True)
            for r in rows:
                data = subprocess.run(
                    ["git", "-C", g, "cat-file", "blob", r["git_blob"]],
                    check=True,
                    capture_output=True,
                ).stdout
                write(dest, r["repo"], r["path"], data, r)
    check(dest)


def write(dest, repo, path, data, expect=None):
    if expect and hashlib.sha256(data).hexdigest() != expect["sha256"]:
        sys.exit(f"{repo}/{path}: content differs from SOURCES.tsv")
    p = os.path.join(dest, local_name(repo, path))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def from_json(dest, paths):
    pages = collections.defaultdict(list)
    for p in paths:
        d = json.load(open(p))
        pages[(d["repo"], d["path"], d["commit"])].append(d)
    for (repo, path, commit), ps in sorted(pages.items()):
        ps.sort(key=lambda d: d["offset"])
        text = "".join(d["text"] for d in ps)
        total = ps[0]["total_chars"]
        # The read-outs show CRLF files with LF line ends; total_chars counts the CRs.
        if len(text) != total and len(text) + text.count("\n") == total:
            text = text.replace("\n", "\r\n")
        if len(text) != total:
            sys.exit(f"{repo}/{path}: {len(text)} characters read of {total}")
        write(dest, repo, path, text.encode())
        print(f"{repo}\t{path}\t{commit}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, dest = sys.argv[1:3]
    if cmd == "check":
        check(dest)
    elif cmd == "fetch":
        fetch(dest)
    elif cmd == "from-json":
        from_json(dest, sys.argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
