//! CVSS base scores from vector strings.
//!
//! Advisories carry vectors, not numbers, and a finding's severity must not depend on which
//! database happened to provide the record, so every vector is scored here the same way.
//! v2 and v3.x follow the FIRST specification formulas (v3.1 with its integer `Roundup`, v3.0
//! with the original ceiling). v4 scoring needs a 270-entry macro-vector table, so it is
//! delegated to the RustSec `cvss` crate rather than copied.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A qualitative severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// CVSS 0.1–3.9, or a distribution's "low"/"negligible".
    Low,
    /// CVSS 4.0–6.9, GHSA "MODERATE".
    Medium,
    /// CVSS 7.0–8.9 (v2: 7.0–10.0).
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Severity {
    /// The CVSS v3/v4 qualitative rating of a score; `None` for 0.0 ("None" in the spec).
    pub fn from_score(score: f64) -> Option<Severity> {
        Some(match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => return None,
        })
    }

    /// Maps the words used by GHSA, Ubuntu, Debian, Red Hat and others; unknown words give
    /// `None` rather than a guess.
    pub fn from_label(label: &str) -> Option<Severity> {
        Some(match label.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "important" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" | "negligible" | "unimportant" | "minor" => Severity::Low,
            _ => return None,
        })
    }

    /// Upper-case name, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vector that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CVSS vector {vector:?}: {reason}")]
pub struct CvssError {
    /// The rejected vector, verbatim.
    pub vector: String,
    /// What is wrong with it.
    pub reason: String,
}

fn err(vector: &str, reason: impl Into<String>) -> CvssError {
    CvssError {
        vector: vector.to_owned(),
        reason: reason.into(),
    }
}

/// Splits `K:V/K:V` into pairs, rejecting duplicates and keys outside `allowed`.
fn metrics<'a>(
    vector: &str,
    body: &'a str,
    allowed: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, CvssError> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for part in body.split('/') {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| err(vector, format!("component {part:?} is not KEY:VALUE")))?;
        if !allowed.contains(&k) {
            return Err(err(vector, format!("unknown metric {k:?}")));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(err(vector, format!("metric {k} given twice")));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn get<'a>(vector: &str, m: &[(&str, &'a str)], key: &str) -> Result<&'a str, CvssError> {
    m.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .ok_or_else(|| err(vector, format!("base metric {key} missing")))
}

fn weight(vector: &str, key: &str, value: &str, table: &[(&str, f64)]) -> Result<f64, CvssError> {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, w)| *w)
        .ok_or_else(|| err(vector, format!("invalid value {value:?} for {key}")))
}

const V3_METRICS: &[&str] = &[
    "AV", "AC", "PR", "UI", "S", "C", "I", "A", "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC",
    "MPR", "MUI", "MS", "MC", "MI", "MA",
];

/// CVSS v3.0 / v3.1 base score of `CVSS:3.x/AV:…` (temporal and environmental metrics are
/// accepted and ignored: advisories state the base score).
pub fn score_v3(vector: &str) -> Result<f64, CvssError> {
    let v = vector.trim();
    let (minor31, body) = if let Some(b) = v.strip_prefix("CVSS:3.1/") {
        (true, b)
    } else if let Some(b) = v.strip_prefix("CVSS:3.0/") {
        (false, b)
    } else {
        return Err(err(vector, "does not start with CVSS:3.0/ or CVSS:3.1/"));
    };
    let m = metrics(vector, body, V3_METRICS)?;
    let scope_changed = match get(vector, &m, "S")? {
        "U" => false,
        "C" => true,
        other => return Err(err(vector, format!("invalid value {other:?} for S"))),
    };
    let av = weight(
        vector,
        "AV",
        get(vector, &m, "AV")?,
        &[("N", 0.85), ("A", 0.62), ("L", 0.55), ("P", 0.2)],
    )?;
    let ac = weight(
        vector,
        "AC",
        get(vector, &m, "AC")?,
        &[("L", 0.77), ("H", 0.44)],
    )?;
    let pr_table: &[(&str, f64)] = if scope_changed {
        &[("N", 0.85), ("L", 0.68), ("H", 0.5)]
    } else {
        &[("N", 0.85), ("L", 0.62), ("H", 0.27)]
    };
    let pr = weight(vector, "PR", get(vector, &m, "PR")?, pr_table)?;
    let ui = weight(
        vector,
        "UI",
        get(vector, &m, "UI")?,
        &[("N", 0.85), ("R", 0.62)],
    )?;
    let cia: &[(&str, f64)] = &[("H", 0.56), ("L", 0.22), ("N", 0.0)];
    let c = weight(vector, "C", get(vector, &m, "C")?, cia)?;
    let i = weight(vector, "I", get(vector, &m, "I")?, cia)?;
    let a = weight(vector, "A", get(vector, &m, "A")?, cia)?;

    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Ok(0.0);
    }
    let raw = if scope_changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Ok(if minor31 {
        roundup_v31(raw)
    } else {
        (raw * 10.0).ceil() / 10.0
    })
}

/// CVSS v3.1 Appendix A `Roundup`: works on integers so that 4.000000001 does not become 4.1.
fn roundup_v31(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

const V2_METRICS: &[&str] = &[
    "AV", "AC", "Au", "C", "I", "A", "E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR",
];

/// CVSS v2 base score of `AV:N/AC:L/Au:N/C:P/I:P/A:P` (an optional `(…)` or `CVSS:2.0/`
/// wrapper, as NVD and some feeds write it, is accepted).
pub fn score_v2(vector: &str) -> Result<f64, CvssError> {
    let mut body = vector.trim();
    if let Some(b) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        body = b;
    }
    if let Some(b) = body.strip_prefix("CVSS:2.0/") {
        body = b;
    }
    let m = metrics(vector, body, V2_METRICS)?;
    let av = weight(
        vector,
        "AV",
        get(vector, &m, "AV")?,
        &[("L", 0.395), ("A", 0.646), ("N", 1.0)],
    )?;
    let ac = weight(
        vector,
        "AC",
        get(vector, &m, "AC")?,
        &[("H", 0.35), ("M", 0.61), ("L", 0.71)],
    )?;
    let au = weight(
        vector,
        "Au",
        get(vector, &m, "Au")?,
        &[("M", 0.45), ("S", 0.56), ("N", 0.704)],
    )?;
    let cia: &[(&str, f64)] = &[("N", 0.0), ("P", 0.275), ("C", 0.660)];
    let c = weight(vector, "C", get(vector, &m, "C")?, cia)?;
    let i = weight(vector, "I", get(vector, &m, "I")?, cia)?;
    let a = weight(vector, "A", get(vector, &m, "A")?, cia)?;
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let raw = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    // Round half up to one decimal; the small epsilon absorbs binary representation error
    // (the reference implementation works in decimal).
    Ok(((raw * 10.0) + 1e-9).round().max(0.0) / 10.0)
}

/// CVSS v4.0 base score via the RustSec `cvss` crate.
pub fn score_v4(vector: &str) -> Result<f64, CvssError> {
    let v = cvss::v4::Vector::from_str(vector.trim()).map_err(|e| err(vector, e.to_string()))?;
    Ok(v.score().value())
}

/// The v2 rating (NVD): v2 has no "critical" band.
pub fn severity_v2(score: f64) -> Option<Severity> {
    Some(match score {
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn v31_known_scores() {
        // runc CVE-2024-21626 (GHSA): 8.6 HIGH.
        assert_eq!(
            score_v3("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H").unwrap(),
            8.6
        );
        assert_eq!(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(),
            9.8
        );
        assert_eq!(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap(),
            10.0
        );
        assert_eq!(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").unwrap(),
            0.0
        );
        assert_eq!(
            score_v3("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N").unwrap(),
            5.9
        );
        assert!(score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").is_err());
        assert!(score_v3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
        assert!(score_v3("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
    }

    #[test]
    fn v2_known_scores() {
        assert_eq!(score_v2("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap(), 7.5);
        assert_eq!(score_v2("AV:N/AC:L/Au:N/C:C/I:C/A:C").unwrap(), 10.0);
        assert_eq!(score_v2("AV:N/AC:M/Au:N/C:N/I:P/A:N").unwrap(), 4.3);
        assert_eq!(score_v2("(AV:L/AC:L/Au:N/C:N/I:N/A:C)").unwrap(), 4.9);
        assert!(score_v2("AV:N/AC:L/C:P/I:P/A:P").is_err());
    }

    /// Every combination of v3.1 and v2 base metrics against the RustSec implementation.
    #[test]
    fn exhaustive_against_rustsec_cvss() {
        let mut n = 0;
        for av in ["N", "A", "L", "P"] {
            for ac in ["L", "H"] {
                for pr in ["N", "L", "H"] {
                    for ui in ["N", "R"] {
                        for s in ["U", "C"] {
                            for c in ["H", "L", "N"] {
                                for i in ["H", "L", "N"] {
                                    for a in ["H", "L", "N"] {
                                        let v = format!(
                                            "CVSS:3.1/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:{s}/C:{c}/I:{i}/A:{a}"
                                        );
                                        let theirs =
                                            cvss::v3::Vector::from_str(&v).unwrap().score().value();
                                        assert_eq!(score_v3(&v).unwrap(), theirs, "{v}");
                                        n += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for av in ["L", "A", "N"] {
            for ac in ["H", "M", "L"] {
                for au in ["M", "S", "N"] {
                    for c in ["N", "P", "C"] {
                        for i in ["N", "P", "C"] {
                            for a in ["N", "P", "C"] {
                                let v = format!("AV:{av}/AC:{ac}/Au:{au}/C:{c}/I:{i}/A:{a}");
                                let theirs =
                                    cvss::v2::Vector::from_str(&v).unwrap().score().value();
                                assert_eq!(score_v2(&v).unwrap(), theirs, "{v}");
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(n, 2592 + 729);
    }

    #[test]
    fn v4_via_crate() {
        let s =
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(s, 9.3);
        assert!(score_v4("CVSS:4.0/AV:N").is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(Severity::from_label("MODERATE"), Some(Severity::Medium));
        assert_eq!(Severity::from_label("negligible"), Some(Severity::Low));
        assert_eq!(Severity::from_label("whatever"), None);
        assert_eq!(Severity::from_score(8.6), Some(Severity::High));
        assert_eq!(Severity::from_score(0.0), None);
    }
}
