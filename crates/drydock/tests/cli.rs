//! The binary end to end: real shared images, corrupt input, and the host canary.
#![allow(clippy::unwrap_used)]

use drydock_testkit::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn drydock(args: &[&str]) -> Output {
    drydock_testkit::drydock_cmd!()
        .args(args)
        .env("DRYDOCK_QUIET", "1")
        // Tests never touch the user's cache; the cache test names its own directory.
        .env("DRYDOCK_NO_CACHE", "1")
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = drydock(&a);
    assert!(
        out.status.success(),
        "drydock {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn shared(rel: &str) -> Option<PathBuf> {
    drydock_testkit::shared(rel)
}

#[test]
fn debian_min_archive_and_oci_layout_agree() {
    let (Some(tar), Some(oci)) = (
        shared("images/debian-min.tar"),
        shared("images/debian-min.oci"),
    ) else {
        return;
    };
    let a = json(&["image", tar.to_str().unwrap()]);
    let b = json(&["image", oci.to_str().unwrap()]);
    for r in [&a, &b] {
        assert_eq!(r["schema_version"], 1);
        assert_eq!(r["os"]["family"], "debian");
        assert_eq!(r["os"]["version"], "12");
        assert_eq!(r["os"]["codename"], "bookworm");
        assert_eq!(r["layers"].as_array().unwrap().len(), 1);
        assert_eq!(r["layers"][0]["verified"], true);
        assert_eq!(r["layers"][0]["compression"], "gzip");
        assert_eq!(r["image"]["architecture"], "amd64");
    }
    assert_eq!(a["target"]["kind"], "docker-archive");
    assert_eq!(b["target"]["kind"], "oci-layout");
    assert_eq!(a["layers"][0]["diff_id"], b["layers"][0]["diff_id"]);
    assert_eq!(a["image"]["id"], b["image"]["id"]);
    assert_eq!(
        b["layers"][0]["digest"],
        "sha256:118d3e3f4e6b4b147e0c3c4102edd620eda11a03ec4a1347d2e71a28e6c74f8f",
        "the OCI layer digest is the blob's name"
    );
    assert_eq!(a["files"], b["files"]);
    // The archive's layer.tar is the same gzip blob as the layout's: same compressed digest.
    assert_eq!(
        a["layers"][0]["compressed_bytes"],
        b["layers"][0]["compressed_bytes"]
    );
}

#[test]
fn summary_is_the_default_output() {
    let Some(tar) = shared("images/debian-min.tar") else {
        return;
    };
    let out = drydock(&["image", tar.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("debian 12 (bookworm)"), "{text}");
    assert!(text.contains("verified"), "{text}");
}

/// Runs drydock on a broken input; it must exit 2 with one line naming `expect_file` and `expect`.
fn fails(path: &Path, expect_file: &str, expect: &str) {
    let out = drydock(&["image", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(expect_file),
        "{err:?} should name {expect_file:?}"
    );
    assert!(err.contains(expect), "{err:?} should say {expect:?}");
    assert!(!err.contains("panicked"), "{err}");
}

fn simple() -> ImageSpec {
    image(vec![layer(vec![file(
        "etc/os-release",
        "ID=debian\nVERSION_ID=12\n",
    )])])
}

#[test]
fn corrupt_inputs_give_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let mk = |name: &str| {
        let d = tmp.path().join(name);
        let built = simple().write_oci_dir(&d);
        (d, built)
    };

    let (d, _) = mk("badjson");
    std::fs::write(d.join("index.json"), "{not json").unwrap();
    fails(&d, "index.json", "not valid JSON");

    let (d, b) = mk("missing");
    std::fs::remove_file(d.join(blob_name(&b.layer_digests[0]))).unwrap();
    fails(&d, &b.layer_digests[0][7..], "No such file");

    let (d, b) = mk("truncated");
    let p = d.join(blob_name(&b.layer_digests[0]));
    let blob = std::fs::read(&p).unwrap();
    std::fs::write(&p, &blob[..blob.len() / 2]).unwrap();
    fails(&d, &b.layer_digests[0][7..], "corrupt or truncated gzip");

    let (d, b) = mk("tampered");
    let p = d.join(blob_name(&b.layer_digests[0]));
    let other = layer(vec![file("etc/os-release", "ID=evil\n")]).blob();
    std::fs::write(&p, other).unwrap();
    fails(&d, &b.layer_digests[0][7..], "blob digest mismatch");

    for (name, digest) in [
        ("slash", format!("sha256:{}/x", "a".repeat(62))),
        ("dotdot", "sha256:../../../etc/passwd".into()),
    ] {
        let (d, _) = mk(name);
        let index = serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 10}]});
        std::fs::write(d.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        fails(&d, "index.json", "digest");
    }

    let bad = tmp.path().join("nothing-here");
    fails(&bad, "nothing-here", "No such file");
}

#[test]
fn wrong_diff_id_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = simple();
    // A docker archive whose config promises a different uncompressed layer.
    let path = tmp.path().join("img.tar");
    let built = spec.write_docker_archive(&path);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ar = tar::Archive::new(std::fs::File::open(&path).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        files.push((name, data));
    }
    let fake = spec.config_json(&[format!("sha256:{}", "0".repeat(64))]);
    let fake_name = format!("{}.json", &sha256(&fake)[7..]);
    for (name, data) in &mut files {
        if name.ends_with(".json") && name != "manifest.json" {
            *name = fake_name.clone();
            *data = fake.clone();
        }
        if name == "manifest.json" {
            let s = String::from_utf8(data.clone())
                .unwrap()
                .replace(&built.config_digest[7..], &sha256(&fake)[7..]);
            *data = s.into_bytes();
        }
    }
    write_tar(&path, &files);
    fails(&path, "layer.tar", "diff-id mismatch");
}

#[test]
fn manifest_paths_cannot_leave_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("evil.tar");
    let manifest =
        serde_json::json!([{"Config": "../../etc/passwd", "RepoTags": ["x:y"], "Layers": []}]);
    write_tar(
        &path,
        &[(
            "manifest.json".into(),
            serde_json::to_vec(&manifest).unwrap(),
        )],
    );
    fails(&path, "manifest.json", "points outside the archive");

    let manifest = serde_json::json!([{"Config": "c.json", "Layers": ["/etc/passwd"]}]);
    let config = simple().config_json(&[format!("sha256:{}", "0".repeat(64))]);
    write_tar(
        &path,
        &[
            (
                "manifest.json".into(),
                serde_json::to_vec(&manifest).unwrap(),
            ),
            ("c.json".into(), config),
        ],
    );
    fails(&path, "manifest.json", "points outside the archive");

    let gz = tmp.path().join("compressed.tar.gz");
    std::fs::write(&gz, compress(b"whatever", Compression::Gzip)).unwrap();
    fails(&gz, "compressed.tar.gz", "decompress it first");
}

/// A hostile image aimed at a canary outside it: through absolute and `..` symlinks, hard links
/// and entry names. The canary must never show up, and nothing may be written outside the temp dir.
#[test]
fn host_canary_is_never_read_or_written() {
    let tmp = tempfile::tempdir().unwrap();
    let canary_dir = tmp.path().join("outside");
    std::fs::create_dir(&canary_dir).unwrap();
    let secret = "AKIAIOSFODNN7CANARY42";
    let canary = canary_dir.join("os-release");
    std::fs::write(&canary, format!("ID=canary\nVERSION_ID={secret}\n")).unwrap();
    let abs = canary.to_str().unwrap().to_owned();
    let escape_name = format!("drydock-escape-{}", std::process::id());
    let up = "../".repeat(30);
    let spec = image(vec![
        layer(vec![
            symlink("etc/os-release", &abs),
            hardlink("usr/lib/os-release", &abs),
            symlink("etc/lsb-release", format!("{up}{}", &abs[1..])),
            symlink("hostroot", "/"),
            symlink("etc/redhat-release", format!("/hostroot/{}", &abs[1..])),
            file(format!("{up}tmp/{escape_name}"), "escaped"),
            file(format!("/tmp/{escape_name}-abs"), "escaped"),
        ]),
        layer(vec![symlink(
            "etc/alpine-release",
            format!("/hostroot/{up}{}", &abs[1..]),
        )]),
    ]);
    let targets = [
        tmp.path().join("img.tar"),
        tmp.path().join("img-oci.tar"),
        tmp.path().join("img-oci"),
    ];
    spec.write_docker_archive(&targets[0]);
    spec.write_oci_tar(&targets[1]);
    spec.write_oci_dir(&targets[2]);
    for t in &targets {
        for format in ["json", "summary"] {
            let out = drydock(&["image", t.to_str().unwrap(), "--format", format]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let all = [out.stdout, out.stderr].concat();
            let all = String::from_utf8_lossy(&all);
            assert!(!all.contains(secret), "canary leaked: {all}");
            assert!(!all.contains("panicked"));
        }
    }
    assert!(!Path::new("/tmp").join(&escape_name).exists());
    assert!(
        !Path::new("/tmp")
            .join(format!("{escape_name}-abs"))
            .exists()
    );
    assert_eq!(
        std::fs::read_dir(&canary_dir).unwrap().count(),
        1,
        "nothing written beside the canary"
    );
}

#[test]
fn rootfs_subcommand_reads_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("etc")).unwrap();
    std::fs::write(
        tmp.path().join("etc/os-release"),
        "ID=alpine\nVERSION_ID=3.20.3\n",
    )
    .unwrap();
    let r = json(&["rootfs", tmp.path().to_str().unwrap()]);
    assert_eq!(r["target"]["kind"], "rootfs");
    assert_eq!(r["os"]["family"], "alpine");
    assert_eq!(r["os"]["version"], "3.20.3");
}

#[test]
fn exit_code_gates_on_reported_severities() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    simple().write_oci_dir(&dir);
    let d = dir.to_str().unwrap();
    // Runs as root (HIGH) and has no HEALTHCHECK (LOW).
    assert_eq!(
        drydock(&["image", d, "--exit-code", "1"]).status.code(),
        Some(1)
    );
    assert_eq!(
        drydock(&[
            "image",
            d,
            "--exit-code",
            "3",
            "--severity",
            "HIGH,CRITICAL"
        ])
        .status
        .code(),
        Some(3)
    );
    assert_eq!(
        drydock(&["image", d, "--exit-code", "1", "--severity", "critical"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(drydock(&["image", d]).status.code(), Some(0));
    let r = json(&["image", d, "--severity", "LOW"]);
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DD-IMG-009"]);
    assert_eq!(r["totals"]["LOW"], 1);
    // Asking for a scanner that cannot run says so instead of reporting nothing.
    let out = drydock(&["image", d, "--scanners", "vuln"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drydock db import"));
}

#[test]
fn debian_min_inventory_equals_dpkg_query() {
    let (Some(tar), Some(tsv)) = (
        shared("images/debian-min.tar"),
        shared("images/debian-min.packages.tsv"),
    ) else {
        return;
    };
    let r = json(&["image", tar.to_str().unwrap()]);
    let mut got: Vec<(String, String)> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = std::fs::read_to_string(tsv)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    let libc = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libc6")
        .unwrap();
    assert!(
        libc["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/libc6@"),
        "{libc}"
    );
    assert!(
        libc["purl"]
            .as_str()
            .unwrap()
            .ends_with("?arch=amd64&distro=debian-12"),
        "{libc}"
    );
    assert_eq!(libc["source_name"], "glibc");
}

#[test]
fn several_formats_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    simple().write_oci_dir(&dir);
    let (j, s, x) = (
        tmp.path().join("r.json"),
        tmp.path().join("r.sarif"),
        tmp.path().join("r.xml"),
    );
    let fmt = |name: &str, p: &Path| format!("{name}={}", p.display());
    let out = drydock(&[
        "image",
        dir.to_str().unwrap(),
        "--format",
        &fmt("json", &j),
        "--format",
        &fmt("sarif", &s),
        "--format",
        &fmt("junit", &x),
        "--format",
        "table",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("DD-IMG-001"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    assert_eq!(json["os"]["family"], "debian");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&s).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(&x).unwrap().contains("<testsuites"));
    let bad = drydock(&["image", dir.to_str().unwrap(), "--format", "yaml"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A secret deleted by a later layer is still reported, as deleted; metadata secrets too; and the
/// credential audit cracks a weak root password without printing it.
#[test]
fn secrets_in_every_layer_and_weak_passwords() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    let mut spec = image(vec![
        layer(vec![
            file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            file("app/.env", "STRIPE=sk_live_51HbQ2xKz8Yw3Lm4Np5Qr6St7\n"),
            file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            file(
                "etc/shadow",
                "root:$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/:19000:0:99999:7:::\n",
            ),
        ]),
        layer(vec![whiteout("app/.env")]),
    ]);
    spec.history = vec![
        "ADD rootfs /".into(),
        "/bin/sh -c echo xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx > /dev/null"
            .into(),
    ];
    spec.write_oci_dir(&dir);
    let r = json(&["image", dir.to_str().unwrap()]);
    let findings = r["findings"].as_array().unwrap();
    let stripe = findings
        .iter()
        .find(|f| f["id"] == "stripe-access-token")
        .expect("stripe key found");
    assert_eq!(stripe["kind"], "secret");
    assert_eq!(stripe["location"]["layer"], 0);
    assert_eq!(stripe["location"]["status"], "deleted");
    assert_eq!(stripe["location"]["path"], "/app/.env");
    assert!(
        stripe["message"]
            .as_str()
            .unwrap()
            .contains("deleted by layer 1")
    );
    let slack = findings
        .iter()
        .find(|f| f["id"] == "slack-bot-token")
        .expect("history secret found");
    assert_eq!(slack["location"]["path"], "history[1].created_by");
    let cracked = findings
        .iter()
        .find(|f| f["id"] == "DD-CRED-005")
        .expect("weak password cracked");
    assert_eq!(cracked["location"]["path"], "/etc/shadow");
    let text = serde_json::to_string(&r).unwrap();
    assert!(
        !text.contains("sk_live_51HbQ2xKz8Yw3Lm4Np5Qr6St7"),
        "secret leaked without --show-secrets"
    );
    assert!(!text.contains("\"password\""), "cracked password leaked");
    let shown = json(&[
        "image",
        dir.to_str().unwrap(),
        "--show-secrets",
        "--scanners",
        "secret",
    ]);
    assert!(
        serde_json::to_string(&shown)
            .unwrap()
            .contains("sk_live_51HbQ2xKz8Yw3Lm4Np5Qr6St7")
    );
}

/// A Go binary in the real inline build-info format (Go 1.18+): ELF magic, the 32-byte
/// `\xff Go buildinf:` header at a 16-byte boundary, then varint-prefixed version and module
/// strings, the latter wrapped in the runtime's 16-byte sentinels.
fn go_binary(modinfo: &str) -> Vec<u8> {
    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    let mut b = b"\x7fELF\x02\x01\x01\x00".to_vec();
    b.resize(64, 0);
    b.extend_from_slice(b"\xff Go buildinf:");
    b.push(8); // pointer size
    b.push(2); // flags: inline strings, little endian
    b.resize(64 + 32, 0);
    let version = b"go1.21.5";
    varint(version.len(), &mut b);
    b.extend_from_slice(version);
    let mut m = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
    m.extend_from_slice(modinfo.as_bytes());
    m.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
    varint(m.len(), &mut b);
    b.extend_from_slice(&m);
    // Real Go binaries are megabytes; drydock does not read executables under 4 KiB for build info.
    b.resize(8192, 0);
    b
}

#[test]
fn runc_1_1_11_in_go_build_info_reports_cve_2024_21626() {
    let (Some(go), Some(ghsa)) = (
        shared("data/advisories/govulndb/GO-2024-2491.json"),
        shared("data/advisories/ghsa/GHSA-xr7r-f8xq-vfvv.json"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = drydock_testkit::drydock_cmd!()
        .env("DRYDOCK_NO_CACHE", "1")
        .args([
            "db",
            "import",
            "--db-dir",
            db.to_str().unwrap(),
            go.to_str().unwrap(),
            ghsa.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    let bin = root.join("usr/local/bin/runc");
    let modinfo = "path\tgithub.com/opencontainers/runc\nmod\tgithub.com/opencontainers/runc\tv1.1.11\th1:abc=\ndep\tgolang.org/x/sys\tv0.15.0\th1:def=\n";
    std::fs::write(&bin, go_binary(modinfo)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = json(&[
        "rootfs",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    let f = r["findings"].as_array().unwrap();
    let runc = f
        .iter()
        .find(|x| x["id"] == "GO-2024-2491")
        .unwrap_or_else(|| panic!("{f:#?}"));
    let msg = runc["message"].as_str().unwrap();
    assert!(
        msg.contains("fixed in 1.1.12") || msg.contains("fixed in v1.1.12"),
        "{msg}"
    );
    assert!(
        msg.contains("CVE-2024-21626") && msg.contains("GHSA-xr7r-f8xq-vfvv"),
        "{msg}"
    );
    assert_eq!(runc["location"]["path"], "/usr/local/bin/runc");
    assert_eq!(
        f.iter().filter(|x| x["kind"] == "vulnerability").count(),
        1,
        "aliases merge into one finding: {f:#?}"
    );
    // 1.1.12 is fixed.
    std::fs::write(&bin, go_binary(&modinfo.replace("v1.1.11", "v1.1.12"))).unwrap();
    let r = json(&[
        "rootfs",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    assert!(
        r["findings"].as_array().unwrap().is_empty(),
        "{}",
        r["findings"]
    );
    // Asking for vulnerabilities without a database is an error, not an empty report.
    let out = drydock(&[
        "rootfs",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        tmp.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drydock db import"));
}

/// osv.dev's layout, `{base}/{Ecosystem}/all.zip`, from the `.json` files of shared folders.
fn osv_mirror(dir: &Path, exports: &[(&str, &Path)]) {
    use std::io::Write;
    for (eco, src) in exports {
        std::fs::create_dir_all(dir.join(eco)).unwrap();
        let mut z =
            zip::ZipWriter::new(std::fs::File::create(dir.join(eco).join("all.zip")).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut files: Vec<PathBuf> = std::fs::read_dir(src)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            z.start_file(f.file_name().unwrap().to_str().unwrap(), opts)
                .unwrap();
            z.write_all(&std::fs::read(&f).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
}

/// `db update` from a `file://` mirror (the HTTP side, 304s and failures are tested in
/// drydock-vulndb/tests/update.rs), then a Cargo.lock scanned against it: RustSec
/// vulnerabilities as such, informational advisories as LOW "unsound:"/"unmaintained:".
#[test]
fn db_update_from_a_mirror_then_scan_a_cargo_lock() {
    let (Some(go), Some(rustsec)) = (
        shared("data/advisories/govulndb"),
        shared("data/advisories/rustsec"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    osv_mirror(&mirror, &[("Go", &go), ("crates.io", &rustsec)]);
    let base = format!("file://{}", mirror.display());
    let db = tmp.path().join("db");
    let update = |extra: &[&str]| {
        let mut args = vec![
            "db",
            "update",
            "--url",
            &base,
            "--ecosystem",
            "Go",
            "--ecosystem",
            "crates.io",
            "--db-dir",
            db.to_str().unwrap(),
        ];
        args.extend(extra);
        drydock(&args)
    };
    let out = update(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let go_line = stdout.lines().find(|l| l.starts_with("Go ")).unwrap();
    assert!(
        go_line.contains("downloaded") && go_line.contains("77 records"),
        "{stdout}"
    );
    assert!(stdout.contains("108 advisories, rebuilt"), "{stdout}");

    let out = update(&["--json"]);
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["rebuilt"], false, "{s:#}");
    assert!(
        s["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "unchanged"),
        "{s:#}"
    );

    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("app/Cargo.lock"),
        "version = 3\n\n\
         [[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"quinn\", \"serial\", \"time\"]\n\n\
         [[package]]\nname = \"quinn\"\nversion = \"0.5.3\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
         [[package]]\nname = \"serial\"\nversion = \"0.4.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
         [[package]]\nname = \"time\"\nversion = \"0.1.45\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .unwrap();
    let r = json(&[
        "rootfs",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    let f = r["findings"].as_array().unwrap();
    let get = |id: &str| {
        f.iter()
            .find(|x| x["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {f:#?}"))
    };
    assert_eq!(get("RUSTSEC-2020-0071")["severity"], "MEDIUM");
    let quinn = get("RUSTSEC-2021-0035");
    assert_eq!(quinn["severity"], "LOW");
    assert!(
        quinn["title"].as_str().unwrap().starts_with("unsound: "),
        "{quinn:#}"
    );
    let serial = get("RUSTSEC-2017-0008");
    assert_eq!(serial["severity"], "LOW");
    assert!(
        serial["title"]
            .as_str()
            .unwrap()
            .starts_with("unmaintained: "),
        "{serial:#}"
    );

    // An ecosystem the mirror does not have: named, exit 2, database untouched.
    let out = drydock(&[
        "db",
        "update",
        "--url",
        &base,
        "--ecosystem",
        "Go",
        "--ecosystem",
        "npm",
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("npm/all.zip: no such file"), "{err}");
    let info = drydock(&["db", "info", "--json", "--db-dir", db.to_str().unwrap()]);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["advisories"], 108);
}

#[test]
fn config_and_host_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("deploy")).unwrap();
    std::fs::create_dir_all(src.join("node_modules/x")).unwrap();
    std::fs::write(
        src.join("Dockerfile"),
        "FROM debian:latest\nRUN curl -fsSL https://x.example/i.sh | sh\n",
    )
    .unwrap();
    std::fs::write(src.join("node_modules/x/Dockerfile"), "FROM busybox\n").unwrap();
    std::fs::write(
        src.join("deploy/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n---\nkind: [broken\n",
    )
    .unwrap();
    let r = json(&["config", src.to_str().unwrap()]);
    assert_eq!(r["target"]["kind"], "config");
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"DD-DF-001") && ids.contains(&"DD-DF-013") && ids.contains(&"DD-K8S-001"),
        "{ids:?}"
    );
    let paths: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["path"].as_str())
        .collect();
    assert!(
        !paths.iter().any(|p| p.contains("node_modules")),
        "{paths:?}"
    );
    let priv_ = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "DD-K8S-001")
        .unwrap();
    assert!(priv_["location"]["line"].as_u64().is_some());
    assert!(
        r["notes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|m| m.as_str().unwrap().contains("pod.yaml"))),
        "the broken document is reported: {}",
        r["notes"]
    );

    let root = tmp.path().join("host");
    std::fs::create_dir_all(root.join("etc/docker")).unwrap();
    std::fs::write(
        root.join("etc/docker/daemon.json"),
        r#"{"hosts": ["tcp://0.0.0.0:2375"], "insecure-registries": ["10.0.0.1:5000"]}"#,
    )
    .unwrap();
    let r = json(&["host", "--root", root.to_str().unwrap()]);
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"DD-HOST-005") && ids.contains(&"DD-HOST-006"),
        "{ids:?}"
    );
}

#[test]
fn ignore_file_suppresses_with_reasons_and_expiry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    simple().write_oci_dir(&dir);
    let ignore = tmp.path().join("ignore");
    std::fs::write(
        &ignore,
        "DD-IMG-001 # the entrypoint drops to uid 1000\nDD-IMG-009 exp=2001-01-01 # old waiver\n",
    )
    .unwrap();
    let r = json(&[
        "image",
        dir.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DD-IMG-009"], "expired waivers do not apply");
    assert_eq!(r["suppressed"][0]["id"], "DD-IMG-001");
    assert_eq!(
        r["suppressed"][0]["reason"],
        "the entrypoint drops to uid 1000"
    );
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("expired on 2001-01-01"))
    );
    // Suppressed findings do not trip the gate.
    let out = drydock(&[
        "image",
        dir.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
        "--severity",
        "HIGH",
        "--exit-code",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&ignore, "DD-IMG-001\n").unwrap();
    let out = drydock(&[
        "image",
        dir.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":1: an ignore entry needs a reason"));
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let out = drydock(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--ignore-unfixed"));
    let out = drydock(&["man"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(".ie"));
}

#[test]
fn drydock_toml_sets_defaults_that_flags_override() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    simple().write_oci_dir(&dir);
    std::fs::write(
        tmp.path().join("drydock.toml"),
        "severity = [\"LOW\"]\nexit-code = 5\nscanners = [\"misconfig\"]\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        drydock_testkit::drydock_cmd!()
            .env("DRYDOCK_NO_CACHE", "1")
            .current_dir(tmp.path())
            .env("XDG_CONFIG_HOME", tmp.path().join("no-user-config"))
            .env("DRYDOCK_DB_DIR", "/nonexistent/drydock-test-db")
            .args(["image", dir.to_str().unwrap(), "-q"])
            .args(extra)
            .output()
            .unwrap()
    };
    // The config's LOW filter leaves the missing HEALTHCHECK, and its exit code applies.
    assert_eq!(run(&[]).status.code(), Some(5));
    let r: serde_json::Value = serde_json::from_slice(&run(&["--format", "json"]).stdout).unwrap();
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DD-IMG-009"]);
    // A flag beats the file.
    assert_eq!(run(&["--severity", "CRITICAL"]).status.code(), Some(0));
    std::fs::write(tmp.path().join("drydock.toml"), "colour = \"red\"\n").unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("drydock.toml: invalid drydock configuration")
    );
}

/// More of the hostile corpus through the binary: an index that loops, a tar header whose
/// checksum lies, and a layer of 300,000 entries against a small entry limit.
#[test]
fn hostile_index_loop_bad_checksum_and_entry_flood() {
    let tmp = tempfile::tempdir().unwrap();
    // An index that names itself as a nested index.
    let d = tmp.path().join("loop");
    simple().write_oci_dir(&d);
    let nested = serde_json::json!({"schemaVersion": 2, "manifests": []});
    let bytes = serde_json::to_vec(&nested).unwrap();
    let self_digest = sha256(&bytes);
    // The nested index lists itself: write it under its own digest, then patch it to point back.
    let looping = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": self_digest, "size": bytes.len()}]}))
    .unwrap();
    std::fs::write(d.join(blob_name(&self_digest)), &looping).unwrap();
    std::fs::write(d.join("index.json"), &looping).unwrap();
    let out = drydock(&["image", d.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );

    // A layer whose first tar header has a corrupted checksum.
    let d = tmp.path().join("cksum");
    let spec = image(vec![
        layer(vec![file("etc/os-release", "ID=debian\n")]).compressed(Compression::None),
    ]);
    let built = spec.write_oci_dir(&d);
    let blob = d.join(blob_name(&built.layer_digests[0]));
    let mut raw = std::fs::read(&blob).unwrap();
    raw[148] = b'9'; // inside the checksum field
    std::fs::write(&blob, &raw).unwrap();
    let out = drydock(&["image", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&built.layer_digests[0][7..]) && !err.contains("panicked"),
        "{err}"
    );

    // 300,000 entries: indexed up to the limit, streamed to the end, verified, warned about.
    let d = tmp.path().join("flood");
    let entries: Vec<Entry> = (0..300_000).map(|i| file(format!("f/{i}"), "")).collect();
    image(vec![layer(entries)]).write_oci_dir(&d);
    let r = json(&["image", d.to_str().unwrap(), "--max-entries", "1000"]);
    assert_eq!(r["layers"][0]["entries"], 300_000);
    assert_eq!(r["layers"][0]["verified"], true);
    assert!(r["diagnostics"].as_array().unwrap().iter().any(|x| {
        x["message"]
            .as_str()
            .unwrap()
            .contains("more than 1000 entries")
    }));
    assert_eq!(r["files"], 1000);
}

#[test]
fn layer_cache_warm_scan_reports_the_same_and_cache_clean_empties_it() {
    let Some(img) = shared("images/debian-min.tar") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let scan = || {
        let out = drydock_testkit::drydock_cmd!()
            .env("DRYDOCK_QUIET", "1")
            .env("DRYDOCK_DB_DIR", tmp.path().join("no-db"))
            .env("DRYDOCK_CACHE_DIR", &cache)
            .args(["image", img.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let cold = scan();
    let warm = scan();
    let cached = |r: &serde_json::Value| -> Vec<bool> {
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["cached"].as_bool().unwrap_or(false))
            .collect()
    };
    assert_eq!(cached(&cold), vec![false]);
    assert_eq!(cached(&warm), vec![true]);
    for key in ["os", "packages", "findings", "analyses"] {
        assert_eq!(
            cold[key], warm[key],
            "{key} differs between cold and warm scans"
        );
    }
    assert_eq!(cold["packages"].as_array().unwrap().len(), 88);

    let out = drydock(&["cache", "clean", "--cache-dir", cache.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("removed 1 cached layers"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(cached(&scan()), vec![false]);
}

#[test]
fn host_reports_its_vulnerable_runc_and_reads_only_runtime_paths() {
    let Some(go) = shared("data/advisories/govulndb/GO-2024-2491.json") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = drydock(&[
        "db",
        "import",
        "--db-dir",
        db.to_str().unwrap(),
        go.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = tmp.path().join("host");
    let modinfo = "path\tgithub.com/opencontainers/runc\nmod\tgithub.com/opencontainers/runc\tv1.1.11\th1:abc=\n";
    use std::os::unix::fs::PermissionsExt;
    for dir in ["usr/bin", "home/dev/build"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        let bin = root.join(dir).join("runc");
        std::fs::write(&bin, go_binary(modinfo)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let r = json(&[
        "host",
        "--root",
        root.to_str().unwrap(),
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    let vulns: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .collect();
    assert_eq!(vulns.len(), 1, "{vulns:#?}");
    assert_eq!(vulns[0]["id"], "GO-2024-2491");
    assert_eq!(vulns[0]["location"]["path"], "/usr/bin/runc");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("container runtime github.com/opencontainers/runc v1.1.11"),
        "{notes}"
    );

    // Without a database the runtimes are still named, and the gap is said, not hidden.
    let r = json(&[
        "host",
        "--root",
        root.to_str().unwrap(),
        "--db-dir",
        tmp.path().join("none").to_str().unwrap(),
    ]);
    let notes = r["notes"].to_string();
    assert!(notes.contains("not checked for vulnerabilities"), "{notes}");
    // Asking for vulnerabilities explicitly without a database is an error.
    let out = drydock(&[
        "host",
        "--root",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        tmp.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn workspace_crates_sharing_a_name_with_a_vulnerable_crate_are_not_matched() {
    let Some(adv) = shared("data/advisories/rustsec/RUSTSEC-2018-0003.json") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = drydock(&[
        "db",
        "import",
        "--db-dir",
        db.to_str().unwrap(),
        adv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = tmp.path().join("root");
    let lock = |source: &str| {
        format!("version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"0.6.0\"\n{source}")
    };
    for (dir, source) in [
        ("src/workspace", ""),
        (
            "src/git",
            "source = \"git+https://github.com/example/smallvec#abc\"\n",
        ),
        (
            "src/registry",
            "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        ),
    ] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("Cargo.lock"), lock(source)).unwrap();
    }
    let r = json(&[
        "rootfs",
        root.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    let hits: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "RUSTSEC-2018-0003")
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["/src/registry/Cargo.lock"]);
    // All three are still in the inventory.
    let inventory = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "smallvec")
        .count();
    assert_eq!(inventory, 3);
}
