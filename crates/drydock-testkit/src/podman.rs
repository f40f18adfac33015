//! A throwaway Podman engine for tests: `podman system service` on a unix socket in a temp dir,
//! with its own vfs storage, so tests never touch the machine's images. Killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Podman {
    dir: tempfile::TempDir,
    child: Child,
    pub socket: PathBuf,
}

impl Podman {
    /// Starts the service and waits for `/_ping`. `None` (with a visible message) when podman is
    /// missing or cannot run here; in CI (`CI` set) that is a failure instead, so the engine
    /// tests cannot silently stop running.
    pub fn start() -> Option<Self> {
        let skip = |why: String| {
            assert!(
                std::env::var_os("CI").is_none(),
                "podman engine test cannot run in CI: {why}"
            );
            eprintln!("SKIPPED podman engine test: {why}");
            None
        };
        let ok = Command::new("podman")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return skip("podman is not installed".into());
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("podman.sock");
        let child = Command::new("podman")
            .args(Self::storage_args(dir.path()))
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => return skip(format!("cannot start podman: {e}")),
        };
        let mut me = Self { dir, child, socket };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if me.ping() {
                return Some(me);
            }
            if let Ok(Some(status)) = me.child.try_wait() {
                return skip(format!("podman system service exited: {status}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        skip("podman system service did not answer /_ping within 30 s".into())
    }

    fn storage_args(dir: &Path) -> Vec<String> {
        vec![
            "--storage-driver".into(),
            "vfs".into(),
            "--root".into(),
            dir.join("root").display().to_string(),
            "--runroot".into(),
            dir.join("run").display().to_string(),
        ]
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::os::unix::net::UnixStream::connect(&self.socket) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        if s.write_all(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp.starts_with("HTTP/1.1 200")
    }

    /// `podman load -i archive` into this engine's storage; returns the loaded name.
    pub fn load(&self, archive: &Path) -> String {
        let out = Command::new("podman")
            .args(Self::storage_args(self.dir.path()))
            .arg("load")
            .arg("-i")
            .arg(archive)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "podman load {}: {}",
            archive.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("Loaded image: "))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| panic!("podman load printed no image name: {stdout}"))
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
