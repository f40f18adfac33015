//! Running the `drydock` binary in a test: [`drydock_cmd!`] gives a `Command` whose user is a
//! fresh one. The real `HOME` holds the user's advisory database, layer cache and
//! `drydock.toml`, and `DRYDOCK_*` variables of the shell running the tests change defaults, so
//! a test that inherited them would pass or fail by machine. Every command also gets
//! `DRYDOCK_SKIP_DB_UPDATE=1`: a scan without a database would otherwise download one from
//! osv.dev, and tests use no network but loopback (tests of that download unset it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `drydock_testkit::drydock_cmd!()`: the test's `drydock` binary with its own HOME and XDG
/// directories under Cargo's per-crate test temp dir, and no inherited `DRYDOCK_*` variables.
#[macro_export]
macro_rules! drydock_cmd {
    () => {
        $crate::cli::command(
            env!("CARGO_BIN_EXE_drydock"),
            ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        )
    };
}

/// See [`drydock_cmd!`].
pub fn command(bin: &str, tmp: &Path) -> Command {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let home: PathBuf = tmp.join("homes").join(format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&home).expect("test home");
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("DRYDOCK_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env("DRYDOCK_SKIP_DB_UPDATE", "1");
    cmd
}
