//! Bounds-checked integer reads. Every binary parser goes through these so that an
//! offset taken from hostile input can only ever produce `None`, never a panic.

/// `len` bytes at `off`, or `None` if any of them is outside `buf`.
pub(crate) fn slice(buf: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    buf.get(off..off.checked_add(len)?)
}

/// Mutable counterpart of [`slice`].
pub(crate) fn slice_mut(buf: &mut [u8], off: usize, len: usize) -> Option<&mut [u8]> {
    buf.get_mut(off..off.checked_add(len)?)
}

fn array<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    slice(buf, off, N)?.try_into().ok()
}

pub(crate) fn u16_le(buf: &[u8], off: usize) -> Option<u16> {
    array(buf, off).map(u16::from_le_bytes)
}

pub(crate) fn u16_be(buf: &[u8], off: usize) -> Option<u16> {
    array(buf, off).map(u16::from_be_bytes)
}

pub(crate) fn u32_le(buf: &[u8], off: usize) -> Option<u32> {
    array(buf, off).map(u32::from_le_bytes)
}

pub(crate) fn u32_be(buf: &[u8], off: usize) -> Option<u32> {
    array(buf, off).map(u32::from_be_bytes)
}

/// Byte order chosen at run time (Berkeley DB files are written in the host's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    pub(crate) fn u16(self, buf: &[u8], off: usize) -> Option<u16> {
        match self {
            Endian::Little => u16_le(buf, off),
            Endian::Big => u16_be(buf, off),
        }
    }

    pub(crate) fn u32(self, buf: &[u8], off: usize) -> Option<u32> {
        match self {
            Endian::Little => u32_le(buf, off),
            Endian::Big => u32_be(buf, off),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let b = [1u8, 2, 3, 4, 5];
        assert_eq!(u32_be(&b, 0), Some(0x0102_0304));
        assert_eq!(u32_le(&b, 1), Some(0x0504_0302));
        assert_eq!(u32_le(&b, 2), None);
        assert_eq!(u16_be(&b, usize::MAX), None);
        assert_eq!(slice(&b, 5, 0), Some(&[][..]));
        assert_eq!(slice(&b, 6, 0), None);
        assert_eq!(slice(&b, usize::MAX, 2), None);
    }
}
