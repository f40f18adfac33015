//! One self-contained HTML file: summary with charts by severity and kind, a sortable and
//! filterable findings table, a per-layer view (which layer brought what), and the package list.
//! No external requests: CSS, SVG and the small sorting script are inline.
//!
//! Everything shown comes from an untrusted image (paths, labels, history lines), so every string
//! goes through [`esc`]; the page also sets a Content-Security-Policy that forbids loading anything.

use crate::Report;
use drydock_finding::{Kind, Severity};
use std::fmt::Write;

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
];

pub fn html(r: &Report<'_>) -> String {
    let target = r
        .target
        .reference
        .clone()
        .unwrap_or_else(|| r.target.path.clone());
    let mut o = String::with_capacity(64 << 10);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>drydock report: {}</title><style>{CSS}</style></head><body>",
        esc(&target)
    );
    let _ = write!(
        o,
        "<header><h1>drydock report</h1><p class=\"target\">{}</p>",
        esc(&target)
    );
    let _ = write!(o, "<dl class=\"meta\">");
    let kind = serde_json::to_value(r.target.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    meta(&mut o, "source", &format!("{} ({kind})", r.target.path));
    if let Some(img) = &r.image {
        if let Some(id) = img.id {
            meta(&mut o, "image id", &id.to_string());
        }
        if let Some(d) = img.manifest_digest {
            meta(&mut o, "manifest digest", &d.to_string());
        }
        meta(
            &mut o,
            "platform",
            &format!("{}/{}", img.os, img.architecture),
        );
        if let Some(c) = img.created {
            meta(&mut o, "created", c);
        }
    }
    match r.os {
        Some(os) => {
            let eol = match (os.eol, os.eol_date) {
                (Some(true), Some(d)) => format!(" — end of life since {d}"),
                (Some(false), Some(d)) => format!(" — supported until {d}"),
                _ => String::new(),
            };
            meta(&mut o, "os", &format!("{} {}{eol}", os.family, os.version));
        }
        None => meta(&mut o, "os", "unknown"),
    }
    meta(&mut o, "layers", &r.layers.len().to_string());
    meta(&mut o, "packages", &r.packages.len().to_string());
    meta(&mut o, "files", &r.files.to_string());
    let _ = write!(o, "</dl></header><main>");

    // Summary: counts per severity and per kind, as bars.
    let _ = write!(
        o,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">"
    );
    let max = SEVERITIES
        .iter()
        .map(|s| r.totals.get(s).copied().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        o,
        "<figure class=\"card\"><figcaption>Findings by severity</figcaption><svg viewBox=\"0 0 320 150\" role=\"img\" aria-label=\"findings by severity\">"
    );
    for (i, s) in SEVERITIES.iter().enumerate() {
        let n = r.totals.get(s).copied().unwrap_or(0);
        let w = 200 * n / max;
        let y = 8 + i * 28;
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{}\" class=\"lbl\">{}</text><rect x=\"80\" y=\"{y}\" width=\"{w}\" height=\"20\" class=\"sev-{}\"/><text x=\"{}\" y=\"{}\" class=\"num\">{n}</text>",
            y + 15,
            s.as_str(),
            s.as_str().to_lowercase(),
            86 + w,
            y + 15
        );
    }
    let _ = write!(
        o,
        "</svg></figure><figure class=\"card\"><figcaption>Findings by kind</figcaption><table class=\"kinds\">"
    );
    for k in [
        Kind::Vulnerability,
        Kind::Secret,
        Kind::Credential,
        Kind::Misconfiguration,
    ] {
        let n = r.findings.iter().filter(|f| f.kind == k).count();
        let _ = write!(o, "<tr><th>{}</th><td>{n}</td></tr>", kind_name(k));
    }
    let _ = write!(
        o,
        "</table></figure></div><p class=\"total\" id=\"total\">{} findings</p></section>",
        r.findings.len()
    );

    // Findings table.
    let _ = write!(
        o,
        "<section id=\"findings\"><h2>Findings</h2><input id=\"filter\" type=\"search\" placeholder=\"filter findings\" aria-label=\"filter findings\">\
<table class=\"sortable\" id=\"findings-table\"><thead><tr><th data-sort=\"sev\">Severity</th><th>ID</th><th>Kind</th><th>Title</th><th>Details</th><th>Location</th><th data-sort=\"num\">Layer</th></tr></thead><tbody>"
    );
    for f in r.findings {
        let sev = f.severity.as_str();
        let _ = write!(
            o,
            "<tr><td data-v=\"{}\"><span class=\"badge sev-{}\">{sev}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            rank(f.severity),
            sev.to_lowercase(),
            esc(&f.id),
            kind_name(f.kind),
            esc(&f.title),
            esc(&f.message),
            f.fix
                .as_deref()
                .map(|x| format!("<div class=\"fix\">Fix: {}</div>", esc(x)))
                .unwrap_or_default(),
            esc(f.location.path.as_deref().unwrap_or("")),
            f.location.layer.map(|l| l.to_string()).unwrap_or_default(),
        );
    }
    if r.findings.is_empty() {
        let _ = write!(
            o,
            "<tr class=\"empty\"><td colspan=\"7\">No findings.</td></tr>"
        );
    }
    let _ = write!(o, "</tbody></table></section>");

    // Layers: what each brought.
    let _ = write!(
        o,
        "<section id=\"layers\"><h2>Layers</h2><table class=\"sortable\"><thead><tr><th data-sort=\"num\">#</th><th>Diff ID</th><th data-sort=\"num\">Size</th><th data-sort=\"num\">Entries</th><th data-sort=\"num\">Findings</th><th>Created by</th></tr></thead><tbody>"
    );
    for l in &r.layers {
        let n = r
            .findings
            .iter()
            .filter(|f| f.location.layer == Some(l.index))
            .count();
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td data-v=\"{}\">{}</td><td>{}</td><td>{n}</td><td class=\"mono\">{}</td></tr>",
            l.index,
            esc(&l.diff_id.map(ToString::to_string).unwrap_or_default()),
            l.uncompressed_bytes,
            human(l.uncompressed_bytes),
            l.entries,
            esc(l.created_by.as_deref().unwrap_or("")),
        );
    }
    let _ = write!(o, "</tbody></table></section>");

    // Packages.
    let _ = write!(
        o,
        "<section id=\"packages\"><details><summary><h2>Packages ({})</h2></summary><table class=\"sortable\"><thead><tr><th>Name</th><th>Version</th><th>Type</th><th>Source</th><th data-sort=\"num\">Layer</th></tr></thead><tbody>",
        r.packages.len()
    );
    for p in r.packages {
        let pk = p;
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&pk.name),
            esc(&pk.version),
            esc(&pk.ecosystem),
            esc(pk.source_name.as_deref().unwrap_or("")),
            p.layer
        );
    }
    let _ = write!(o, "</tbody></table></details></section>");
    let _ = writeln!(
        o,
        "</main><footer>drydock {} — generated {}</footer><script>{JS}</script></body></html>",
        esc(r.drydock_version),
        esc(&drydock_finding::time::timestamp())
    );
    o
}

fn meta(o: &mut String, k: &str, v: &str) {
    let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Unknown => 0,
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Vulnerability => "vulnerability",
        Kind::Secret => "secret",
        Kind::Credential => "credential",
        Kind::Misconfiguration => "misconfiguration",
    }
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// HTML text and attribute escaping.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--crit:#7b1fa2;--high:#c62828;--med:#ef6c00;--low:#1565c0;--unk:#757575;--bg:#fafafa;--fg:#212121}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{background:#263238;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}.target{margin:4px 0 8px;font-size:16px;word-break:break-all}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}.meta dt{opacity:.7}.meta dd{margin:0;word-break:break-all}
main{padding:8px 24px}h2{font-size:17px;margin:20px 0 8px;display:inline-block}.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;margin:0;min-width:320px}.card figcaption{font-weight:600;margin-bottom:6px}
svg .lbl{font-size:11px}svg .num{font-size:12px}.total{font-weight:600}
rect.sev-critical,.badge.sev-critical{fill:var(--crit);background:var(--crit)}rect.sev-high,.badge.sev-high{fill:var(--high);background:var(--high)}
rect.sev-medium,.badge.sev-medium{fill:var(--med);background:var(--med)}rect.sev-low,.badge.sev-low{fill:var(--low);background:var(--low)}
rect.sev-unknown,.badge.sev-unknown{fill:var(--unk);background:var(--unk)}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e0e0e0;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}table.sortable th{cursor:pointer;user-select:none}th.asc:after{content:" \25B2"}th.desc:after{content:" \25BC"}
.kinds{width:auto}.mono{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}.fix{opacity:.75;font-size:12px;margin-top:2px}
#findings-table td:nth-child(2){white-space:nowrap}#filter{margin:0 0 8px 12px;padding:4px 8px;width:280px}details summary{cursor:pointer}footer{padding:16px 24px;opacity:.6;font-size:12px}
"#;

const JS: &str = r#"
(function(){
  function val(td,kind){var v=td.getAttribute('data-v');if(v!==null)return parseFloat(v);if(kind==='num')return parseFloat(td.textContent)||0;return td.textContent.toLowerCase();}
  document.querySelectorAll('table.sortable').forEach(function(t){
    t.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var asc=!th.classList.contains('asc');t.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc');});
        th.classList.add(asc?'asc':'desc');var kind=th.getAttribute('data-sort');var body=t.tBodies[0];
        var rows=Array.prototype.slice.call(body.rows).filter(function(r){return !r.classList.contains('empty');});
        rows.sort(function(a,b){var x=val(a.cells[i],kind),y=val(b.cells[i],kind);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  var f=document.getElementById('filter'),total=document.getElementById('total');
  if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase(),n=0;
    document.querySelectorAll('#findings-table tbody tr').forEach(function(r){var show=r.textContent.toLowerCase().indexOf(q)>=0;r.style.display=show?'':'none';if(show&&!r.classList.contains('empty'))n++;});
    total.textContent=n+' findings shown';});}
  document.body.setAttribute('data-ready','1');
})();
"#;
