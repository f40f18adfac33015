//! A bounded load generator for `drydock server` (bench/server-load.sh runs it): C concurrent
//! clients submit inventories (`POST /api/v1/inventories`) until N submissions are made or a
//! time cap passes, then the store is checked for lost and duplicated results.
//!
//! ```text
//! load --url http://127.0.0.1:PORT --token-file F [--read-token-file F] [--clients 200]
//!      [--requests 5000] [--time-cap 300] [--dup-every 10] [--fresh-connections] RECORD.json...
//! ```
//!
//! Each RECORD.json is a `ScanRecord` as a real client sends it (bench/server-load.sh captures
//! them from `drydock rootfs/image --server`). Logical image i is record `i % records` with a
//! digest of its own (sha256 of "drydock-load", the record's index and i), a reference of its
//! own and every 17th package (shifted by i) left out, so the store sees distinct images. Every
//! `dup-every`-th submission resends the image submitted 7 submissions earlier (by another
//! client, usually while the first is still in flight): the store must keep one scan of it.
//!
//! Clients take submissions from one shared counter; each keeps one HTTP/1.1 connection
//! (`--fresh-connections`: a new one per request, as separate `drydock … --server` runs do).
//! Latency is from the request's first byte to the response's last. The client runs in this
//! process on the same machine as the server: its CPU time is printed so it can be accounted.
//!
//! With `--read-token-file`, after the run: `GET /api/v1/images` must list every digest that
//! was answered 201 exactly once, and no other; every answer for one digest must carry the
//! same scan id and the same number of vulnerabilities. Exit status 1 if not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use drydock_store::ScanRecord;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const DUP_DISTANCE: usize = 7;

struct Opts {
    addr: String,
    token: String,
    read_token: Option<String>,
    clients: usize,
    requests: usize,
    time_cap: Duration,
    dup_every: usize,
    fresh: bool,
    records: Vec<ScanRecord>,
}

fn usage() -> ! {
    eprintln!(
        "usage: load --url http://HOST:PORT --token-file F [--read-token-file F] [--clients N] \
         [--requests N] [--time-cap SECS] [--dup-every K] [--fresh-connections] RECORD.json..."
    );
    std::process::exit(2)
}

fn read_token(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_owned()
}

fn opts() -> Opts {
    let mut args = std::env::args().skip(1);
    let (mut url, mut token, mut read) = (None, None, None);
    let (mut clients, mut requests, mut cap, mut dup, mut fresh) = (200, 5000, 300, 10, false);
    let mut records = Vec::new();
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--url" => url = Some(val()),
            "--token-file" => token = Some(read_token(&val())),
            "--read-token-file" => read = Some(read_token(&val())),
            "--clients" => clients = val().parse().unwrap_or_else(|_| usage()),
            "--requests" => requests = val().parse().unwrap_or_else(|_| usage()),
            "--time-cap" => cap = val().parse().unwrap_or_else(|_| usage()),
            "--dup-every" => dup = val().parse().unwrap_or_else(|_| usage()),
            "--fresh-connections" => fresh = true,
            s if s.starts_with('-') => usage(),
            path => {
                let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
                records.push(
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{path}: not a ScanRecord: {e}")),
                );
            }
        }
    }
    let url = url.unwrap_or_else(|| usage());
    let addr = url
        .strip_prefix("http://")
        .unwrap_or_else(|| usage())
        .trim_end_matches('/')
        .to_owned();
    if records.is_empty() || clients == 0 {
        usage();
    }
    Opts {
        addr,
        token: token.unwrap_or_else(|| usage()),
        read_token: read,
        clients,
        requests,
        time_cap: Duration::from_secs(cap),
        dup_every: dup,
        fresh,
        records,
    }
}

/// The logical image submission `j` sends: its own, or (every `dup_every`-th) an earlier one's.
fn image_of(j: usize, dup_every: usize) -> usize {
    if dup_every > 0 && j >= DUP_DISTANCE && j % dup_every == dup_every - 1 {
        image_of(j - DUP_DISTANCE, dup_every)
    } else {
        j
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Logical image `i`'s digest, out of `records` records.
fn digest_of(records: usize, i: usize) -> String {
    let base = i % records;
    format!(
        "sha256:{}",
        sha256_hex(&format!("drydock-load\n{base}\n{i}"))
    )
}

/// Logical image `i`: record `i % records`, its digest, reference and package list its own.
fn image(records: &[ScanRecord], i: usize) -> ScanRecord {
    let mut s = records[i % records.len()].clone();
    s.digest = digest_of(records.len(), i);
    s.references = vec![format!("load.example/team{}/app{i}:1", i % 50)];
    s.target_path = s.references[0].clone();
    let mut j = 0usize;
    s.packages.retain(|_| {
        j += 1;
        !(j + i).is_multiple_of(17)
    });
    let kept: std::collections::HashSet<String> =
        s.packages.iter().map(|p| p.purl.clone()).collect();
    s.findings
        .retain(|f| f.package.as_ref().is_none_or(|p| kept.contains(p)));
    s
}

/// One submission's outcome.
struct Outcome {
    image: usize,
    latency: Duration,
    /// HTTP status, or 0 when no answer came (the error is in `error`).
    status: u16,
    error: Option<String>,
    scan_id: Option<String>,
    digest_ok: bool,
    vulnerabilities: usize,
}

#[derive(serde::Deserialize)]
struct Answer {
    scan_id: String,
    digest: String,
    vulnerabilities: Vec<serde::de::IgnoredAny>,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request on `sender`: status and body, or why none came.
async fn exchange(
    sender: &mut Sender,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), String> {
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((status, body))
}

fn request(o: &Opts, method: &str, path: &str, token: &str, body: Vec<u8>) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", &o.addr)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request")
}

async fn client(o: Arc<Opts>, next: Arc<AtomicUsize>, start: Instant) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut conn: Option<Sender> = None;
    loop {
        if start.elapsed() >= o.time_cap {
            break;
        }
        let j = next.fetch_add(1, Ordering::Relaxed);
        if j >= o.requests {
            break;
        }
        let i = image_of(j, o.dup_every);
        let body = serde_json::to_vec(&image(&o.records, i)).expect("serialise");
        let req = request(&o, "POST", "/api/v1/inventories", &o.token, body);
        let t = Instant::now();
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
            if o.fresh || conn.is_none() {
                conn = Some(connect(&o.addr).await?);
            }
            let sender = conn.as_mut().expect("connected");
            exchange(sender, req).await
        })
        .await
        .unwrap_or_else(|_| Err("timeout".into()));
        let latency = t.elapsed();
        let mut outcome = Outcome {
            image: i,
            latency,
            status: 0,
            error: None,
            scan_id: None,
            digest_ok: false,
            vulnerabilities: 0,
        };
        match answer {
            Ok((status, body)) => {
                outcome.status = status.as_u16();
                if status == StatusCode::CREATED {
                    match serde_json::from_slice::<Answer>(&body) {
                        Ok(a) => {
                            outcome.digest_ok = a.digest == digest_of(o.records.len(), i);
                            outcome.scan_id = Some(a.scan_id);
                            outcome.vulnerabilities = a.vulnerabilities.len();
                        }
                        Err(e) => outcome.error = Some(format!("201 with a bad body: {e}")),
                    }
                }
            }
            Err(e) => {
                outcome.error = Some(e);
                conn = None;
            }
        }
        out.push(outcome);
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[k.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, from /proc (clock ticks: 100 a second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |k: usize| f.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

async fn verify(o: &Opts, outcomes: &[Outcome]) -> bool {
    let Some(token) = &o.read_token else {
        return true;
    };
    // What the answers promise: digest -> (scan ids, vulnerability counts) of its 201s.
    let mut answered: BTreeMap<String, (Vec<String>, Vec<usize>)> = BTreeMap::new();
    for r in outcomes.iter().filter(|r| r.status == 201) {
        let e = answered
            .entry(digest_of(o.records.len(), r.image))
            .or_default();
        e.0.extend(r.scan_id.clone());
        e.1.push(r.vulnerabilities);
    }
    let mut sender = connect(&o.addr).await.expect("connect for the check");
    let (status, body) = exchange(
        &mut sender,
        request(o, "GET", "/api/v1/images", token, Vec::new()),
    )
    .await
    .expect("GET /api/v1/images");
    assert_eq!(status, StatusCode::OK, "GET /api/v1/images: {status}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&body).expect("image list");
    let mut listed: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        *listed
            .entry(r["digest"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let lost = answered.keys().filter(|d| !listed.contains_key(*d)).count();
    let duplicated = listed.values().filter(|n| **n > 1).count();
    let unexpected = listed.keys().filter(|d| !answered.contains_key(*d)).count();
    let split_ids = answered
        .values()
        .filter(|(ids, _)| ids.iter().any(|i| *i != ids[0]))
        .count();
    let split_vulns = answered
        .values()
        .filter(|(_, v)| v.iter().any(|n| *n != v[0]))
        .count();
    let resent = answered.values().filter(|(ids, _)| ids.len() > 1).count();
    println!("\n| check after the run | value |\n|---|---|");
    println!("| distinct digests answered 201 | {} |", answered.len());
    println!("| of them submitted more than once (all 201) | {resent} |");
    println!("| images listed by GET /api/v1/images | {} |", rows.len());
    println!("| lost (answered 201, not listed) | {lost} |");
    println!("| duplicated (listed more than once) | {duplicated} |");
    println!("| listed but never answered 201 | {unexpected} |");
    println!("| digests whose answers disagree on the scan id | {split_ids} |");
    println!("| digests whose answers disagree on the vulnerability count | {split_vulns} |");
    lost == 0 && duplicated == 0 && unexpected == 0 && split_ids == 0 && split_vulns == 0
}

fn main() {
    let o = Arc::new(opts());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ok = runtime.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..o.clients)
            .map(|_| tokio::spawn(client(o.clone(), next.clone(), start)))
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.append(&mut t.await.expect("client task"));
        }
        let wall = start.elapsed().as_secs_f64();
        report(&o, &outcomes, wall);
        verify(&o, &outcomes).await
    });
    std::process::exit(if ok { 0 } else { 1 });
}

fn report(o: &Opts, outcomes: &[Outcome], wall: f64) {
    let created: Vec<&Outcome> = outcomes.iter().filter(|r| r.status == 201).collect();
    let mut ok: Vec<Duration> = created.iter().map(|r| r.latency).collect();
    ok.sort();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for r in outcomes
        .iter()
        .filter(|r| r.status != 201 || r.error.is_some())
    {
        let key = match (&r.error, r.status) {
            (Some(e), 0) => e.clone(),
            (Some(e), s) => format!("{s}: {e}"),
            (None, s) => format!("HTTP {s}"),
        };
        *errors.entry(key).or_default() += 1;
    }
    let bad_digest = created.iter().filter(|r| !r.digest_ok).count();
    let dups = (0..outcomes.len())
        .filter(|j| image_of(*j, o.dup_every) != *j)
        .count();
    println!(
        "| clients | submissions | of them resends | wall s | throughput (201/s) | p50 ms | p90 ms | p99 ms | max ms | non-201 | client CPU s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {dups} | {wall:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
        o.clients,
        outcomes.len(),
        created.len() as f64 / wall,
        pct(&ok, 50.0),
        pct(&ok, 90.0),
        pct(&ok, 99.0),
        pct(&ok, 100.0),
        outcomes.len() - created.len(),
        cpu_seconds(),
    );
    if !errors.is_empty() || bad_digest > 0 {
        println!("\n| error | count |\n|---|---|");
        for (e, n) in &errors {
            println!("| {} | {n} |", e.replace('|', "/"));
        }
        if bad_digest > 0 {
            println!("| 201 naming another digest | {bad_digest} |");
        }
    }
    // By request body: where the time goes depends on the inventory's size.
    println!(
        "\n| body | packages | vulnerabilities answered | 201s | p50 ms | p99 ms |\n|---|---|---|---|---|---|"
    );
    for (b, rec) in o.records.iter().enumerate() {
        let mine: Vec<&&Outcome> = created
            .iter()
            .filter(|r| r.image % o.records.len() == b)
            .collect();
        let mut lat: Vec<Duration> = mine.iter().map(|r| r.latency).collect();
        lat.sort();
        let vulns = mine.first().map_or(0, |r| r.vulnerabilities);
        println!(
            "| {} ({}) | {} | ~{vulns} | {} | {:.1} | {:.1} |",
            rec.target_path.rsplit('/').next().unwrap_or_default(),
            rec.os
                .as_ref()
                .map_or(String::new(), |o| format!("{} {}", o.family, o.version)),
            rec.packages.len(),
            lat.len(),
            pct(&lat, 50.0),
            pct(&lat, 99.0),
        );
    }
    if outcomes.len() < o.requests {
        println!(
            "\n(time cap of {} s reached after {} of {} submissions)",
            o.time_cap.as_secs(),
            outcomes.len(),
            o.requests
        );
    }
}
