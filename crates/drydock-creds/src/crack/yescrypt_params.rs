//! Decoding of yescrypt's parameter field (`j9T`), done here with checked arithmetic so that
//! the cost of a hash is known, and absurd values refused, before the `yescrypt` crate sizes
//! its buffers from them.

use std::fmt;

/// The parameters that decide the cost of one yescrypt guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cost {
    pub n: u64,
    pub r: u32,
    pub p: u32,
    pub t: u32,
}

impl Cost {
    /// Decodes the variable-length integers of yescrypt's setting string (flavour, log2 N, r,
    /// then optional p, t, g, NROM selected by a "have" bitmask), as libxcrypt's `decode64_uint32`.
    pub(crate) fn decode(s: &str) -> Option<Cost> {
        let src = s.as_bytes();
        let mut pos = 0;
        let _flavor = decode_u32(src, &mut pos, 0)?;
        let nlog2 = decode_u32(src, &mut pos, 1)?;
        if nlog2 > 63 {
            return None;
        }
        let r = decode_u32(src, &mut pos, 1)?;
        let (mut p, mut t) = (1, 0);
        if pos < src.len() {
            let have = decode_u32(src, &mut pos, 1)?;
            if have & 1 != 0 {
                p = decode_u32(src, &mut pos, 2)?;
            }
            if have & 2 != 0 {
                t = decode_u32(src, &mut pos, 1)?;
            }
            if have & 4 != 0 {
                decode_u32(src, &mut pos, 1)?;
            }
            if have & 8 != 0 {
                decode_u32(src, &mut pos, 1)?;
            }
        }
        if pos != src.len() {
            return None;
        }
        Some(Cost {
            n: 1u64 << nlog2,
            r,
            p,
            t,
        })
    }

    /// Bytes of the main buffer one guess allocates (128·r·N), saturating.
    pub(crate) fn memory(&self) -> u64 {
        let m = 128u128 * u128::from(self.r) * u128::from(self.n);
        u64::try_from(m).unwrap_or(u64::MAX)
    }

    /// Work in block-mix units: N·r times the passes SMix makes (1 to fill, then 1/3, 2/3 or
    /// t-1 more depending on t), which is what the time of a guess is proportional to.
    pub(crate) fn units(&self) -> f64 {
        let extra = match self.t {
            0 => 1.0 / 3.0,
            1 => 2.0 / 3.0,
            t => f64::from(t - 1),
        };
        // u64 -> f64 loses precision only above 2^53, far past anything that is tried.
        #[allow(clippy::cast_precision_loss)]
        let n = self.n as f64;
        n * f64::from(self.r) * (1.0 + extra)
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "N={} r={}", self.n, self.r)?;
        if self.p != 1 {
            write!(f, " p={}", self.p)?;
        }
        if self.t != 0 {
            write!(f, " t={}", self.t)?;
        }
        write!(f, ", {} MiB", self.memory() >> 20)
    }
}

fn atoi64(c: u8) -> Option<u64> {
    match c {
        b'.' => Some(0),
        b'/' => Some(1),
        b'0'..=b'9' => Some(u64::from(c - b'0') + 2),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 12),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 38),
        _ => None,
    }
}

fn decode_u32(src: &[u8], pos: &mut usize, min: u32) -> Option<u32> {
    let c = atoi64(*src.get(*pos)?)?;
    *pos += 1;
    let (mut start, mut end, mut chars, mut bits) = (0u64, 47u64, 1u32, 0u32);
    let mut dst = u64::from(min);
    while c > end {
        dst = dst.checked_add((end + 1 - start) << bits)?;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst = dst.checked_add((c - start) << bits)?;
    while chars > 1 {
        chars -= 1;
        if bits < 6 {
            return None;
        }
        let c = atoi64(*src.get(*pos)?)?;
        *pos += 1;
        bits -= 6;
        dst = dst.checked_add(c << bits)?;
    }
    u32::try_from(dst).ok()
}

#[cfg(test)]
mod tests {
    use super::Cost;

    #[test]
    fn debian_default_and_low_cost() {
        // `mkpasswd -m yescrypt` default (cost 5) and `-R 1`.
        assert_eq!(
            Cost::decode("j9T"),
            Some(Cost {
                n: 4096,
                r: 32,
                p: 1,
                t: 0
            })
        );
        assert_eq!(Cost::decode("j9T").map(|c| c.memory()), Some(16 << 20));
        assert_eq!(
            Cost::decode("j75"),
            Some(Cost {
                n: 1024,
                r: 8,
                p: 1,
                t: 0
            })
        );
    }

    #[test]
    fn junk_is_refused() {
        for s in ["", "j", "j9", "j9T!", "\u{e9}", "jzzz", "j9T$"] {
            assert!(Cost::decode(s).is_none(), "{s}");
        }
    }
}
