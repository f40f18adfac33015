//! NuGet package versions, as parsed by `NuGetVersion.TryParse` and ordered by
//! `VersionComparer.Default`.
//!
//! Reference: NuGet.Client `src/NuGet.Core/NuGet.Versioning` (`NuGetVersionFactory.cs`,
//! `SemanticVersionFactory.cs` `ParseSections`/`IsValidPart`, `VersionComparer.cs`) and .NET's
//! `System.Version.TryParse`.
//!
//! NuGet is SemVer 2 with a legacy twist: the numeric part has 2 to 4 components (missing ones
//! are 0, so `1.0 == 1.0.0 == 1.0.0.0`), each parsed by `int.TryParse` (so `+1` and ` 2` are
//! accepted, and nothing above 2^31-1 is). Release labels compare numerically when
//! `int.TryParse` accepts them, otherwise case-insensitively (`1.0.0-BETA == 1.0.0-beta`);
//! build metadata is ignored.

use std::cmp::Ordering;

/// A parsed NuGet version.
#[derive(Clone, Debug)]
pub struct NuGetVersion {
    /// Major, minor, patch, revision.
    numbers: [u32; 4],
    /// `None` when there is no `-` section (a release); labels are never empty.
    labels: Option<Vec<Box<str>>>,
    metadata: Option<Box<str>>,
}

impl NuGetVersion {
    /// `NuGetVersion.TryParse(s)` (non-strict, as used for package versions).
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let value = s.trim_matches(crate::text::is_dotnet_space);
        let (version, labels, metadata) = parse_sections(value);
        let version = version.filter(|v| !v.is_empty()).ok_or("empty version")?;
        let numbers = parse_system_version(version).ok_or("not a 2-4 part numeric version")?;
        if let Some(labels) = &labels
            && !labels.iter().all(|l| is_valid_part(l, false))
        {
            return Err("invalid release label");
        }
        if let Some(metadata) = metadata
            && !metadata.split('.').all(|p| is_valid_part(p, true))
        {
            return Err("invalid build metadata");
        }
        Ok(NuGetVersion {
            numbers,
            labels: labels.map(|ls| ls.into_iter().map(Into::into).collect()),
            metadata: metadata.map(Into::into),
        })
    }

    /// Major, minor, patch and revision.
    pub fn numbers(&self) -> [u32; 4] {
        self.numbers
    }

    /// Whether there are release labels (`IsPrerelease`).
    pub fn is_prerelease(&self) -> bool {
        self.labels.is_some()
    }

    /// The build metadata after `+`, if any (ignored by comparison).
    pub fn metadata(&self) -> Option<&str> {
        self.metadata.as_deref()
    }
}

/// `SemanticVersion.ParseSections`: the version part ends at the first `-` or `+`; the labels
/// run to the next `+`. Note that a separator in the last position is kept in the preceding
/// section (`"1.0.0-"` has version part `"1.0.0-"`), which the later checks then reject.
fn parse_sections(value: &str) -> (Option<&str>, Option<Vec<&str>>, Option<&str>) {
    let b = value.as_bytes();
    let (mut version, mut labels, mut metadata) = (None, None, None);
    let (mut dash, mut plus) = (None::<usize>, None::<usize>);
    for i in 0..b.len() {
        let end = i == b.len() - 1;
        let end_pos = i + usize::from(end);
        if dash.is_none() {
            if end || b[i] == b'-' || b[i] == b'+' {
                version = Some(&value[..end_pos]);
                dash = Some(i);
                if b[i] == b'+' {
                    plus = Some(i);
                }
            }
        } else if plus.is_none() {
            if end || b[i] == b'+' {
                let start = dash.map_or(0, |d| d + 1);
                labels = Some(value[start..end_pos].split('.').collect());
                plus = Some(i);
            }
        } else if end {
            let start = plus.map_or(0, |p| p + 1);
            metadata = Some(&value[start..end_pos]);
        }
    }
    (version, labels, metadata)
}

/// `System.Version.TryParse` followed by `NormalizeVersionValue` (missing parts become 0).
/// A single number gets `.0` appended first, as NuGet does.
fn parse_system_version(s: &str) -> Option<[u32; 4]> {
    let parts: Vec<&str> = s.split('.').collect();
    let parts = if parts.len() == 1 {
        vec![parts[0], "0"]
    } else {
        parts
    };
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let mut out = [0u32; 4];
    for (slot, part) in out.iter_mut().zip(&parts) {
        *slot = u32::try_from(int_try_parse(part)?).ok()?;
    }
    Some(out)
}

/// `int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)`: optional leading and
/// trailing ASCII white space, an optional sign, ASCII digits, and (a .NET parsing quirk)
/// any number of trailing NUL characters.
fn int_try_parse(s: &str) -> Option<i32> {
    let is_white = |c: char| matches!(c, '\t'..='\r' | ' ');
    let s = s.trim_end_matches('\0').trim_matches(is_white);
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = crate::num::Num::from_digits(digits).to_u64()?;
    if negative {
        0i64.checked_sub(i64::try_from(n).ok()?)
            .and_then(|v| i32::try_from(v).ok())
    } else {
        i32::try_from(n).ok()
    }
}

/// `SemanticVersion.IsValidPart`: non-empty `[0-9A-Za-z-]+`, and unless `allow_leading_zeros`,
/// not an all-digit string with a leading zero.
fn is_valid_part(s: &str, allow_leading_zeros: bool) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && (allow_leading_zeros
            || !(b.len() > 1 && b[0] == b'0' && b[1..].iter().all(u8::is_ascii_digit)))
}

/// `VersionComparer.CompareRelease`.
fn compare_label(a: &str, b: &str) -> Ordering {
    match (int_try_parse(a), int_try_parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // StringComparer.OrdinalIgnoreCase; labels are ASCII.
        (None, None) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| match (&self.labels, &other.labels) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a
                    .iter()
                    .zip(b.iter())
                    .map(|(x, y)| compare_label(x, y))
                    .find(|o| o.is_ne())
                    .unwrap_or_else(|| a.len().cmp(&b.len())),
            })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap()
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        v(a).cmp(&v(b))
    }

    // NuGetVersionTest.NuGetVersionParseStrict / ParseIgnoresLeadingAndTrailingWhitespace etc.
    #[test]
    fn parses_legacy_and_semver2() {
        assert_eq!(v("1.0").numbers(), [1, 0, 0, 0]);
        assert_eq!(v("1").numbers(), [1, 0, 0, 0]);
        assert_eq!(v("1.2.3.4").numbers(), [1, 2, 3, 4]);
        assert_eq!(v("  1.2.3-beta+meta  ").metadata(), Some("meta"));
        assert_eq!(v("1.0.0-alpha.1.2").labels.as_ref().map(Vec::len), Some(3));
        assert_eq!(v("1. 2.3").numbers(), [1, 2, 3, 0]); // int.TryParse allows white space
        assert!(NuGetVersion::parse("1.+2").is_err()); // a sign would start the metadata
        assert_eq!(v("2147483647.0").numbers()[0], 2147483647);
    }

    // NuGetVersionTest.ParseThrowsIfStringIsNotAValidSemVer (the non-strict subset)
    #[test]
    fn rejects() {
        for bad in [
            "",
            " ",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-+meta",
            "1.0.0-a..b",
            "1.0.0+a..b",
            "1.2.3.4.5",
            "1.0.0-beta_1",
            "1.0.0-01",
            "a.b",
            "1.0.0-beta+meta+more",
            "2147483648.0",
            "-1.0",
            "1.0.0.-1",
            "1.",
            ".1",
            "+1.2",
            "1.0.0-\u{e9}",
        ] {
            assert!(NuGetVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert!(NuGetVersion::parse("1.0.0+01").is_ok()); // metadata may have leading zeros
        assert!(NuGetVersion::parse("1.0.0-0a").is_ok());
    }

    // VersionComparerTests: equality is case-insensitive, metadata is ignored.
    #[test]
    fn equality() {
        for (a, b) in [
            ("1.0.0", "1.0.0"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0-BETA+AA", "1.0.0-beta+aa"),
            ("1.0.0-beta.1+AA", "1.0.0-beta.1+bb"),
            ("1.0", "1.0.0.0"),
            ("1.0.0+x", "1.0.0"),
            ("01.02.03", "1.2.3"),
        ] {
            assert_eq!(cmp(a, b), Equal, "{a} == {b}");
        }
    }

    // VersionComparerTests.VersionComparerCompare / NuGetVersionComparer ordering cases.
    #[test]
    fn ordering() {
        let chain = [
            "0.0.0-alpha",
            "1.0.0-0",
            "1.0.0-2",
            "1.0.0-10",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-BETA",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1-alpha",
            "1.0.1",
            "1.0.10",
            "2.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
    }

    // NuGet.Versioning.Test/VersionComparerTests.cs, VersionComparisonDefault{Equal,Less}.
    #[test]
    fn upstream_version_comparer_tests() {
        for (a, b) in [
            ("1.0.0", "1.0.0"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0-BETA+AA", "1.0.0-beta+aa"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa"),
        ] {
            assert_eq!(cmp(a, b), Equal, "{a} == {b}");
        }
        // (VersionComparisonDefaultNotEqual compares the raw strings with object.Equals, not
        // the versions: "1.0.0-BETA+AA" and "1.0.0-beta" are equal under the default comparer.)
        assert_eq!(cmp("1.0.0-BETA+AA", "1.0.0-beta"), Equal);
        for (a, b) in [
            ("0.0.0", "1.0.0"),
            ("1.0.0", "1.1.0"),
            ("1.0.0", "1.0.1"),
            ("1.999.9999", "2.1.1"),
            ("1.0.0-BETA", "1.0.0-beta2"),
            ("1.0.0-beta+AA", "1.0.0+aa"),
            ("1.0.0-BETA", "1.0.0-beta.1+AA"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa"),
            ("1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"),
        ] {
            assert_eq!(cmp(a, b), Less, "{a} < {b}");
            assert_eq!(cmp(b, a), Greater, "{b} > {a}");
        }
    }

    // NuGet.Versioning.Test/VersionParsingTests.cs.
    #[test]
    fn upstream_version_parsing_tests() {
        for s in ["2", "2.0", "2.0.0", "2.0.0.0"] {
            assert_eq!(v(s).numbers(), [2, 0, 0, 0]);
        }
        let labels = |s: &str| -> Vec<String> {
            v(s).labels
                .unwrap_or_default()
                .iter()
                .map(|l| l.to_string())
                .collect()
        };
        assert!(labels("1.0.0+Metadata").is_empty());
        assert_eq!(labels("1.0.0-Beta+Meta"), ["Beta"]);
        assert_eq!(
            labels("1.0.0-RC.X.35.A.3455+Meta"),
            ["RC", "X", "35", "A", "3455"]
        );
        assert!(!v("1.0.0+Metadata").is_prerelease());
        assert!(v("1.0.0-RC.X+Meta").is_prerelease());
        assert_eq!(v("1.0.0-Beta").metadata(), None);
        assert_eq!(
            v("1.0.0-RC.X.35.A.3455+Meta-A-B-C").metadata(),
            Some("Meta-A-B-C")
        );
        assert_eq!(v("234.234234.1111").numbers(), [234, 234234, 1111, 0]);
        assert_eq!(v("3.5.1-x.y.z+AA").numbers(), [3, 5, 1, 0]);
    }

    #[test]
    fn int_try_parse_quirks() {
        assert_eq!(int_try_parse("-1"), Some(-1));
        assert_eq!(int_try_parse("0001"), Some(1));
        assert_eq!(int_try_parse("2147483648"), None);
        assert_eq!(int_try_parse("-2147483648"), Some(i32::MIN));
        assert_eq!(int_try_parse(" 7 \0"), Some(7));
        // A label that parses as a negative int is still numeric.
        assert_eq!(cmp("1.0.0--1", "1.0.0-0"), Less);
        // Labels past int.MaxValue are strings, and strings sort after numbers.
        assert_eq!(cmp("1.0.0-2147483648", "1.0.0-9"), Greater);
        assert_eq!(cmp("1.0.0-2147483648", "1.0.0-3000000000"), Less);
    }
}
