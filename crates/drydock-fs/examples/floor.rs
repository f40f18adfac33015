//! The decompression floor for benchmarks: stream every layer blob of an OCI layout through the
//! same decompressors drydock uses (flate2/zlib-rs, zstd) into a sink, and nothing else.
//!
//! `cargo run --release -p drydock-fs --example floor -- target/bench-images/debian-big.oci`

use std::io::{BufRead, BufReader, Read};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: floor OCI-LAYOUT-DIR")?;
    let blobs = std::path::Path::new(&dir).join("blobs/sha256");
    let mut total = 0u64;
    for entry in std::fs::read_dir(blobs)? {
        let path = entry?.path();
        let mut r = BufReader::with_capacity(256 << 10, std::fs::File::open(&path)?);
        let magic = r.fill_buf()?.to_vec();
        let mut dec: Box<dyn Read> = match magic.as_slice() {
            [0x1f, 0x8b, ..] => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
            _ => continue, // configs and manifests
        };
        total += std::io::copy(&mut dec, &mut std::io::sink())?;
    }
    println!("{total} bytes decompressed");
    Ok(())
}
