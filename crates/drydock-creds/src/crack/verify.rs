//! Parsing a hash into a [`Verifier`] and testing one guess against it: the per-scheme part of
//! cracking, with no timing or scheduling (those are [`super::calib`] and [`super`]).

use super::calib::{Calib, calibrate};
use super::{YESCRYPT_MEMORY_LIMIT, encoding, md5crypt, yescrypt_params};
use hmac::{KeyInit, Mac, SimpleHmac};
use mcf::{Base64, PasswordHashRef};
use sha1::{Digest, Sha1};
use std::fmt;
use std::time::Duration;
use streebog::Streebog256;

/// Password hashing schemes drydock verifies. Recognised but unverifiable ones (scrypt `$7$`,
/// SunMD5, NT-hash, `$sha1$`, bcrypt `$2x$`) are [`NotChecked::Unsupported`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    Des,
    BsdiDes,
    Md5Crypt,
    Apr1,
    Bcrypt,
    Sha256Crypt,
    Sha512Crypt,
    Yescrypt,
    GostYescrypt,
    /// `{SHA}`: one unsalted SHA-1 (htpasswd -s, LDAP).
    LdapSha,
    /// `{SSHA}`: one salted SHA-1.
    LdapSsha,
    /// `{PLAIN}` / `{CLEARTEXT}` (nginx) or a plaintext config value.
    Plain,
    HexMd5,
    HexSha1,
    HexSha256,
    HexSha512,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Des => "DES crypt",
            Scheme::BsdiDes => "BSDi extended DES crypt",
            Scheme::Md5Crypt => "MD5-crypt",
            Scheme::Apr1 => "Apache APR1-MD5",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Sha256Crypt => "SHA-256-crypt",
            Scheme::Sha512Crypt => "SHA-512-crypt",
            Scheme::Yescrypt => "yescrypt",
            Scheme::GostYescrypt => "gost-yescrypt",
            Scheme::LdapSha => "unsalted SHA-1 ({SHA})",
            Scheme::LdapSsha => "salted SHA-1 ({SSHA})",
            Scheme::Plain => "plain text",
            Scheme::HexMd5 => "unsalted MD5",
            Scheme::HexSha1 => "unsalted SHA-1",
            Scheme::HexSha256 => "unsalted SHA-256",
            Scheme::HexSha512 => "unsalted SHA-512",
        }
    }

    /// Fast, unsalted or truncating schemes: cracked at GPU speeds whatever the password.
    pub fn is_obsolete(self) -> bool {
        matches!(
            self,
            Scheme::Des
                | Scheme::BsdiDes
                | Scheme::Md5Crypt
                | Scheme::Apr1
                | Scheme::LdapSha
                | Scheme::LdapSsha
                | Scheme::Plain
                | Scheme::HexMd5
                | Scheme::HexSha1
                | Scheme::HexSha256
                | Scheme::HexSha512
        )
    }

    /// Schemes designed to be slow per guess; they only get the head of the wordlist.
    pub fn is_memory_hard(self) -> bool {
        matches!(
            self,
            Scheme::Bcrypt | Scheme::Yescrypt | Scheme::GostYescrypt
        )
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a hash was not tried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotChecked {
    #[error("scheme unsupported: {0}")]
    Unsupported(&'static str),
    #[error("malformed {scheme} hash: {reason}")]
    Malformed {
        scheme: &'static str,
        reason: &'static str,
    },
    #[error("not a recognised password hash")]
    Unrecognised,
    #[error("one guess would take about {estimate:.2?}, over the per-hash budget of {budget:.2?}")]
    OverBudget {
        estimate: Duration,
        budget: Duration,
    },
    #[error("one guess needs {needed_mib} MiB of memory, over the {limit_mib} MiB limit")]
    OverMemory { needed_mib: u64, limit_mib: u64 },
}

/// A parsed hash, ready to test guesses against.
#[derive(Clone)]
pub struct Verifier {
    scheme: Scheme,
    /// Cost parameter as shown to users (`rounds=5000`, `cost 10`, `N=4096 r=32`).
    params: Option<String>,
    kind: Kind,
}

/// Shows the scheme and cost only: a plaintext or digest must not reach logs through `{:?}`.
impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum Kind {
    /// Verified by `pwhash`, which re-parses the string per guess (cheap next to the hash).
    Des(String),
    Bsdi {
        hash: String,
        count: u32,
    },
    Bcrypt {
        hash: String,
        cost: u32,
    },
    Md5 {
        salt: Vec<u8>,
        magic: &'static [u8],
        checksum: String,
    },
    /// Canonical `$5$`/`$6$` string with explicit, clamped rounds, for `sha-crypt`.
    Sha {
        hash: String,
        rounds: u32,
    },
    Yescrypt(YescryptSetting),
    Gost {
        y: YescryptSetting,
        prefix: String,
    },
    Sha1 {
        digest: Vec<u8>,
        salt: Vec<u8>,
    },
    Hex {
        digest: Vec<u8>,
    },
    Plain(String),
}

#[derive(Clone)]
struct YescryptSetting {
    params: yescrypt::Params,
    cost: yescrypt_params::Cost,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Verifier {
    /// Parses a crypt(3) string (`/etc/shadow`), or an htpasswd value (`$apr1$`, `{SHA}`...).
    pub fn parse(hash: &str) -> Result<Verifier, NotChecked> {
        let v = |scheme, params, kind| {
            Ok(Verifier {
                scheme,
                params,
                kind,
            })
        };
        if let Some(b64) = hash.strip_prefix("{SHA}") {
            let digest = encoding::decode_std_b64(b64)
                .filter(|d| d.len() == 20)
                .ok_or(NotChecked::Malformed {
                    scheme: "{SHA}",
                    reason: "not 20 bytes of Base64",
                })?;
            return v(
                Scheme::LdapSha,
                None,
                Kind::Sha1 {
                    digest,
                    salt: Vec::new(),
                },
            );
        }
        if let Some(b64) = hash.strip_prefix("{SSHA}") {
            let raw = encoding::decode_std_b64(b64)
                .filter(|d| d.len() > 20)
                .ok_or(NotChecked::Malformed {
                    scheme: "{SSHA}",
                    reason: "not a digest and salt in Base64",
                })?;
            let (digest, salt) = raw.split_at(20);
            return v(
                Scheme::LdapSsha,
                None,
                Kind::Sha1 {
                    digest: digest.to_vec(),
                    salt: salt.to_vec(),
                },
            );
        }
        if let Some(p) = hash
            .strip_prefix("{PLAIN}")
            .or_else(|| hash.strip_prefix("{CLEARTEXT}"))
        {
            return Ok(Verifier::plain(p));
        }
        if hash.starts_with('{') {
            return Err(NotChecked::Unsupported(
                "LDAP-style {SCHEME} other than SHA, SSHA, PLAIN",
            ));
        }
        if hash.len() == 13 && encoding::is_crypt_b64(hash) {
            return v(Scheme::Des, None, Kind::Des(hash.to_owned()));
        }
        if let Some(rest) = hash.strip_prefix('_') {
            if rest.len() != 19 || !encoding::is_crypt_b64(rest) {
                return Err(NotChecked::Malformed {
                    scheme: "BSDi DES",
                    reason: "not 20 crypt characters",
                });
            }
            let count = rest
                .bytes()
                .take(4)
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | crypt_b64_value(b) << (6 * i));
            if count == 0 {
                return Err(NotChecked::Malformed {
                    scheme: "BSDi DES",
                    reason: "zero iterations",
                });
            }
            let params = Some(format!("{count} iterations"));
            return v(
                Scheme::BsdiDes,
                params,
                Kind::Bsdi {
                    hash: hash.to_owned(),
                    count,
                },
            );
        }
        let Some(rest) = hash.strip_prefix('$') else {
            return Err(NotChecked::Unrecognised);
        };
        let (id, body) = rest.split_once('$').unwrap_or((rest, ""));
        match id {
            "1" => parse_md5(Scheme::Md5Crypt, b"$1$", body),
            "apr1" => parse_md5(Scheme::Apr1, b"$apr1$", body),
            "2a" | "2b" | "2y" => parse_bcrypt(hash, body),
            "5" => parse_sha(Scheme::Sha256Crypt, "5", 43, body),
            "6" => parse_sha(Scheme::Sha512Crypt, "6", 86, body),
            "y" => {
                let y = parse_yescrypt(body)?;
                let params = Some(y.cost.to_string());
                v(Scheme::Yescrypt, params, Kind::Yescrypt(y))
            }
            "gy" => {
                let y = parse_yescrypt(body)?;
                // libxcrypt keys the inner HMAC with the setting up to the salt, without the
                // `$` that ends it (it measures the length on the `$y$` form, one byte shorter).
                let (settings, _) = body.rsplit_once('$').unwrap_or((body, ""));
                let prefix = format!("$gy${settings}");
                let params = Some(y.cost.to_string());
                v(Scheme::GostYescrypt, params, Kind::Gost { y, prefix })
            }
            "2x" => Err(NotChecked::Unsupported(
                "bcrypt $2x$ (pre-2011 buggy variant)",
            )),
            "2" => Err(NotChecked::Unsupported("bcrypt $2$ (original variant)")),
            "7" => Err(NotChecked::Unsupported("scrypt ($7$)")),
            "3" => Err(NotChecked::Unsupported("NT-hash ($3$)")),
            "sha1" => Err(NotChecked::Unsupported("NetBSD SHA1-crypt ($sha1$)")),
            id if id.starts_with("md5") => Err(NotChecked::Unsupported("SunMD5 ($md5$)")),
            _ => Err(NotChecked::Unsupported("unknown crypt(3) scheme")),
        }
    }

    /// A plaintext password: "verifying" is comparing.
    pub fn plain(password: &str) -> Verifier {
        Verifier {
            scheme: Scheme::Plain,
            params: None,
            kind: Kind::Plain(password.to_owned()),
        }
    }

    /// An unsalted hex digest, as Tomcat's `MessageDigestCredentialHandler` and some apps store.
    /// The algorithm is inferred from the length (32 MD5, 40 SHA-1, 64 SHA-256, 128 SHA-512).
    pub fn hex_digest(hex: &str) -> Option<Verifier> {
        let digest = encoding::decode_hex(hex)?;
        let scheme = match digest.len() {
            16 => Scheme::HexMd5,
            20 => Scheme::HexSha1,
            32 => Scheme::HexSha256,
            64 => Scheme::HexSha512,
            _ => return None,
        };
        Some(Verifier {
            scheme,
            params: None,
            kind: Kind::Hex { digest },
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Scheme and cost for messages: `SHA-512-crypt (rounds=5000)`.
    pub fn describe(&self) -> String {
        match &self.params {
            Some(p) => format!("{} ({p})", self.scheme),
            None => self.scheme.name().to_owned(),
        }
    }

    /// Whether `password` produces this hash.
    pub fn verify(&self, password: &[u8]) -> bool {
        match &self.kind {
            Kind::Des(h) => pwhash::unix_crypt::verify(password, h),
            Kind::Bsdi { hash, .. } => pwhash::bsdi_crypt::verify(password, hash),
            Kind::Bcrypt { hash, .. } => pwhash::bcrypt::verify(password, hash),
            Kind::Md5 {
                salt,
                magic,
                checksum,
            } => md5crypt::checksum(password, salt, magic) == *checksum,
            Kind::Sha { hash, .. } => {
                use sha_crypt::PasswordVerifier;
                sha_crypt::ShaCrypt::default()
                    .verify_password(password, hash.as_str())
                    .is_ok()
            }
            Kind::Yescrypt(y) => y.raw(password).is_some_and(|out| out == y.expected),
            Kind::Gost { y, prefix } => y
                .raw(password)
                .is_some_and(|out| gost_finish(password, prefix, &out) == y.expected),
            Kind::Sha1 { digest, salt } => {
                let mut h = Sha1::new();
                h.update(password);
                h.update(salt);
                h.finalize().as_slice() == digest.as_slice()
            }
            Kind::Hex { digest } => {
                hex_digest_of(password, digest.len()).is_some_and(|d| d == *digest)
            }
            Kind::Plain(p) => p.as_bytes() == password,
        }
    }

    /// What one guess is expected to cost on this machine, from the scheme's parameters and a
    /// calibration done once per process. Zero for schemes that are cheap at any setting.
    pub fn estimate(&self) -> Duration {
        let (cal, units) = match &self.kind {
            Kind::Sha { rounds, .. } if self.scheme == Scheme::Sha256Crypt => {
                (Calib::Sha256, f64::from(*rounds))
            }
            Kind::Sha { rounds, .. } => (Calib::Sha512, f64::from(*rounds)),
            Kind::Bcrypt { cost, .. } => {
                (Calib::Bcrypt, 2f64.powi(i32::try_from(*cost).unwrap_or(31)))
            }
            Kind::Bsdi { count, .. } => (Calib::Bsdi, f64::from(*count)),
            Kind::Yescrypt(y) | Kind::Gost { y, .. } => (Calib::Yescrypt, y.cost.units()),
            _ => return Duration::ZERO,
        };
        Duration::from_secs_f64((calibrate(cal) * units).min(1e9))
    }

    /// Memory one guess allocates, when that is the limiting factor (yescrypt).
    pub(super) fn memory(&self) -> u64 {
        match &self.kind {
            Kind::Yescrypt(y) | Kind::Gost { y, .. } => y.cost.memory(),
            _ => 0,
        }
    }
}

fn crypt_b64_value(b: u8) -> u32 {
    match b {
        b'.' => 0,
        b'/' => 1,
        b'0'..=b'9' => u32::from(b - b'0') + 2,
        b'A'..=b'Z' => u32::from(b - b'A') + 12,
        b'a'..=b'z' => u32::from(b - b'a') + 38,
        _ => 0,
    }
}

fn parse_md5(scheme: Scheme, magic: &'static [u8], body: &str) -> Result<Verifier, NotChecked> {
    let name = scheme.name();
    let (salt, checksum) = body.split_once('$').ok_or(NotChecked::Malformed {
        scheme: name,
        reason: "no checksum field",
    })?;
    if checksum.len() != 22 || !encoding::is_crypt_b64(checksum) {
        return Err(NotChecked::Malformed {
            scheme: name,
            reason: "checksum is not 22 crypt characters",
        });
    }
    let salt = salt.as_bytes()[..salt.len().min(8)].to_vec();
    Ok(Verifier {
        scheme,
        params: None,
        kind: Kind::Md5 {
            salt,
            magic,
            checksum: checksum.to_owned(),
        },
    })
}

fn parse_bcrypt(hash: &str, body: &str) -> Result<Verifier, NotChecked> {
    let malformed = |reason| NotChecked::Malformed {
        scheme: "bcrypt",
        reason,
    };
    let (cost, rest) = body.split_once('$').ok_or(malformed("no cost field"))?;
    if cost.len() != 2 || !cost.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("cost is not two digits"));
    }
    let cost: u32 = cost
        .parse()
        .map_err(|_| malformed("cost is not two digits"))?;
    if !(4..=31).contains(&cost) {
        return Err(malformed("cost outside 4..=31"));
    }
    if rest.len() != 53 || !encoding::is_crypt_b64(rest) {
        return Err(malformed("salt and checksum are not 53 characters"));
    }
    Ok(Verifier {
        scheme: Scheme::Bcrypt,
        params: Some(format!("cost {cost}")),
        kind: Kind::Bcrypt {
            hash: hash.to_owned(),
            cost,
        },
    })
}

fn parse_sha(
    scheme: Scheme,
    id: &str,
    checksum_len: usize,
    body: &str,
) -> Result<Verifier, NotChecked> {
    let name = scheme.name();
    let malformed = |reason| NotChecked::Malformed {
        scheme: name,
        reason,
    };
    let mut fields: Vec<&str> = body.split('$').collect();
    let mut rounds = 5000u32;
    if let Some(r) = fields.first().and_then(|f| f.strip_prefix("rounds=")) {
        let r: u64 = r
            .parse()
            .map_err(|_| malformed("rounds= is not a number"))?;
        // glibc and libxcrypt clamp out-of-range rounds rather than refusing them.
        rounds = u32::try_from(r.clamp(1_000, 999_999_999)).unwrap_or(999_999_999);
        fields.remove(0);
    }
    let [salt, checksum] = fields[..] else {
        return Err(malformed("expected salt and checksum fields"));
    };
    if checksum.len() != checksum_len || !encoding::is_crypt_b64(checksum) {
        return Err(malformed("checksum has the wrong length or characters"));
    }
    let salt: String = salt.chars().take(16).collect();
    let hash = format!("${id}$rounds={rounds}${salt}${checksum}");
    if PasswordHashRef::new(&hash).is_err() {
        return Err(malformed("salt has characters outside the crypt alphabet"));
    }
    Ok(Verifier {
        scheme,
        params: Some(format!("rounds={rounds}")),
        kind: Kind::Sha { hash, rounds },
    })
}

fn parse_yescrypt(body: &str) -> Result<YescryptSetting, NotChecked> {
    let malformed = |reason| NotChecked::Malformed {
        scheme: "yescrypt",
        reason,
    };
    let [params_str, salt, hash] = body.split('$').collect::<Vec<_>>()[..] else {
        return Err(malformed("expected params, salt and hash fields"));
    };
    // Our own decoder first: it refuses absurd values before the crate allocates for them.
    let cost =
        yescrypt_params::Cost::decode(params_str).ok_or(malformed("undecodable parameters"))?;
    let params: yescrypt::Params = params_str
        .parse()
        .map_err(|_| malformed("unsupported parameters"))?;
    let salt = Base64::Crypt
        .decode_vec(salt)
        .map_err(|_| malformed("salt is not crypt Base64"))?;
    let expected = Base64::Crypt
        .decode_vec(hash)
        .map_err(|_| malformed("hash is not crypt Base64"))?;
    if expected.len() != 32 {
        return Err(malformed("hash is not 32 bytes"));
    }
    Ok(YescryptSetting {
        params,
        cost,
        salt,
        expected,
    })
}

impl YescryptSetting {
    fn raw(&self, password: &[u8]) -> Option<Vec<u8>> {
        if self.cost.memory() > YESCRYPT_MEMORY_LIMIT {
            return None;
        }
        let mut out = vec![0u8; self.expected.len()];
        yescrypt::yescrypt(password, &self.salt, &self.params, &mut out).ok()?;
        Some(out)
    }
}

/// gost-yescrypt's wrapping: HMAC_Streebog256(HMAC_Streebog256(Streebog256(password), setting), y).
fn gost_finish(password: &[u8], prefix: &str, y: &[u8]) -> Vec<u8> {
    type GostHmac = SimpleHmac<Streebog256>;
    let hk = Streebog256::digest(password);
    let Ok(mut inner) = <GostHmac as KeyInit>::new_from_slice(&hk) else {
        return Vec::new();
    };
    inner.update(prefix.as_bytes());
    let interm = inner.finalize().into_bytes();
    let Ok(mut outer) = <GostHmac as KeyInit>::new_from_slice(&interm) else {
        return Vec::new();
    };
    outer.update(y);
    outer.finalize().into_bytes().to_vec()
}

fn hex_digest_of(password: &[u8], len: usize) -> Option<Vec<u8>> {
    Some(match len {
        16 => md5::Md5::digest(password).to_vec(),
        20 => Sha1::digest(password).to_vec(),
        32 => sha2::Sha256::digest(password).to_vec(),
        64 => sha2::Sha512::digest(password).to_vec(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_schemes() {
        let cases = [
            ("1DD2oUwBzywy6", Scheme::Des),
            ("_J9..S07u3PoJXR3fBHE", Scheme::BsdiDes),
            ("$1$UA30nUfX$yI0Ute5X33bnTd/.IC4hT0", Scheme::Md5Crypt),
            ("$apr1$kQTiiItj$R86rqfoeIsb/nx76/d1dL0", Scheme::Apr1),
            (
                "$2b$05$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W",
                Scheme::Bcrypt,
            ),
            ("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", Scheme::LdapSha),
            ("{PLAIN}password", Scheme::Plain),
        ];
        for (h, s) in cases {
            assert_eq!(Verifier::parse(h).map(|v| v.scheme()), Ok(s), "{h}");
        }
        assert!(matches!(
            Verifier::parse("$7$CU..../....x$y"),
            Err(NotChecked::Unsupported(_))
        ));
        assert!(matches!(
            Verifier::parse("$2x$05$abc"),
            Err(NotChecked::Unsupported(_))
        ));
        assert_eq!(
            Verifier::parse("hello").err(),
            Some(NotChecked::Unrecognised)
        );
    }

    #[test]
    fn real_tool_hashes_verify() {
        // Made with `mkpasswd` (whois 5.5.17), `openssl passwd` (3.0) and `htpasswd` (2.4).
        let cases = [
            ("1DD2oUwBzywy6", "password"),
            ("_J9..S07u3PoJXR3fBHE", "password"),
            ("$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0", "password"),
            ("$apr1$pwhJslkr$.EheqTon2eV.DzD4ve7QJ/", "password"),
            (
                "$2b$05$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W",
                "123456",
            ),
            (
                "$2a$05$zQ.QGsZGpVQflUdQTpyQEuvfzuTOk9qCm5Jh1AiB2j29I7OfdfBXi",
                "123456",
            ),
            (
                "$2y$04$Y0TMy8MEmjEv8DGgi2bTyemOzuEGZrD2653nOSFXgw.ZW9MC0fP/6",
                "password",
            ),
            (
                "$5$4cU2isadbDJFKvQm$uqnKigK3kLbHLl5DwM3NdgyMd9INvdEyNUo4J5JqNN2",
                "password",
            ),
            (
                "$6$rounds=1000$p1S8yn7pOuUZbsSi$j6xFvQCORrGPuFVglHctvgwIEJnQ5lgAMPex5HjGJT32bwE6g4rKhl48OPa74jUQg1BsXgowIylJl8zyEzDN51",
                "password",
            ),
            (
                "$y$j75$XmepTsGOX2S3XCH486d2D0$0vyNeTMZYvP3MLEx4f0bQ3di8CNynL3O1X3BcXi6hJB",
                "password",
            ),
            (
                "$gy$j75$gfKVOZGikex.B6SMujaFb0$yZ8inJ4bHclENFeLtYI9Bx3U8G3H3fYA1m2IpHkp5e5",
                "password",
            ),
            ("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "password"),
        ];
        for (h, pw) in cases {
            let v = Verifier::parse(h).unwrap_or_else(|e| panic!("{h}: {e}"));
            assert!(v.verify(pw.as_bytes()), "{h} should verify {pw}");
            assert!(
                !v.verify(b"not-the-password"),
                "{h} must reject a wrong password"
            );
        }
    }

    #[test]
    fn hex_digests() {
        let v = Verifier::hex_digest("5f4dcc3b5aa765d61d8327deb882cf99").expect("md5 hex");
        assert_eq!(v.scheme(), Scheme::HexMd5);
        assert!(v.verify(b"password"));
        assert!(Verifier::hex_digest("xyz").is_none());
    }
}
