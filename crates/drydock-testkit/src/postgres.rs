//! A throwaway PostgreSQL cluster for tests: Debian's `initdb` + `pg_ctl` (from PATH, else
//! `/usr/lib/postgresql/*/bin`, where Debian keeps them) in a temp dir, listening on a free
//! loopback port (127.0.0.1 only) and a unix socket in that dir, password authentication over
//! TCP. initdb refuses to run as root, so under root the cluster runs as an unprivileged
//! system user (`postgres` when the package created it, else `nobody`) through `runuser`, the
//! temp dir chowned to it. Stopped (`pg_ctl stop -m immediate`) and removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    user: Option<String>,
    /// `127.0.0.1:PORT`
    pub host: String,
    pub password: String,
}

/// `None` with a visible message outside CI; a failure in CI, where `.ci/run` installs
/// PostgreSQL, so the PostgreSQL tests cannot silently stop running.
fn skip<T>(why: String) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "PostgreSQL test cannot run in CI: {why}"
    );
    eprintln!("SKIPPED PostgreSQL test: {why}");
    None
}

/// The directory holding `initdb` and `pg_ctl` (and `createdb`): PATH first, links followed,
/// then Debian's versioned directories (highest version).
fn bin_dir() -> Option<PathBuf> {
    let in_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    if let Some(d) = in_path {
        // PATH may hold symlinks to the real directory (which also has createdb).
        return std::fs::canonicalize(d.join("initdb"))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .or(Some(d));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Postgres {
    /// Initialises and starts a cluster; `None` (with a visible message) when PostgreSQL is not
    /// installed or cannot run here, a failure under CI.
    pub fn start() -> Option<Self> {
        Self::launch(None)
    }

    /// A cluster that takes TCP connections over TLS only (`hostssl` in pg_hba.conf, no plain
    /// `host` line), with a certificate for 127.0.0.1 signed by a throwaway CA; the CA's PEM
    /// file is returned with it.
    pub fn start_tls() -> Option<(Self, PathBuf)> {
        let certs = tempfile::tempdir().expect("temp dir");
        let (ca, cert, key) = crate::registry::tls_files(certs.path());
        let me = Self::launch(Some((cert, key)))?;
        let kept = me.dir.path().join("ca.pem");
        std::fs::copy(&ca, &kept).expect("copy CA");
        Some((me, kept))
    }

    fn launch(tls: Option<(PathBuf, PathBuf)>) -> Option<Self> {
        let Some(bin) = bin_dir() else {
            return skip(
                "initdb/pg_ctl not found in PATH or /usr/lib/postgresql/*/bin (apt-get install postgresql)"
                    .into(),
            );
        };
        let user = if is_root() {
            let Some(u) = ["postgres", "nobody"].into_iter().find(|u| user_exists(u)) else {
                return skip(
                    "running as root and neither a postgres nor a nobody user exists".into(),
                );
            };
            if !Path::new("/usr/sbin/runuser").exists() && !Path::new("/sbin/runuser").exists() {
                return skip("running as root and runuser is missing".into());
            }
            Some(u.to_owned())
        } else {
            None
        };
        let dir = tempfile::tempdir().expect("temp dir");
        if let Some(u) = &user {
            let ok = Command::new("chown")
                .arg("-R")
                .arg(format!("{u}:"))
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return skip(format!("cannot chown the cluster's temp dir to {u}"));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let password = format!("pw{}x{nanos}", std::process::id());
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, &password).expect("write pwfile");
        let me = Self {
            host: format!("127.0.0.1:{port}"),
            password,
            dir,
            bin,
            user,
        };
        if let Some(u) = &me.user {
            let _ = Command::new("chown")
                .arg(format!("{u}:"))
                .arg(&pwfile)
                .status();
        }
        let data = me.dir.path().join("data");
        let init = me
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "drydock", "-E", "UTF8", "--locale=C", "--no-sync"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output();
        match init {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return skip(format!(
                    "initdb failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
            }
            Err(e) => return skip(format!("cannot run initdb: {e}")),
        }
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c full_page_writes=off",
            me.dir.path().display()
        );
        if let Some((cert, key)) = &tls {
            // The key must belong to the server's user and be private to it.
            let (crt_to, key_to) = (data.join("server.crt"), data.join("server.key"));
            std::fs::copy(cert, &crt_to).expect("copy certificate");
            std::fs::copy(key, &key_to).expect("copy key");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key_to, std::fs::Permissions::from_mode(0o600))
                .expect("key mode");
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            )
            .expect("pg_hba.conf");
            if let Some(u) = &me.user {
                for f in [&crt_to, &key_to, &data.join("pg_hba.conf")] {
                    let _ = Command::new("chown").arg(format!("{u}:")).arg(f).status();
                }
            }
            options.push_str(" -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key");
        }
        let start = me
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(me.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .output();
        match start {
            Ok(o) if o.status.success() => Some(me),
            Ok(o) => {
                let log =
                    std::fs::read_to_string(me.dir.path().join("server.log")).unwrap_or_default();
                skip(format!(
                    "pg_ctl start failed: {} {}",
                    String::from_utf8_lossy(&o.stderr).trim(),
                    log.trim()
                ))
            }
            Err(e) => skip(format!("cannot run pg_ctl: {e}")),
        }
    }

    /// `tool` from the cluster's bin dir, run as the cluster's user.
    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    /// A libpq URL for database `db` (`postgres` exists from the start) as the `drydock`
    /// superuser, with its password, over TCP on loopback.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://drydock:{}@{}/{db}", self.password, self.host)
    }

    /// Creates database `name` (the harness's `createdb`, over the unix socket).
    pub fn create_database(&self, name: &str) -> String {
        let port = self.host.rsplit(':').next().unwrap_or("5432");
        let out = self
            .command("createdb")
            .args(["-h"])
            .arg(self.dir.path())
            .args(["-p", port, "-U", "drydock", name])
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(name)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
