//! MD5-crypt (`$1$`) and Apache's APR1 (`$apr1$`), which differ only in the magic string.
//!
//! Written here rather than taken from `pwhash` because pwhash has no APR1, and the algorithm
//! (Poul-Henning Kamp's, 1994) is short and fixed; the tests check it against `openssl passwd`.

use super::encoding::push_crypt_b64;
use md5::{Digest, Md5};

/// The 22-character checksum of `password` under `salt` (at most 8 bytes are used).
pub(crate) fn checksum(password: &[u8], salt: &[u8], magic: &[u8]) -> String {
    let salt = &salt[..salt.len().min(8)];

    let mut alt = Md5::new();
    alt.update(password);
    alt.update(salt);
    alt.update(password);
    let alt = alt.finalize();

    let mut ctx = Md5::new();
    ctx.update(password);
    ctx.update(magic);
    ctx.update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    // The famous quirk: bits of the length select a NUL or the password's first byte.
    let first = password.first().copied().unwrap_or(0);
    let mut i = password.len();
    while i > 0 {
        ctx.update([if i & 1 == 1 { 0 } else { first }]);
        i >>= 1;
    }
    let mut fin = ctx.finalize();

    for round in 0..1000 {
        let mut c = Md5::new();
        if round & 1 == 1 {
            c.update(password);
        } else {
            c.update(fin);
        }
        if round % 3 != 0 {
            c.update(salt);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        if round & 1 == 1 {
            c.update(fin);
        } else {
            c.update(password);
        }
        fin = c.finalize();
    }

    let f = |i: usize| u32::from(fin[i]);
    let mut out = String::with_capacity(22);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        push_crypt_b64(&mut out, f(a) << 16 | f(b) << 8 | f(c), 4);
    }
    push_crypt_b64(&mut out, f(11), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn matches_openssl_passwd() {
        // `openssl passwd -1 -salt UA30nUfX password` and `openssl passwd -apr1 -salt kQTiiItj password`
        assert_eq!(
            checksum(b"password", b"UA30nUfX", b"$1$"),
            "yI0Ute5X33bnTd/.IC4hT0"
        );
        assert_eq!(
            checksum(b"password", b"kQTiiItj", b"$apr1$"),
            "R86rqfoeIsb/nx76/d1dL0"
        );
    }

    #[test]
    fn empty_password_does_not_panic() {
        assert_eq!(checksum(b"", b"", b"$1$").len(), 22);
    }
}
