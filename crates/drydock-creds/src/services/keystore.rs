//! Java keystores (JKS, JCEKS) and PKCS#12 files (`.p12`, `.pfx`) that hold a private key
//! behind an empty or well-known store password: whoever reads the file has the key.
//!
//! Both formats let a guess be checked without decrypting anything: JKS/JCEKS end with
//! SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ the store), and PKCS#12 carries an HMAC
//! of its content keyed by the password (RFC 7292 appendix B). Trust stores (`cacerts`, which
//! every JDK ships with `changeit`) hold no private key and are not findings.

use drydock_finding::{Kind, Rule, Severity};
use hmac::{KeyInit, Mac, SimpleHmac};
use sha1::{Digest, Sha1};

use crate::crack::Wordlist;
use crate::sink::{Files, Sink};

pub static KEYSTORE_DEFAULT_PASSWORD: Rule = Rule {
    id: "DD-CRED-130",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Keystore with a private key uses an empty or default password",
    why: "A JKS, JCEKS or PKCS#12 store protects its private keys with its store password; with \
          an empty one or a default such as `changeit`, anyone who can read the file from the \
          image extracts the key and can impersonate the service.",
    fix: "Do not ship private keys in images; mount the keystore at run time, protected by a \
          random password from a secret store.",
    references: &[
        "CWE-521",
        "https://docs.oracle.com/en/java/javase/21/docs/specs/man/keytool.html",
    ],
};

/// Stores larger than this are not keystores an image ships.
const MAX_STORE: usize = 4 << 20;
/// List words tried after the vendor defaults: each guess hashes the whole store.
const WORDS: usize = 50;

pub(crate) fn wants(p: &str) -> bool {
    let name = super::file_name(p).to_ascii_lowercase();
    [".jks", ".jceks", ".keystore", ".p12", ".pfx", ".bcfks"]
        .iter()
        .any(|e| name.ends_with(e))
        || name == "keystore"
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    for (norm, path, bytes) in files.iter() {
        if !wants(norm) || bytes.len() > MAX_STORE {
            continue;
        }
        let store = if let Some(s) = Jks::parse(bytes) {
            Store::Jks(s)
        } else if let Some(p) = Pkcs12::parse(bytes) {
            Store::Pkcs12(p)
        } else {
            continue;
        };
        if !store.holds_private_key() {
            continue;
        }
        let mut candidates: Vec<String> = vec![String::new()];
        candidates.extend(
            wl.candidates(None, WORDS)
                .into_iter()
                .map(|c| c.word.into_owned())
                .filter(|w| !w.is_empty()),
        );
        if let Some(pw) = candidates.iter().find(|pw| store.opens_with(pw)) {
            let shown = if pw.is_empty() {
                "an empty password".to_owned()
            } else {
                "a well-known default password".to_owned()
            };
            sink.push_secret(
                &KEYSTORE_DEFAULT_PASSWORD,
                path,
                None,
                format!("{} holding a private key opens with {shown}", store.kind()),
                pw,
            );
        }
    }
}

enum Store<'a> {
    Jks(Jks<'a>),
    Pkcs12(Pkcs12<'a>),
}

impl Store<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Store::Jks(j) if j.jceks => "JCEKS keystore",
            Store::Jks(_) => "JKS keystore",
            Store::Pkcs12(_) => "PKCS#12 store",
        }
    }

    fn holds_private_key(&self) -> bool {
        match self {
            Store::Jks(j) => j.has_key,
            Store::Pkcs12(p) => p.has_key,
        }
    }

    fn opens_with(&self, password: &str) -> bool {
        match self {
            Store::Jks(j) => j.opens_with(password),
            Store::Pkcs12(p) => p.opens_with(password),
        }
    }
}

/// A JKS or JCEKS store: its body and the SHA-1 integrity digest that ends it.
struct Jks<'a> {
    body: &'a [u8],
    digest: &'a [u8],
    jceks: bool,
    has_key: bool,
}

impl<'a> Jks<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        let magic = bytes.get(..4)?;
        let jceks = match magic {
            [0xFE, 0xED, 0xFE, 0xED] => false,
            [0xCE, 0xCE, 0xCE, 0xCE] => true,
            _ => return None,
        };
        let (body, digest) = bytes.split_at(bytes.len().checked_sub(20)?);
        let mut r = Reader { b: body, at: 4 };
        let version = r.u32()?;
        let count = r.u32()?;
        let mut has_key = false;
        // Walk the entries only as far as needed to see whether one is a key.
        for _ in 0..count.min(100_000) {
            match r.u32()? {
                // Private key (JKS and JCEKS), secret key (JCEKS, a serialised object).
                1 => {
                    has_key = true;
                    break;
                }
                3 => {
                    has_key = true;
                    break;
                }
                2 => {
                    r.utf()?; // alias
                    r.skip(8)?; // date
                    if version == 2 {
                        r.utf()?; // certificate type
                    }
                    let len = r.u32()? as usize;
                    r.skip(len)?;
                }
                _ => return None,
            }
        }
        Some(Jks {
            body,
            digest,
            jceks,
            has_key,
        })
    }

    fn opens_with(&self, password: &str) -> bool {
        let mut h = Sha1::new();
        for unit in password.encode_utf16() {
            h.update(unit.to_be_bytes());
        }
        h.update(b"Mighty Aphrodite");
        h.update(self.body);
        h.finalize().as_slice() == self.digest
    }
}

/// A big-endian cursor.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn skip(&mut self, n: usize) -> Option<()> {
        self.at = self.at.checked_add(n).filter(|&e| e <= self.b.len())?;
        Some(())
    }

    fn u32(&mut self) -> Option<u32> {
        let s = self.b.get(self.at..self.at.checked_add(4)?)?;
        self.at += 4;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn utf(&mut self) -> Option<()> {
        let s = self.b.get(self.at..self.at.checked_add(2)?)?;
        let len = usize::from(u16::from_be_bytes([s[0], s[1]]));
        self.skip(2 + len)
    }
}

/// The hash a PKCS#12 MAC is computed with.
#[derive(Clone, Copy)]
enum MacHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// A PKCS#12 PFX: the authenticated content and its MAC.
struct Pkcs12<'a> {
    content: &'a [u8],
    hash: MacHash,
    digest: &'a [u8],
    salt: &'a [u8],
    iterations: u32,
    has_key: bool,
}

/// One DER element: tag, content.
fn der(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((tag, b.get(head..end)?, b.get(end..)?))
}

/// The OIDs of PKCS#12's key bags: keyBag and pkcs8ShroudedKeyBag.
const KEY_BAG: &[u8] = &[
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x01,
];
const SHROUDED_KEY_BAG: &[u8] = &[
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x02,
];

impl<'a> Pkcs12<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (0x30, pfx, _) = der(bytes)? else {
            return None;
        };
        let (0x02, _version, rest) = der(pfx)? else {
            return None;
        };
        let (0x30, auth_safe, rest) = der(rest)? else {
            return None;
        };
        let (0x30, mac_data, _) = der(rest)? else {
            return None;
        };
        // authSafe: contentType data, [0] EXPLICIT OCTET STRING.
        let (0x06, _oid, rest) = der(auth_safe)? else {
            return None;
        };
        let (0xA0, explicit, _) = der(rest)? else {
            return None;
        };
        let (0x04, content, _) = der(explicit)? else {
            return None;
        };
        // macData: DigestInfo { AlgorithmIdentifier, digest }, salt, iterations.
        let (0x30, digest_info, rest) = der(mac_data)? else {
            return None;
        };
        let (0x04, salt, rest) = der(rest)? else {
            return None;
        };
        let iterations = match der(rest) {
            Some((0x02, n, _)) if !n.is_empty() && n.len() <= 4 => {
                n.iter().fold(0u32, |a, &d| (a << 8) | u32::from(d))
            }
            _ => 1,
        };
        let (0x30, alg, rest) = der(digest_info)? else {
            return None;
        };
        let (0x04, digest, _) = der(rest)? else {
            return None;
        };
        let (0x06, oid, _) = der(alg)? else {
            return None;
        };
        let hash = match oid {
            [0x2B, 0x0E, 0x03, 0x02, 0x1A] => MacHash::Sha1,
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01] => MacHash::Sha256,
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02] => MacHash::Sha384,
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03] => MacHash::Sha512,
            _ => return None,
        };
        // An absurd iteration count is a hostile file: one guess would run for hours.
        if iterations == 0 || iterations > 1_000_000 {
            return None;
        }
        let has_key = content
            .windows(KEY_BAG.len())
            .any(|w| w == KEY_BAG || w == SHROUDED_KEY_BAG);
        Some(Pkcs12 {
            content,
            hash,
            digest,
            salt,
            iterations,
            has_key,
        })
    }

    fn opens_with(&self, password: &str) -> bool {
        // BMPString with its two-byte terminator; an empty password is tried both as `00 00`
        // (OpenSSL) and as nothing at all (some Java versions).
        let mut bmp: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let without = bmp.clone();
        bmp.extend([0, 0]);
        let mut tries = vec![bmp];
        if password.is_empty() {
            tries.push(without);
        }
        tries.iter().any(|p| match self.hash {
            MacHash::Sha1 => self.check::<Sha1>(p, 64),
            MacHash::Sha256 => self.check::<sha2::Sha256>(p, 64),
            MacHash::Sha384 => self.check::<sha2::Sha384>(p, 128),
            MacHash::Sha512 => self.check::<sha2::Sha512>(p, 128),
        })
    }

    /// RFC 7292 B.2 with ID 3 (MAC key), then HMAC over the content.
    fn check<D>(&self, password: &[u8], v: usize) -> bool
    where
        D: Digest + Clone + hmac::digest::common::BlockSizeUser,
        SimpleHmac<D>: KeyInit + Mac,
    {
        let u = <D as Digest>::output_size();
        let fill = |s: &[u8]| -> Vec<u8> {
            if s.is_empty() {
                return Vec::new();
            }
            let n = v * s.len().div_ceil(v);
            s.iter().copied().cycle().take(n).collect()
        };
        let mut input = vec![3u8; v];
        input.extend(fill(self.salt));
        input.extend(fill(password));
        let mut a = D::digest(&input).to_vec();
        for _ in 1..self.iterations {
            a = D::digest(&a).to_vec();
        }
        let Ok(mut mac) = <SimpleHmac<D> as KeyInit>::new_from_slice(&a[..u.min(a.len())]) else {
            return false;
        };
        mac.update(self.content);
        mac.verify_slice(self.digest).is_ok()
    }
}
