//! Arbitrary bytes as an image archive on disk: index/manifest/config parsing, member lookup and
//! link following inside the archive, then a full scan. Clean errors only.
#![no_main]
use drydock_analyze::Engine;
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(image) = Image::open(&path, &OpenOptions::default()) {
        let limits = Limits { max_entries: 10_000, max_layer_bytes: 64 << 20, max_file_bytes: 1 << 20 };
        if let Ok(engine) = Engine::builtin(limits) {
            let _ = engine.scan(&image, &|_| {});
        }
    }
});
