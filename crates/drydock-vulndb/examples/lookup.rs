//! `cargo run --release --example lookup -- DB_DIR ECOSYSTEM NAME [ROUNDS]`: times lookups.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, eco, name, rest @ ..] = args.as_slice() else {
        return Err("usage: lookup DB_DIR ECOSYSTEM NAME [ROUNDS]".into());
    };
    let rounds: u32 = rest.first().map_or(Ok(1000), |r| r.parse())?;
    let db = drydock_vulndb::Database::open(std::path::Path::new(dir))?;
    let n = db.lookup(eco, name)?.len();
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        db.lookup(eco, name)?;
    }
    println!(
        "{eco} {name}: {n} advisories, {:.1?} per lookup",
        start.elapsed() / rounds
    );
    Ok(())
}
