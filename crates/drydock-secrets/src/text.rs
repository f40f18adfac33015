//! Small text helpers: entropy, redaction, GitHub checksums, line positions.

/// Shannon entropy in bits per character, computed as gitleaks does (counts per character,
/// divided by the byte length), so entropy thresholds copied from gitleaks mean the same here.
pub fn shannon_entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut ascii = [0u32; 128];
    let mut other: Vec<(char, u32)> = Vec::new();
    for c in s.chars() {
        if c.is_ascii() {
            ascii[c as usize] += 1;
        } else if let Some(e) = other.iter_mut().find(|(k, _)| *k == c) {
            e.1 += 1;
        } else {
            other.push((c, 1));
        }
    }
    let inv = 1.0 / s.len() as f64;
    ascii
        .iter()
        .copied()
        .chain(other.iter().map(|(_, n)| *n))
        .filter(|&n| n > 0)
        .map(|n| {
            let f = f64::from(n) * inv;
            -f * f.log2()
        })
        .sum()
}

/// The one mask for a secret, used by every scanner and for every copy of image metadata in a
/// report: a short prefix survives (it names the token type, `ghp_`, `AKIA`, so a reader knows
/// what to rotate) and the rest becomes `*****`, whose fixed length leaks nothing about the
/// secret's. Trivy masks each character with a `*` (the length shows); gitleaks' `--redact`
/// keeps nothing (the type is lost). Secrets of 8 characters or fewer keep nothing (two
/// characters of a password are a real head start), 9 to 15 keep 2, longer ones 4.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = match n {
        0..=8 => 0,
        9..=15 => 2,
        _ => 4,
    };
    let mut out: String = secret.chars().take(keep).collect();
    out.push_str("*****");
    out
}

/// Masks known secrets wherever they occur in a text: for the copies of image metadata (Env,
/// labels, history) a report carries, whose secrets were found by the scanners. Each occurrence
/// becomes its [`redact`]ion, so a report shows the same mask in the metadata as in the finding.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every known secret masked.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), &redact(secret));
            }
        }
        out
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub's token format (2021): `gh[pousr]_` + 30 random base62 characters + the CRC32 of
/// those 30, in base62, left-padded to 6. A token of that shape whose checksum is wrong was
/// never issued by GitHub: a placeholder, a test fixture or a typo. Tokens of other shapes
/// (the JWT-based stateless `ghs_` tokens, fine-grained `github_pat_`, whose checksum scheme is
/// not public) are accepted.
pub fn github_checksum_ok(token: &str) -> bool {
    let b = token.as_bytes();
    let shaped = b.len() == 40
        && b.starts_with(b"gh")
        && matches!(b[2], b'p' | b'o' | b'u' | b's' | b'r')
        && b[3] == b'_'
        && b[4..].iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return true;
    }
    let mut n = crc32fast::hash(&b[4..34]);
    let mut enc = [b'0'; 6];
    for slot in enc.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && enc == b[34..40]
}

/// AWS access key ids (`AKIA...`, `ASIA...`) are 20 characters: a 4-character prefix and 16
/// characters of base32 (`A-Z`, `2-7`). A `0`, `1`, `8` or `9` there means a made-up id.
pub fn aws_key_id_ok(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() != 20
        || b[4..]
            .iter()
            .all(|&c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c))
}

/// Byte offsets of every `\n`, built once per file and only when something matched.
pub(crate) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(content: &[u8]) -> Lines {
        Lines {
            newlines: memchr::memchr_iter(b'\n', content).collect(),
        }
    }

    /// 1-based line of byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < offset) + 1
    }

    /// Byte offset where 1-based `line` starts.
    pub(crate) fn line_start(&self, line: usize) -> usize {
        match line {
            0 | 1 => 0,
            n => self.newlines.get(n - 2).map_or(usize::MAX, |&nl| nl + 1),
        }
    }

    /// Byte offset where 1-based `line` ends (its `\n`, or the end of content).
    pub(crate) fn line_end(&self, line: usize, len: usize) -> usize {
        self.newlines
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksums() {
        // Valid: checksums from published examples of the format.
        assert!(github_checksum_ok(
            "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"
        ));
        assert!(github_checksum_ok(
            "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"
        ));
        // One character off, and Trivy's fixtures, which are not real tokens.
        assert!(!github_checksum_ok(
            "ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V3"
        ));
        assert!(!github_checksum_ok(
            "ghp_012345678901234567890123456789abcdef"
        ));
        // Other shapes are not checked.
        assert!(github_checksum_ok("ghs_15368_eyJabc.eyJdef.sig"));
    }

    #[test]
    fn aws_key_ids() {
        assert!(aws_key_id_ok("AKIALALEMEL33243OLIA"));
        assert!(!aws_key_id_ok("AKIA0123456789ABCDEF"));
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("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"),
            "ghp_*****"
        );
        assert_eq!(redact("hunter2"), "*****");
        assert_eq!(redact("0123456789"), "01*****");
        assert_eq!(redact("ééééééééééééééééé"), "éééé*****");
    }

    #[test]
    fn redactor_masks_every_occurrence_longest_first() {
        let r = Redactor::new([
            "hunter2".to_owned(),
            "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".to_owned(),
            "M7H4jxUDDWHP4kZ6".to_owned(),
            String::new(),
        ]);
        assert_eq!(
            r.apply("A=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 B=hunter2 C=hunter2"),
            "A=ghp_***** B=***** C=*****"
        );
        assert_eq!(r.apply("nothing here"), "nothing here");
        assert!(Redactor::new([String::new()]).is_empty());
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn lines() {
        let l = Lines::new(b"a\nbc\n\nd");
        assert_eq!(l.line_of(0), 1);
        assert_eq!(l.line_of(2), 2);
        assert_eq!(l.line_of(6), 4);
        assert_eq!(l.line_start(2), 2);
        assert_eq!(l.line_end(2, 7), 4);
        assert_eq!(l.line_end(4, 7), 7);
    }
}
