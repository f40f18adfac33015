//! Just enough ELF to find a named section and to map virtual addresses to file offsets.
//!
//! Hand-written rather than a dependency because only two tables are needed and every read
//! must be bounds-checked against hostile headers anyway; every offset and count read from
//! the file is validated against the file length before use.

/// A section or loadable segment: where its bytes are in the file and where they are mapped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// A parsed ELF header with its section and segment tables.
pub(crate) struct Elf<'a> {
    data: &'a [u8],
    big_endian: bool,
    is64: bool,
    sections: Vec<(u32, Region)>,
    shstr: Option<Region>,
    segments: Vec<Region>,
    /// The first loadable segment that is writable and not executable: where Go's linker puts
    /// `.go.buildinfo`, and where `go version -m` looks when section headers are gone.
    data_segment: Option<Region>,
}

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const SHT_NOBITS: u32 = 8;

impl<'a> Elf<'a> {
    /// `None` when the bytes are not a well-formed enough ELF file to have tables.
    pub fn parse(data: &'a [u8]) -> Option<Elf<'a>> {
        if data.len() < 52 || !data.starts_with(b"\x7fELF") {
            return None;
        }
        let is64 = match data[4] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let big_endian = match data[5] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let mut elf = Elf {
            data,
            big_endian,
            is64,
            sections: Vec::new(),
            shstr: None,
            segments: Vec::new(),
            data_segment: None,
        };
        let (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) = if is64 {
            (
                elf.u64_at(0x20)?,
                elf.u64_at(0x28)?,
                elf.u16_at(0x36)?,
                elf.u16_at(0x38)?,
                elf.u16_at(0x3a)?,
                elf.u16_at(0x3c)?,
                elf.u16_at(0x3e)?,
            )
        } else {
            (
                u64::from(elf.u32_at(0x1c)?),
                u64::from(elf.u32_at(0x20)?),
                elf.u16_at(0x2a)?,
                elf.u16_at(0x2c)?,
                elf.u16_at(0x2e)?,
                elf.u16_at(0x30)?,
                elf.u16_at(0x32)?,
            )
        };
        // Counts are u16, so these tables hold at most 65535 entries: bounded allocation.
        let min_ph = if is64 { 56 } else { 32 };
        if phentsize as usize >= min_ph {
            for i in 0..u64::from(phnum) {
                let Some(base) = phoff.checked_add(i * u64::from(phentsize)) else {
                    break;
                };
                let Some(seg) = elf.segment(base) else { break };
                if let Some((flags, seg)) = seg {
                    if elf.data_segment.is_none() && flags & (PF_X | PF_W) == PF_W {
                        elf.data_segment = Some(seg);
                    }
                    elf.segments.push(seg);
                }
            }
        }
        let min_sh = if is64 { 64 } else { 40 };
        if shentsize as usize >= min_sh {
            for i in 0..u64::from(shnum) {
                let Some(base) = shoff.checked_add(i * u64::from(shentsize)) else {
                    break;
                };
                let Some(sec) = elf.section(base) else { break };
                elf.sections.push(sec);
            }
            elf.shstr = elf.sections.get(shstrndx as usize).map(|s| s.1);
        }
        Some(elf)
    }

    fn bytes(&self, off: u64, len: usize) -> Option<&'a [u8]> {
        let off = usize::try_from(off).ok()?;
        self.data.get(off..off.checked_add(len)?)
    }

    fn u16_at(&self, off: u64) -> Option<u16> {
        let b: [u8; 2] = self.bytes(off, 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, off: u64) -> Option<u32> {
        let b: [u8; 4] = self.bytes(off, 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64_at(&self, off: u64) -> Option<u64> {
        let b: [u8; 8] = self.bytes(off, 8)?.try_into().ok()?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// Outer `None`: table runs past the file. Inner `None`: not a loadable segment.
    /// With the segment's `p_flags`.
    fn segment(&self, base: u64) -> Option<Option<(u32, Region)>> {
        let ty = self.u32_at(base)?;
        let (flags, offset, vaddr, filesz) = if self.is64 {
            (
                self.u32_at(base + 4)?,
                self.u64_at(base + 8)?,
                self.u64_at(base + 16)?,
                self.u64_at(base + 32)?,
            )
        } else {
            (
                self.u32_at(base + 24)?,
                u64::from(self.u32_at(base + 4)?),
                u64::from(self.u32_at(base + 8)?),
                u64::from(self.u32_at(base + 16)?),
            )
        };
        Some((ty == PT_LOAD).then_some((
            flags,
            Region {
                addr: vaddr,
                offset,
                size: filesz,
            },
        )))
    }

    fn section(&self, base: u64) -> Option<(u32, Region)> {
        let name = self.u32_at(base)?;
        let ty = self.u32_at(base + 4)?;
        let (addr, offset, size) = if self.is64 {
            (
                self.u64_at(base + 16)?,
                self.u64_at(base + 24)?,
                self.u64_at(base + 32)?,
            )
        } else {
            (
                u64::from(self.u32_at(base + 12)?),
                u64::from(self.u32_at(base + 16)?),
                u64::from(self.u32_at(base + 20)?),
            )
        };
        // NOBITS sections (.bss) occupy no file bytes; give them size 0 so reads fail cleanly.
        let size = if ty == SHT_NOBITS { 0 } else { size };
        Some((name, Region { addr, offset, size }))
    }

    fn section_name(&self, name_off: u32) -> Option<&'a [u8]> {
        let tab = self.shstr?;
        let start = tab.offset.checked_add(u64::from(name_off))?;
        let end = tab.offset.checked_add(tab.size)?;
        let len = end.checked_sub(start)?;
        let bytes = self.bytes(start, usize::try_from(len).ok()?)?;
        let nul = bytes.iter().position(|&b| b == 0)?;
        Some(&bytes[..nul])
    }

    /// Bytes of the section called `name`, if present and inside the file.
    pub fn section_data(&self, name: &str) -> Option<&'a [u8]> {
        self.sections.iter().find_map(|&(n, r)| {
            (self.section_name(n)? == name.as_bytes())
                .then(|| self.bytes(r.offset, usize::try_from(r.size).ok()?))
                .flatten()
        })
    }

    /// Whether the file has a section table at all (`sstrip` and some packers remove it).
    pub fn has_sections(&self) -> bool {
        !self.sections.is_empty()
    }

    /// The file bytes of the first writable, non-executable loadable segment.
    pub fn data_segment(&self) -> Option<&'a [u8]> {
        let r = self.data_segment?;
        self.bytes(r.offset, usize::try_from(r.size).ok()?)
    }

    /// Reads up to `len` bytes mapped at virtual address `addr`, from whichever loadable
    /// segment (or section, for files stripped of program headers) contains it.
    pub fn read_at_addr(&self, addr: u64, len: u64) -> Option<&'a [u8]> {
        let regions = self
            .segments
            .iter()
            .chain(self.sections.iter().map(|(_, r)| r));
        for r in regions {
            if addr >= r.addr && addr.checked_add(len)? <= r.addr.checked_add(r.size)? {
                let off = r.offset.checked_add(addr - r.addr)?;
                return self.bytes(off, usize::try_from(len).ok()?);
            }
        }
        None
    }
}
