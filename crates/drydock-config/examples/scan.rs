//! Scans the files named on the command line and prints the findings, one a line.
fn main() {
    let files: Vec<(String, Vec<u8>)> = std::env::args()
        .skip(1)
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect();
    let r = drydock_config::scan_set(&files);
    for f in &r.findings {
        println!(
            "{}:{} {} {} {}",
            f.location.path.as_deref().unwrap_or(""),
            f.location.line.unwrap_or(0),
            f.id,
            f.severity,
            f.message
        );
    }
    for e in &r.errors {
        println!("ERROR {e}");
    }
}
