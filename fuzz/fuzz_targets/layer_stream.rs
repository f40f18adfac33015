//! The body lives in `drydock_testkit::fuzz::layer_stream`, shared with the regression test.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_testkit::fuzz::layer_stream(data));
