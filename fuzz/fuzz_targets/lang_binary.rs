//! The body lives in `drydock_testkit::fuzz::lang_binary`, shared with the regression test.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_testkit::fuzz::lang_binary(data));
