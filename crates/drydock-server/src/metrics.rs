//! Prometheus metrics in the text exposition format, written by hand: a handful of counters
//! and one histogram do not need a metrics framework. Labels are route templates, methods and
//! status codes, so their number is bounded by the route table.

use axum::http::Method;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, String, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    in_flight: AtomicI64,
    inventories: AtomicU64,
    scans_ok: AtomicU64,
    scans_failed: AtomicU64,
}

impl Metrics {
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    pub fn inventory(&self) {
        self.inventories.fetch_add(1, Ordering::Relaxed);
    }

    pub fn scan(&self, ok: bool) {
        if ok {
            &self.scans_ok
        } else {
            &self.scans_failed
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe(&self, route: &'static str, method: &Method, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route, method.as_str().to_owned(), status))
                .or_default() += 1;
        }
        let secs = took.as_secs_f64();
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route).or_insert_with(|| Histogram {
                counts: vec![0; BUCKETS.len()],
                ..Default::default()
            });
            for (c, le) in h.counts.iter_mut().zip(BUCKETS) {
                if secs <= *le {
                    *c += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP drydock_http_requests_total HTTP requests served."
        );
        let _ = writeln!(out, "# TYPE drydock_http_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((route, method, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "drydock_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP drydock_http_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(
            out,
            "# TYPE drydock_http_request_duration_seconds histogram"
        );
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                for (c, le) in h.counts.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "drydock_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {c}"
                    );
                }
                let _ = writeln!(
                    out,
                    "drydock_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "drydock_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "drydock_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        for (name, help, kind, value) in [
            (
                "drydock_http_requests_in_flight",
                "Requests being answered now.",
                "gauge",
                self.in_flight.load(Ordering::Relaxed).to_string(),
            ),
            (
                "drydock_inventories_stored_total",
                "Uploaded inventories matched and stored.",
                "counter",
                self.inventories.load(Ordering::Relaxed).to_string(),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP drydock_scans_total Scans by reference, by outcome.\n# TYPE drydock_scans_total counter"
        );
        let _ = writeln!(
            out,
            "drydock_scans_total{{outcome=\"ok\"}} {}",
            self.scans_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "drydock_scans_total{{outcome=\"failed\"}} {}",
            self.scans_failed.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.observe("/healthz", &Method::GET, 200, Duration::from_millis(3));
        m.observe("/healthz", &Method::GET, 200, Duration::from_millis(30));
        m.inventory();
        let text = m.render();
        assert!(text.contains(
            "drydock_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "drydock_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "drydock_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("drydock_inventories_stored_total 1"));
    }
}
