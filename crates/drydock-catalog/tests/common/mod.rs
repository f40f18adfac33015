//! Shared helpers for the fixture tests: locating `/work/shared/data/pkgdb`, reading
//! expected TSVs and txtar archives.

#![allow(dead_code)] // each test binary uses a different subset

use drydock_catalog::{DbFile, Diagnostic, Distro, Package};

/// Reads a fixture under `../shared/data/pkgdb`, or skips (visibly; failing under CI) when the
/// shared data is absent. A missing file in present shared data is a broken path: it panics.
pub fn fixture(rel: &str) -> Option<Vec<u8>> {
    let root = drydock_testkit::shared("data/pkgdb")?;
    let path = root.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => panic!("fixture {} unreadable: {e}", path.display()),
    }
}

/// Rows of a tab-separated file, header line dropped, trailing whitespace of each field
/// kept as-is except for the line end.
pub fn tsv(rel: &str) -> Option<Vec<Vec<String>>> {
    let bytes = fixture(rel)?;
    let text = String::from_utf8(bytes).expect("TSV is UTF-8");
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect(),
    )
}

/// Sections of a txtar archive: `-- name --` lines start a file.
pub fn txtar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(name) = trimmed
            .strip_prefix("-- ")
            .and_then(|r| r.strip_suffix(" --"))
        {
            out.push((name.to_owned(), Vec::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.extend_from_slice(line.as_bytes());
        }
    }
    out
}

/// Runs the registry's cataloger for `path` over `data`.
pub fn catalog(path: &str, data: &[u8], distro: &Distro) -> (Vec<Package>, Vec<Diagnostic>) {
    let cataloger =
        drydock_catalog::cataloger_for(path).unwrap_or_else(|| panic!("no cataloger for {path}"));
    let mut diags = Vec::new();
    let pkgs = (cataloger.parse)(&DbFile::new(path, data), distro, &mut diags)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    (pkgs, diags)
}

/// Compares two sorted row lists and reports the first differences readably.
pub fn assert_same_rows(what: &str, mut got: Vec<Vec<String>>, mut want: Vec<Vec<String>>) {
    got.sort();
    want.sort();
    if got != want {
        let missing: Vec<_> = want.iter().filter(|r| !got.contains(r)).take(10).collect();
        let extra: Vec<_> = got.iter().filter(|r| !want.contains(r)).take(10).collect();
        panic!(
            "{what}: {} parsed vs {} expected\n  missing: {missing:?}\n  unexpected: {extra:?}",
            got.len(),
            want.len()
        );
    }
    println!("{what}: {} packages matched", got.len());
}

/// Tiny deterministic generator for corruption tests (no rand dependency).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Truncations at several offsets plus random byte flips; each variant must parse to
/// Ok or Err without panicking. Returns how many variants were tried.
pub fn mangle(data: &[u8], flips: usize, seed: u64, mut check: impl FnMut(&[u8])) -> usize {
    let mut n = 0;
    let len = data.len();
    for cut in [0, 1, 7, 15, 16, 31, 32, 99, 100, 511, 512, 4095, 4096, 4097] {
        if cut < len {
            check(&data[..cut]);
            n += 1;
        }
    }
    for k in 1..24 {
        check(&data[..len * k / 24]);
        n += 1;
    }
    let mut rng = Lcg(seed);
    let mut buf = data.to_vec();
    for _ in 0..flips {
        let at = rng.below(len);
        let old = buf[at];
        buf[at] = match rng.below(4) {
            0 => 0,
            1 => 0xff,
            2 => old ^ (1 << rng.below(8)),
            _ => rng.next() as u8,
        };
        check(&buf);
        buf[at] = old;
        n += 1;
    }
    n
}
