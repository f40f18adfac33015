#!/usr/bin/env python3
"""Generates the reference version-ordering vectors in crates/drydock-version/tests/vectors/.

Every pair is answered by the scheme's own reference implementation, never by drydock:
  dpkg    dpkg --compare-versions (Debian's dpkg)
  rpm     rpm.labelCompare (Debian's python3-rpm, run with /usr/bin/python3)
  pep440  packaging.version.Version (pypa packaging; `pip install packaging`); versions PEP 440
          rejects as OSV orders PyPI: packaging_legacy (`pip install packaging-legacy`)
  semver  node-semver's compare() (`npm install semver@7`), strict for crates.io, loose for npm
  gem     Gem::Version#<=> (Debian's ruby)
  maven   org.apache.maven.artifact.versioning.ComparableVersion (maven-artifact-3.x.jar of
          Debian's maven)
Version strings come from the real data in ../shared (package databases, advisories, the
upstream vector files) plus mutations of them (suffixes, bumps, separators each scheme gives
meaning to). Pairs a reference rejects as invalid are left out; the output is deterministic.

Usage: tools/version-vectors.py [--per-scheme N]   (not run in CI: the vectors are committed)
"""
import argparse, glob, json, os, random, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "crates", "drydock-version", "tests", "vectors")
SEMVER_JS = os.environ.get("SEMVER_JS", "/tmp/semverjs")
MAVEN_JAR = "/usr/share/maven/lib/maven-artifact-3.x.jar"


def upstream_strings(name):
    out = set()
    p = os.path.join(SHARED, "versions", name)
    if os.path.exists(p):
        for line in open(p, encoding="utf-8").read().splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) == 3:
                out.update([parts[0], parts[2]])
    return out


def osv_versions(paths, ecosystem_prefix=None):
    out = set()
    for p in paths:
        try:
            d = json.load(open(p, encoding="utf-8"))
        except Exception:
            continue
        for a in d.get("affected", []):
            eco = (a.get("package") or {}).get("ecosystem", "")
            if ecosystem_prefix and not eco.startswith(ecosystem_prefix):
                continue
            out.update(v for v in a.get("versions", []) if isinstance(v, str))
            for r in a.get("ranges", []):
                for e in r.get("events", []):
                    for k in ("introduced", "fixed", "last_affected"):
                        v = e.get(k)
                        if isinstance(v, str) and v != "0":
                            out.add(v)
    return out


def dpkg_strings():
    out = upstream_strings("dpkg.tsv")
    for p in glob.glob(os.path.join(SHARED, "pkgdb", "dpkg", "*.status")) + [
        os.path.join(SHARED, "advisories", "debian12", "debian12-old.status")
    ]:
        for line in open(p, encoding="utf-8", errors="replace"):
            if line.startswith("Version: "):
                out.add(line[9:].strip())
    out |= osv_versions(glob.glob(os.path.join(SHARED, "advisories", "debian12", "*.json")))
    out |= osv_versions(glob.glob(os.path.join(SHARED, "advisories", "ubuntu", "*.json")))
    return out


def rpm_strings():
    out = upstream_strings("rpm.tsv")
    for p in glob.glob(os.path.join(SHARED, "pkgdb", "rpm", "*.expected.tsv")):
        for line in open(p, encoding="utf-8").read().splitlines()[1:]:
            f = line.split("\t")
            if len(f) >= 4:
                epoch = f[1] if f[1] not in ("", "0", "(none)") else ""
                out.add((epoch + ":" if epoch else "") + f[2] + "-" + f[3])
    out |= osv_versions(glob.glob(os.path.join(ROOT, "crates", "drydock-vulndb", "tests", "fixtures", "distros", "*.json")))
    return out


def pep440_strings():
    out = upstream_strings("pep440.tsv")
    for p in glob.glob(os.path.join(SHARED, "advisories", "pypa", "*.yaml")):
        block = None
        for line in open(p, encoding="utf-8"):
            m = re.match(r"\s*- (introduced|fixed|last_affected): ['\"]?([^'\"\s]+)['\"]?\s*$", line)
            if m and m.group(2) != "0":
                out.add(m.group(2))
            if re.match(r"\s*versions:\s*$", line):
                block = True
                continue
            m = re.match(r"\s*- ['\"]?([^'\"\s]+)['\"]?\s*$", line)
            if block and m:
                out.add(m.group(1))
            elif not line.startswith(" ") and not line.startswith("-"):
                block = None
    return out


def cargo_strings():
    return upstream_strings("semver.tsv") | osv_versions(glob.glob(os.path.join(SHARED, "advisories", "rustsec", "*.json")))


def mutate(vs, suffixes, rng, n):
    base = sorted(vs)
    out = set(vs)
    for v in rng.sample(base, min(len(base), n)):
        for s in rng.sample(suffixes, min(3, len(suffixes))):
            out.add(v + s)
        # bump the last number
        m = re.search(r"(\d+)(?!.*\d)", v)
        if m:
            i = int(m.group(1))
            out.add(v[: m.start()] + str(i + 1) + v[m.end():])
            if i > 0:
                out.add(v[: m.start()] + str(i - 1) + v[m.end():])
    return out


def pairs(strings, rng, n):
    s = sorted(strings, key=lambda x: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", x)])
    out = set()
    for i in range(len(s) - 1):
        out.add((s[i], s[i + 1]))
        if i + 2 < len(s):
            out.add((s[i], s[i + 2]))
    out = sorted(out)
    rng.shuffle(out)
    out = out[: n * 2 // 3]
    while len(out) < n and len(s) > 1:
        a, b = rng.sample(s, 2)
        out.append((a, b))
    return sorted(set(out))[:n]


def sign(x):
    return "<" if x < 0 else ("=" if x == 0 else ">")


def ref_dpkg(ps):
    out = []
    for a, b in ps:
        def cmp(op):
            r = subprocess.run(["dpkg", "--compare-versions", a, op, b], capture_output=True)
            return r.returncode, r.stderr
        rc, err = cmp("lt")
        if err:
            continue
        if rc == 0:
            out.append((a, "<", b))
            continue
        rc, err = cmp("eq")
        if err:
            continue
        out.append((a, "=" if rc == 0 else ">", b))
    return out


def run_filter(cmd, ps, stdin_fmt=lambda a, b: f"{a}\t{b}\n"):
    """Runs a reference reading `a<TAB>b` lines and answering `<`, `=`, `>` or `!` (invalid)."""
    data = "".join(stdin_fmt(a, b) for a, b in ps)
    r = subprocess.run(cmd, input=data, capture_output=True, text=True, check=True)
    out = []
    for (a, b), ans in zip(ps, r.stdout.splitlines()):
        if ans in ("<", "=", ">"):
            out.append((a, ans, b))
    return out


RPM_PY = r'''
import sys, rpm
def evr(s):
    e, _, rest = s.rpartition(":") if ":" in s else ("", "", s)
    v, sep, r = rest.rpartition("-")
    if not sep:
        v, r = rest, ""
    return (e or "0", v, r)
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    c = rpm.labelCompare(evr(a), evr(b))
    print("<" if c < 0 else "=" if c == 0 else ">")
'''

PEP_PY = r'''
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("!"); continue
    print("<" if x < y else "=" if x == y else ">")
'''

SEMVER_JS_CODE = r'''
const semver = require("semver");
const loose = process.argv[2] === "loose";
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
const out = [];
for (const l of lines) {
  const [a, b] = l.split("\t");
  try {
    if (!semver.valid(a, { loose }) || !semver.valid(b, { loose })) { out.push("!"); continue; }
    const c = semver.compare(a, b, { loose });
    out.push(c < 0 ? "<" : c === 0 ? "=" : ">");
  } catch (e) { out.push("!"); }
}
process.stdout.write(out.join("\n") + "\n");
'''

LEGACY_PY = r'''
import sys
from packaging.version import Version, InvalidVersion
from packaging_legacy.version import parse
def valid(s):
    try:
        Version(s); return True
    except InvalidVersion:
        return False
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    if valid(a) and valid(b):
        print("!"); continue
    x, y = parse(a), parse(b)
    print("<" if x < y else "=" if x == y else ">")
'''

GEM_RB = r'''
STDIN.each_line do |l|
  a, b = l.chomp.split("\t", 2)
  unless Gem::Version.correct?(a) && Gem::Version.correct?(b)
    puts "!"; next
  end
  c = Gem::Version.new(a) <=> Gem::Version.new(b)
  puts(c < 0 ? "<" : c == 0 ? "=" : ">")
end
'''

MAVEN_JAVA = r'''
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
public class Cmp {
  public static void main(String[] x) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    StringBuilder sb = new StringBuilder();
    String l;
    while ((l = r.readLine()) != null) {
      String[] p = l.split("\t", 2);
      int c = new ComparableVersion(p[0]).compareTo(new ComparableVersion(p[1]));
      sb.append(c < 0 ? "<" : c == 0 ? "=" : ">").append('\n');
    }
    System.out.print(sb);
  }
}
'''


def write(name, rows, source):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write("a\top\tb\n")
        for a, o, b in rows:
            f.write(f"{a}\t{o}\t{b}\n")
    print(f"{name}: {len(rows)} pairs ({source})", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-scheme", type=int, default=4000)
    n = ap.parse_args().per_scheme
    rng = random.Random(20261205)
    tmp = tempfile.mkdtemp()

    dpkg = mutate(dpkg_strings(), ["~rc1", "+b1", "-1", ".1", "~", "+deb12u1", "a"], rng, 400)
    write("dpkg.tsv", ref_dpkg(pairs(dpkg, rng, n)), "dpkg --compare-versions")

    rpm = mutate(rpm_strings(), ["~rc1", "^post1", ".el9", "a", ".1", "_1"], rng, 300)
    write("rpm.tsv", run_filter(["/usr/bin/python3", "-c", RPM_PY], pairs(rpm, rng, n)), "rpm.labelCompare")

    pep = mutate(pep440_strings(), ["rc1", ".post1", ".dev0", "a1", "b2", "+local", ".0"], rng, 400)
    write("pep440.tsv", run_filter([sys.executable, "-c", PEP_PY], pairs(pep, rng, n)), "pypa packaging")
    legacy = set(pep) | {v + s for v in rng.sample(sorted(pep), 300) for s in ["-custom", "_beta", "-r123", ".x", "-foo-1", "+", "dev-r5"]}
    legacy |= {"latest", "unknown", "2.0.0-custom-1", "1.0-foo", "1.0.dev-r123", "0.9.8-pre1", "1.0-preview", "1.0-rc1", "1.0c", "r1", "1.0-1-1"}
    write("pep440-legacy.tsv", run_filter([sys.executable, "-c", LEGACY_PY], pairs(legacy, rng, n)), "packaging_legacy")

    js = os.path.join(tmp, "semver.js")
    open(js, "w").write(SEMVER_JS_CODE)
    env = dict(os.environ, NODE_PATH=os.path.join(SEMVER_JS, "node_modules"))
    cargo = mutate(cargo_strings(), ["-alpha.1", "-rc.1", "+build.5", "-beta", "-0", "-alpha.10"], rng, 400)
    ps = pairs(cargo, rng, n)
    data = "".join(f"{a}\t{b}\n" for a, b in ps)
    for name, mode, scheme_set in [("semver.tsv", "strict", ps), ("semver-loose.tsv", "loose", None)]:
        pp = ps if scheme_set is not None else pairs(mutate(cargo, ["v", "=", " "], rng, 0) | {"v" + v for v in rng.sample(sorted(cargo), 300)} | {"=" + v for v in rng.sample(sorted(cargo), 100)}, rng, n)
        r = subprocess.run(["node", js, mode], input="".join(f"{a}\t{b}\n" for a, b in pp), capture_output=True, text=True, check=True, env=env)
        rows = [(a, ans, b) for (a, b), ans in zip(pp, r.stdout.splitlines()) if ans in "<=>" and ans]
        write(name, rows, f"node-semver {mode}")

    gem = mutate(pep440_strings() | cargo_strings(), [".pre", ".a", ".rc1", ".beta.2", ".0", "-1"], rng, 400)
    write("gem.tsv", run_filter(["ruby", "-e", GEM_RB], pairs(gem, rng, n)), "Gem::Version")

    java = os.path.join(tmp, "Cmp.java")
    open(java, "w").write(MAVEN_JAVA)
    subprocess.run(["javac", "-cp", MAVEN_JAR, "-d", tmp, java], check=True)
    mvn = mutate(upstream_strings("maven.tsv") | cargo_strings(), ["-SNAPSHOT", ".Final", "-alpha-1", "-rc", "-sp1", ".RELEASE", "-1", "99999999999999999999"], rng, 400)
    write("maven.tsv", run_filter(["java", "-cp", f"{MAVEN_JAR}:{tmp}", "Cmp"], pairs(mvn, rng, n)), "maven ComparableVersion")


if __name__ == "__main__":
    # Set iteration order must not vary between runs: the vectors are committed.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    main()
