//! Arbitrary bytes as a layer blob (plain, gzip or zstd, by magic): must stream to a result or a
//! clean error, never panic, whatever the tar headers claim.
#![no_main]
use drydock_fs::{EntryMeta, Expected, LayerError, Limits, walk_blob};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_entries: 10_000, max_layer_bytes: 64 << 20, max_file_bytes: 1 << 20 };
    let mut sink = Vec::new();
    let _ = walk_blob("fuzz", data, &Expected::default(), &limits, &|_| {}, &mut |_: &EntryMeta, r: &mut dyn Read| -> Result<(), LayerError> {
        sink.clear();
        let _ = r.take(1 << 16).read_to_end(&mut sink);
        Ok(())
    });
});
