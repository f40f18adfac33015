//! gitleaks' `TestFromFiles` golden: the `nogit` directory scanned with config `simple`
//! yields exactly one finding, `aws-access-key` in `main.go` line 20 (gitleaks: columns
//! 16-35); the same token in `api.go:20` is suppressed by `.gitleaksignore`.
//!
//! gitleaks counts columns from the preceding newline's index, so its columns are one more
//! than the 1-based column everywhere but on line 1: its 16-35 is our 15-34.
//! `.gitleaksignore` is a gitleaks CLI feature (fingerprints `file:rule:line`), not part of
//! the engine, so this test applies it the way the CLI does.

mod common;

use drydock_secrets::Engine;

#[test]
fn nogit_golden() {
    let (Some(dir), Some(config)) = (
        common::shared("gitleaks/testdata/repos/nogit"),
        common::shared("gitleaks/testdata/config/simple.toml"),
    ) else {
        return;
    };
    let engine = Engine::from_gitleaks_toml(&std::fs::read_to_string(config).expect("config"))
        .expect("simple.toml");
    let ignore = std::fs::read_to_string(dir.join(".gitleaksignore")).expect("ignore file");
    let ignored: Vec<(String, String, usize)> = ignore
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.trim().rsplitn(3, ':');
            let line = parts.next()?.parse().ok()?;
            let rule = parts.next()?.to_owned();
            let file = parts.next()?.rsplit('/').next()?.to_owned();
            Some((file, rule, line))
        })
        .collect();

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".gitleaksignore")
        .collect();
    names.sort();
    let mut all = Vec::new();
    for name in &names {
        let content = std::fs::read(dir.join(name)).expect("file");
        for f in engine.scan(&format!("testdata/repos/nogit/{name}"), &content) {
            let fingerprint = (name.clone(), f.rule_id.clone(), f.start_line);
            if !ignored.contains(&fingerprint) {
                all.push((name.clone(), f));
            }
        }
    }
    for (name, f) in &all {
        println!(
            "{name}:{} col {} {} {}",
            f.line, f.column, f.rule_id, f.match_line
        );
    }
    assert_eq!(all.len(), 1, "exactly one finding");
    let (name, f) = &all[0];
    assert_eq!(name, "main.go");
    assert_eq!(f.rule_id, "aws-access-key");
    assert_eq!((f.start_line, f.end_line), (20, 20));
    assert_eq!(f.secret, "AKIALALEMEL33243OLIA");
    // gitleaks' 16-35, shifted by its off-by-one.
    assert_eq!(f.column, 16 - 1);
    assert_eq!(f.column + f.secret.len() - 1, 35 - 1);
}
