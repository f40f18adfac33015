//! Small text helpers: entropy, redaction (of a secret, of every secret on a line, of known
//! secrets in a text), GitHub checksums, line positions.

use std::ops::Range;

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

/// Lines longer than this are cut to a window around the secret.
pub(crate) const MAX_LINE: usize = 160;
const CONTEXT: usize = 40;

/// One line with every secret on it redacted.
pub(crate) struct RedactedLine {
    /// Where the line starts in the content.
    start: usize,
    text: String,
    /// Each redacted span (clipped to the line) and where its mask is in `text`, in line order;
    /// both the spans' starts and their ends increase.
    masks: Vec<(Range<usize>, Range<usize>)>,
}

impl RedactedLine {
    pub(crate) fn new(content: &[u8], line: Range<usize>, spans: &[Range<usize>]) -> RedactedLine {
        let mut end = line.end;
        if end > line.start && content[end - 1] == b'\r' {
            end -= 1;
        }
        let line = line.start..end;
        let mut on_line: Vec<Range<usize>> = spans
            .iter()
            .filter(|s| s.start < line.end && line.start < s.end)
            .map(|s| s.start.max(line.start)..s.end.min(line.end))
            .collect();
        on_line.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut text = String::new();
        let mut masks = Vec::new();
        let mut pos = line.start;
        for s in on_line {
            if s.end <= pos {
                continue;
            }
            let start = s.start.max(pos);
            text.push_str(&String::from_utf8_lossy(&content[pos..start]));
            let from = text.len();
            // Redact the whole secret's text, but only the part on this line is replaced.
            let secret = String::from_utf8_lossy(&content[start..s.end]);
            let masked = if start == s.start {
                redact(&secret)
            } else {
                "*****".to_owned()
            };
            text.push_str(&masked);
            pos = s.end;
            masks.push((s, from..text.len()));
        }
        if pos < line.end {
            text.push_str(&String::from_utf8_lossy(&content[pos..line.end]));
        }
        RedactedLine {
            start: line.start,
            text,
            masks,
        }
    }

    /// The line as shown for `secret`: whole if short, else cut around the secret's mask.
    pub(crate) fn around(&self, secret: &Range<usize>) -> String {
        let out = &self.text;
        if out.len() <= MAX_LINE {
            return out.clone();
        }
        // The last mask containing the secret's start (on this line); with starts and ends both
        // increasing, that is the last mask starting at or before it, if it reaches past it.
        let at = secret.start.max(self.start);
        let mark = match self.masks.partition_point(|(s, _)| s.start <= at) {
            0 => 0..0,
            i => match self.masks.get(i - 1) {
                Some((s, m)) if at < s.end => m.clone(),
                _ => 0..0,
            },
        };
        cut_around(out, &mark)
    }
}

/// `out` cut to `CONTEXT` bytes either side of `mark` (on char boundaries), with an ellipsis
/// where something was left out.
fn cut_around(out: &str, mark: &Range<usize>) -> String {
    let mut from = mark.start.saturating_sub(CONTEXT);
    let mut to = (mark.end + CONTEXT).min(out.len());
    while !out.is_char_boundary(from) {
        from -= 1;
    }
    while !out.is_char_boundary(to) {
        to += 1;
    }
    let mut cut = String::with_capacity(to - from + 6);
    if from > 0 {
        cut.push('…');
    }
    cut.push_str(&out[from..to]);
    if to < out.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret_on_the_line() {
        let c = b"a=AKIAAAAAAAAAAAAAAAAA b=ghp_0123456789012345678901234567890123456\n";
        let line = RedactedLine::new(c, 0..c.len() - 1, &[2..22, 25..66]).around(&(2..22));
        assert_eq!(line, "a=AKIA***** b=ghp_*****");
    }

    /// The line redaction as it was before it was cached per line (one full rebuild per secret):
    /// the cached version must show exactly the same text.
    fn reference(
        content: &[u8],
        line: Range<usize>,
        secret: &Range<usize>,
        spans: &[Range<usize>],
    ) -> String {
        let mut end = line.end;
        if end > line.start && content[end - 1] == b'\r' {
            end -= 1;
        }
        let line = line.start..end;
        let mut on_line: Vec<Range<usize>> = spans
            .iter()
            .filter(|s| s.start < line.end && line.start < s.end)
            .map(|s| s.start.max(line.start)..s.end.min(line.end))
            .collect();
        on_line.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut out = String::new();
        let mut pos = line.start;
        let mut mark = 0..0;
        for s in on_line {
            if s.end <= pos {
                continue;
            }
            let start = s.start.max(pos);
            out.push_str(&String::from_utf8_lossy(&content[pos..start]));
            let from = out.len();
            let text = String::from_utf8_lossy(&content[start..s.end]);
            let masked = if start == s.start {
                redact(&text)
            } else {
                "*****".to_owned()
            };
            out.push_str(&masked);
            if s.start <= secret.start.max(line.start) && secret.start.max(line.start) < s.end {
                mark = from..out.len();
            }
            pos = s.end;
        }
        if pos < line.end {
            out.push_str(&String::from_utf8_lossy(&content[pos..line.end]));
        }
        if out.len() <= MAX_LINE {
            return out;
        }
        cut_around(&out, &mark)
    }

    #[test]
    fn cached_redaction_matches_reference() {
        let long = "é".repeat(100);
        let content = format!(
            "{long}a=AKIAAAAAAAAAAAAAAAAA b=ghp_0123456789012345678901234567890123456 {long}\r\n\
             k=-----BEGIN KEY-----\nabcdefghijklmnop\n-----END KEY----- x={long}\n"
        );
        let c = content.as_bytes();
        let find = |needle: &str| c.windows(needle.len()).position(|w| w == needle.as_bytes());
        let (Some(aws), Some(gh), Some(key), Some(x)) =
            (find("AKIA"), find("ghp_"), find("-----BEGIN"), find("x="))
        else {
            panic!("fixture");
        };
        let spans = vec![
            aws..aws + 20,
            aws + 4..aws + 10,
            gh..gh + 40,
            gh + 10..gh + 50,
            key..x - 1,
            x..x + 2,
        ];
        let first_end = find("\n").unwrap_or(0);
        let lines = [0..first_end + 1, first_end + 1..x + 1, x..c.len() - 1];
        for line in &lines {
            let cached = RedactedLine::new(c, line.clone(), &spans);
            for secret in &spans {
                let expected = reference(c, line.clone(), secret, &spans);
                assert_eq!(cached.around(secret), expected, "{line:?} {secret:?}");
            }
        }
    }

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
