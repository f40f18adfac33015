//! The two Base64 flavours password files use, written out because both are a dozen lines and
//! neither needs a dependency: crypt(3)'s `./0-9A-Za-z` little-endian groups, and RFC 4648.

const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether every byte is in crypt(3)'s alphabet.
pub(crate) fn is_crypt_b64(s: &str) -> bool {
    s.bytes().all(|b| CRYPT_ALPHABET.contains(&b))
}

/// Appends `n` characters encoding the low bits of `v`, least significant first, as MD5-crypt
/// and its relatives do.
pub(crate) fn push_crypt_b64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(char::from(CRYPT_ALPHABET[(v & 0x3f) as usize]));
        v >>= 6;
    }
}

/// Standard Base64 (with optional padding), as used by `{SHA}` and `{SSHA}` entries.
pub(crate) fn decode_std_b64(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // Leftover bits must be zero padding, or the input was truncated.
    if bits >= 6 || acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

/// Lower-case hex digits only, of exactly `len` characters.
pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_b64() {
        assert_eq!(decode_std_b64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_std_b64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_std_b64("a"), None);
        assert_eq!(decode_std_b64("a$=="), None);
    }

    #[test]
    fn hex() {
        assert_eq!(decode_hex("00ff"), Some(vec![0, 255]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
    }
}
