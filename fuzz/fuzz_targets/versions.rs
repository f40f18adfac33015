//! Every version scheme compares arbitrary strings without panicking, and ordering is
//! antisymmetric for what parses.
#![no_main]
use drydock_version::Scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (a, b) = s.split_once('\n').unwrap_or((&s, "1.0"));
    for scheme in Scheme::ALL {
        if let (Ok(x), Ok(y)) = (scheme.compare(a, b), scheme.compare(b, a)) {
            assert_eq!(x, y.reverse(), "{scheme}: {a:?} vs {b:?}");
        }
    }
});
