//! A real `drydock server` process for tests: started on a loopback port the kernel picks (the
//! address read from its stderr), killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Runs `cmd` (a `drydock server --listen 127.0.0.1:0 …` command) and waits for it to
    /// listen. Panics with its stderr if it does not within 60 s.
    pub fn start(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start drydock server");
        let stderr = child.stderr.take().expect("server stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on ") {
                    let url = line[at + "listening on ".len()..].trim().to_owned();
                    let _ = tx.send(url);
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(100)) {
                let (scheme, addr) = url.split_once("://").expect("listening URL");
                return Server {
                    child,
                    addr: addr.parse().expect("listening address"),
                    scheme: if scheme == "https" { "https" } else { "http" },
                    log,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "drydock server exited ({status}) before listening:\n{}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("drydock server did not listen within 60 s");
            }
        }
    }

    /// `http://127.0.0.1:PORT` (or https).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the server with SIGTERM (a graceful stop) and waits; whether it exited cleanly.
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
