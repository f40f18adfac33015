//! `cargo run --example import -- DB_DIR PATH...`: imports and prints the summary as JSON.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: import DB_DIR PATH...")?;
    let paths: Vec<String> = args.collect();
    let summary = drydock_vulndb::import(
        std::path::Path::new(&dir),
        &paths,
        drydock_vulndb::ImportOptions { replace: true },
    )?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
