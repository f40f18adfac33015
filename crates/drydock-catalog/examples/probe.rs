use drydock_catalog::*;
fn main() {
    for f in ["rpm/sle15-bci-ndb/Packages.db", "rpm/libuuid-bdb/Packages", "rpm/cbl-mariner-2.0/rpmdb.sqlite"] {
    let data = std::fs::read(format!("/work/shared/data/pkgdb/{f}")).unwrap();
    let t = std::time::Instant::now();
    let mut d = Vec::new();
    for _ in 0..100 { d.clear(); let _ = rpm::parse(&DbFile::new("/var/lib/rpm/Packages.db", &data), &Distro::new("x", Some("1")), &mut d).unwrap(); }
    println!("{f}: {:?} per parse", t.elapsed() / 100);
    let t = std::time::Instant::now();
    for _ in 0..100 { let _ = data.iter().position(|&b| b == 0xfe); }
    println!("scan: {:?}", t.elapsed() / 100);
    }
}
