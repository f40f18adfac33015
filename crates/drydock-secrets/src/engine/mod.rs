//! The scanning engine: one keyword pass per file, then only the rules whose keywords occur.

mod build;

use crate::pattern::Pattern;
use crate::rules::{Allowlist, Rule, SecretGroup, Severity};
use crate::sources::{self, ParsedSecret};
use crate::text::{Lines, RedactedLine, shannon_entropy};
use aho_corasick::AhoCorasick;
use drydock_fs::strip_root;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// One secret found in one file (or string).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct SecretMatch {
    /// The rule's id: gitleaks' id for gitleaks-derived rules (`aws-access-token`), drydock's
    /// for its own (`docker-config-auth`), the user's for theirs.
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// 1-based line where the secret starts (same as `start_line`); 0 for rules that match a
    /// file by its name alone (a `.p12` keystore), which have no line.
    pub line: usize,
    /// 1-based byte column where the secret starts; 0 when `line` is 0.
    pub column: usize,
    pub start_line: usize,
    pub end_line: usize,
    /// The secret in clear. Callers redact it unless asked to show secrets.
    pub secret: String,
    /// The secret's first line, every secret on it redacted, long lines cut around it.
    pub match_line: String,
    /// Shannon entropy of the secret, for regex rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f32>,
    /// What a credential-file parser knows beyond the secret: registry, user, host, profile.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

/// Limits and switches, with defaults for scanning container images.
#[derive(Clone, Debug)]
pub struct Options {
    /// Files larger than this are not read for content rules (name-only rules still apply).
    pub max_file_size: u64,
    /// Drop tokens that break their issuer's format: GitHub tokens whose built-in CRC32 is
    /// wrong, AWS key ids outside base32. Such strings were never issued: placeholders, test
    /// fixtures, typos.
    pub verify_formats: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_file_size: 10 << 20,
            verify_formats: true,
        }
    }
}

/// Id, title and severity of a rule, for listings.
#[derive(Clone, Debug, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
}

/// A compiled rule set. Build once, share across threads (`Send + Sync`): regexes and
/// allowlist automata are built on first use, behind `OnceLock`s.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    keywords: Option<Arc<AhoCorasick>>,
    /// Keyword pattern id -> rules that list it.
    keyword_rules: Vec<Vec<usize>>,
    /// Content rules with no keywords: they run on every file, as in gitleaks.
    unkeyed: Vec<usize>,
    /// Rules with a path and no regex: they fire on the file name.
    path_only: Vec<usize>,
    allowlists: Vec<Allowlist>,
    exclude_blocks: Vec<Pattern>,
    disabled_parsers: Vec<String>,
    options: Options,
    /// Where the rules came from (`builtin`, or the config text): caches key on it.
    identity: Arc<str>,
}

/// Where scanned bytes come from.
#[derive(Clone, Copy)]
enum Origin<'a> {
    File(&'a str),
    /// A string from image metadata, named by a synthetic location (`config.Env[3]`).
    Text(&'a str),
}

/// A finding before positions and redaction are worked out.
struct Hit {
    id: String,
    title: String,
    severity: Severity,
    /// Byte range of the secret in the scanned content (empty for name-only rules).
    secret: Range<usize>,
    entropy: Option<f32>,
    context: BTreeMap<String, String>,
    /// Index into `rules`, or `usize::MAX` for parser hits (which take precedence).
    rule: usize,
    generic: bool,
    whole_file: bool,
}

/// Extensions of files that hold no text a rule could match (images, media, fonts,
/// archives, compiled code): never worth reading.
const BINARY_EXTENSIONS: &[&str] = &[
    "7z", "a", "apk", "avi", "bin", "bmp", "bz2", "class", "dat", "db", "deb", "dll", "dylib",
    "ear", "eot", "exe", "flac", "gif", "gz", "ico", "idx", "img", "iso", "jar", "jpeg", "jpg",
    "lz", "lz4", "lzma", "mo", "mov", "mp3", "mp4", "node", "o", "ogg", "otf", "pack", "pdf",
    "png", "pyc", "pyo", "rar", "rpm", "so", "sqlite", "tar", "tbz2", "tgz", "tif", "tiff", "ttf",
    "txz", "war", "wasm", "wav", "webm", "webp", "whl", "woff", "woff2", "xz", "zip", "zst",
];

/// How many leading bytes the NUL sniff reads.
const SNIFF_LEN: usize = 8192;

impl Engine {
    /// What the rules were built from: `builtin`, or the kind and full text of the config file.
    /// Equal identities (with equal [`Options`]) give equal results on equal bytes.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Every rule this engine runs, credential-file parsers included.
    pub fn rules(&self) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = self
            .rules
            .iter()
            .map(|r| RuleInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                severity: r.severity,
            })
            .collect();
        out.extend(
            sources::PARSER_RULES
                .iter()
                .filter(|p| !self.disabled_parsers.iter().any(|d| d == p.id))
                .map(|p| RuleInfo {
                    id: p.id.to_owned(),
                    title: p.title.to_owned(),
                    severity: p.severity,
                }),
        );
        out
    }

    /// Builds every automaton now instead of on first use (all rules' regexes, allowlists,
    /// exclude blocks). Returns the ids of rules whose regex cannot be built (over the size
    /// limit): such rules are inert. Useful before a benchmark, and as a test of a config.
    pub fn precompile(&self) -> Result<(), Vec<String>> {
        let mut failed = Vec::new();
        for r in &self.rules {
            let mut ok = r.regex.as_ref().is_none_or(|x| x.get().is_some());
            ok &= r.path.as_ref().is_none_or(|x| x.get().is_some());
            ok &= r.exclude_blocks.iter().all(|x| x.get().is_some());
            ok &= r.allowlists.iter().all(Allowlist::precompile);
            if !ok {
                failed.push(r.id.clone());
            }
        }
        if !self.allowlists.iter().all(Allowlist::precompile)
            || !self.exclude_blocks.iter().all(|x| x.get().is_some())
        {
            failed.push("(global allowlists)".to_owned());
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed)
        }
    }

    /// Should the caller read this file at all? Cheap: no regex runs unless a path
    /// allowlist or a name-only rule needs one (those compile once and are reused).
    pub fn wants(&self, path: &str, size: u64) -> bool {
        let path = strip_root(path);
        if self.path_only_matches(path) {
            return true;
        }
        if size > self.options.max_file_size || size == 0 {
            return false;
        }
        if sources::detect(path).is_some_and(|k| self.parser_enabled(k)) {
            return !self.user_allowlisted(path);
        }
        if self.rules.is_empty() || has_binary_extension(path) {
            return false;
        }
        !self.allowlists.iter().any(|a| a.allows_path(path))
    }

    /// Scans one file's bytes. `path` is the path inside the image (a leading `/` is ignored).
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        self.run(Origin::File(strip_root(path)), content)
    }

    /// Scans one string of image metadata (an `Env` entry, a `Cmd`, a label, a history
    /// `created_by` line). `location` names it; only the user's path allowlists see it, and
    /// rules tied to file names do not apply.
    pub fn scan_text(&self, location: &str, text: &str) -> Vec<SecretMatch> {
        self.run(Origin::Text(location), text.as_bytes())
    }

    fn parser_enabled(&self, kind: sources::Kind) -> bool {
        kind.rule_ids()
            .iter()
            .any(|id| !self.disabled_parsers.iter().any(|d| d == id))
    }

    fn user_allowlisted(&self, path: &str) -> bool {
        self.allowlists
            .iter()
            .any(|a| !a.builtin && a.allows_path(path))
    }

    fn path_only_matches(&self, path: &str) -> bool {
        self.path_only.iter().any(|&i| {
            let r = &self.rules[i];
            r.path.as_ref().is_some_and(|p| p.is_match(path.as_bytes()))
        })
    }

    fn run(&self, origin: Origin<'_>, content: &[u8]) -> Vec<SecretMatch> {
        let mut hits = Vec::new();
        let path = match origin {
            Origin::File(p) => p,
            Origin::Text(_) => "",
        };
        let globally_allowed = match origin {
            Origin::File(p) => self.allowlists.iter().any(|a| a.allows_path(p)),
            Origin::Text(loc) => self.user_allowlisted(loc),
        };
        if let Origin::File(p) = origin {
            if !globally_allowed {
                self.name_only(p, &mut hits);
            }
            if let Some(kind) = sources::detect(p)
                && self.parser_enabled(kind)
                && !self.user_allowlisted(p)
                && (content.len() as u64) <= self.options.max_file_size
                && !is_binary(content)
            {
                for s in sources::parse(kind, content) {
                    if !self.disabled_parsers.iter().any(|d| d == s.id) {
                        hits.push(parser_hit(s));
                    }
                }
            }
        }
        let mut rejected = Vec::new();
        if !globally_allowed
            && (content.len() as u64) <= self.options.max_file_size
            && !is_binary(content)
        {
            self.content_rules(path, content, &mut hits, &mut rejected);
        }
        if hits.is_empty() {
            return Vec::new();
        }
        dedupe(&mut hits, &rejected, content);
        finish(hits, content)
    }

    fn name_only(&self, path: &str, hits: &mut Vec<Hit>) {
        for &i in &self.path_only {
            let r = &self.rules[i];
            if r.path.as_ref().is_some_and(|p| p.is_match(path.as_bytes()))
                && !r.allowlists.iter().any(|a| a.allows_path(path))
            {
                hits.push(Hit {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    severity: r.severity,
                    secret: 0..0,
                    entropy: None,
                    context: BTreeMap::new(),
                    rule: i,
                    generic: r.generic,
                    whole_file: true,
                });
            }
        }
    }

    /// The keyword pass, then the regexes of the rules it selected.
    fn content_rules(
        &self,
        path: &str,
        content: &[u8],
        hits: &mut Vec<Hit>,
        rejected: &mut Vec<Range<usize>>,
    ) {
        let n = self.rules.len();
        // One bit per rule; on the stack for any realistic rule count, so a file in which
        // nothing matches costs no allocation.
        let mut stack = [0u64; 16];
        let mut heap = Vec::new();
        let selected: &mut [u64] = if n <= 16 * 64 {
            &mut stack[..n.div_ceil(64)]
        } else {
            heap.resize(n.div_ceil(64), 0);
            &mut heap
        };
        let mut count = 0;
        let mut set = |i: usize, count: &mut usize| {
            let (w, b) = (i / 64, 1u64 << (i % 64));
            if selected[w] & b == 0 {
                selected[w] |= b;
                *count += 1;
            }
        };
        for &i in &self.unkeyed {
            set(i, &mut count);
        }
        if let Some(ac) = &self.keywords {
            let keyed = n - self.path_only.len();
            for m in ac.find_overlapping_iter(content) {
                for &i in &self.keyword_rules[m.pattern().as_usize()] {
                    set(i, &mut count);
                }
                if count >= keyed {
                    break;
                }
            }
        }
        if count == 0 {
            return;
        }
        let mut ctx = FileCtx {
            path,
            content,
            lines: None,
            blocks: Vec::new(),
            rejected: Vec::new(),
        };
        for (w, &word) in selected.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.run_rule(i, &mut ctx, hits);
            }
        }
        *rejected = ctx.rejected;
    }

    fn run_rule(&self, i: usize, ctx: &mut FileCtx<'_>, hits: &mut Vec<Hit>) {
        let r = &self.rules[i];
        let Some(lazy) = &r.regex else { return };
        if let Some(p) = &r.path
            && (ctx.path.is_empty() || !p.is_match(ctx.path.as_bytes()))
        {
            return;
        }
        if r.allowlists.iter().any(|a| a.allows_path(ctx.path)) {
            return;
        }
        let Some(re) = lazy.get() else { return };
        let content = ctx.content;
        let mut spans: Vec<Range<usize>> = Vec::new();
        let mut locs = re.capture_locations();
        let mut at = 0;
        while at <= content.len() {
            let Some(m) = re.captures_read_at(&mut locs, content, at) else {
                break;
            };
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            // gitleaks trims newlines off the match.
            let whole = trim_newlines(content, m.start()..m.end());
            if whole.is_empty() {
                continue;
            }
            spans.clear();
            let group = |g: usize| locs.get(g).map(|(s, e)| s..e);
            match &r.secret_group {
                SecretGroup::WholeMatch => spans.push(whole.clone()),
                SecretGroup::Index(g) => spans.extend(group(*g)),
                SecretGroup::Name(name) => {
                    spans.extend(lazy.groups_named(name).filter_map(group));
                }
                SecretGroup::FirstNonEmpty => spans.push(
                    (1..locs.len())
                        .filter_map(group)
                        .find(|g| !g.is_empty())
                        .unwrap_or_else(|| whole.clone()),
                ),
            }
            for span in spans.drain(..) {
                if span.is_empty() {
                    continue;
                }
                match self.check(i, span.clone(), whole.clone(), ctx) {
                    Some(hit) => hits.push(hit),
                    // A specific rule that recognised this token and rejected it (a fake, a
                    // placeholder, an allowlisted value) vetoes generic rules on the same bytes.
                    None if !r.generic => ctx.rejected.push(span),
                    None => {}
                }
            }
        }
    }

    /// Entropy, validators, inline `gitleaks:allow`, allowlists and exclude blocks.
    fn check(
        &self,
        i: usize,
        span: Range<usize>,
        whole: Range<usize>,
        ctx: &mut FileCtx<'_>,
    ) -> Option<Hit> {
        let r = &self.rules[i];
        let content = ctx.content;
        let secret = content.get(span.clone())?;
        let secret_text = String::from_utf8_lossy(secret);
        let entropy = shannon_entropy(&secret_text);
        if r.entropy.is_some_and(|min| entropy <= min) {
            return None;
        }
        if self.options.verify_formats && r.validator.is_some_and(|v| !v.accepts(&secret_text)) {
            return None;
        }
        let lines = ctx.lines.get_or_insert_with(|| Lines::new(content));
        let first = lines.line_of(whole.start);
        let last = lines.line_of(whole.end.saturating_sub(1).max(whole.start));
        let line = content
            .get(lines.line_start(first)..lines.line_end(last, content.len()).max(whole.end))?;
        if memchr::memmem::find(line, b"gitleaks:allow").is_some() {
            return None;
        }
        let m = &content[whole.clone()];
        let allowed = |a: &Allowlist| a.allows_finding(ctx.path, secret, m, line);
        if self.allowlists.iter().any(allowed) || r.allowlists.iter().any(allowed) {
            return None;
        }
        if !self.exclude_blocks.is_empty() || !r.exclude_blocks.is_empty() {
            let inside = |blocks: &[Range<usize>]| {
                blocks
                    .iter()
                    .any(|b| b.start <= span.start && span.end <= b.end)
            };
            for (k, re) in self
                .exclude_blocks
                .iter()
                .chain(&r.exclude_blocks)
                .enumerate()
            {
                let key = if k < self.exclude_blocks.len() {
                    BlockKey::Global(k)
                } else {
                    BlockKey::Rule(i, k - self.exclude_blocks.len())
                };
                if inside(ctx.blocks_for(key, re)) {
                    return None;
                }
            }
        }
        Some(Hit {
            id: r.id.clone(),
            title: r.title.clone(),
            severity: r.severity,
            secret: span,
            entropy: Some(entropy as f32),
            context: BTreeMap::new(),
            rule: i,
            generic: r.generic,
            whole_file: false,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKey {
    Global(usize),
    Rule(usize, usize),
}

/// Per-file state, allocated only once something matched.
struct FileCtx<'a> {
    path: &'a str,
    content: &'a [u8],
    lines: Option<Lines>,
    blocks: Vec<(BlockKey, Vec<Range<usize>>)>,
    /// Secrets that specific rules matched and then rejected.
    rejected: Vec<Range<usize>>,
}

impl FileCtx<'_> {
    fn blocks_for(&mut self, key: BlockKey, re: &Pattern) -> &[Range<usize>] {
        let pos = match self.blocks.iter().position(|(k, _)| *k == key) {
            Some(p) => p,
            None => {
                let found = re
                    .get()
                    .map(|re| re.find_iter(self.content).map(|m| m.range()).collect())
                    .unwrap_or_default();
                self.blocks.push((key, found));
                self.blocks.len() - 1
            }
        };
        &self.blocks[pos].1
    }
}

fn parser_hit(s: ParsedSecret) -> Hit {
    Hit {
        id: s.id.to_owned(),
        title: s.title.to_owned(),
        severity: s.severity,
        secret: s.span,
        entropy: None,
        context: s
            .context
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        rule: usize::MAX,
        generic: false,
        whole_file: false,
    }
}

fn has_binary_extension(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if ext.len() > 6 {
        return false;
    }
    let mut buf = [0u8; 6];
    let lower = &mut buf[..ext.len()];
    lower.copy_from_slice(ext.as_bytes());
    lower.make_ascii_lowercase();
    BINARY_EXTENSIONS
        .binary_search_by(|e| e.as_bytes().cmp(lower))
        .is_ok()
}

/// Text files have no NUL in their first bytes; UTF-16 text is skipped with the binaries.
fn is_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(SNIFF_LEN)]).is_some()
}

fn trim_newlines(content: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && content[r.start] == b'\n' {
        r.start += 1;
    }
    while r.end > r.start && content[r.end - 1] == b'\n' {
        r.end -= 1;
    }
    r
}

/// Keeps one finding per secret: parser findings beat regex findings on the same bytes; a
/// `generic` finding yields (as in gitleaks) to a specific one on the same line that contains
/// its secret, and to a specific rule that rejected the same bytes.
fn dedupe(hits: &mut Vec<Hit>, rejected: &[Range<usize>], content: &[u8]) {
    hits.sort_by(|a, b| {
        (a.secret.start, a.rule, a.secret.end).cmp(&(b.secret.start, b.rule, b.secret.end))
    });
    hits.dedup_by(|b, a| a.rule == b.rule && a.secret == b.secret && a.id == b.id);
    let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
    let parser_spans: Vec<Range<usize>> = hits
        .iter()
        .filter(|h| h.rule == usize::MAX)
        .map(|h| h.secret.clone())
        .collect();
    if !parser_spans.is_empty() {
        hits.retain(|h| {
            h.rule == usize::MAX
                || h.whole_file
                || !parser_spans.iter().any(|p| overlaps(p, &h.secret))
        });
    }
    if !rejected.is_empty() {
        hits.retain(|h| !h.generic || !rejected.iter().any(|r| overlaps(r, &h.secret)));
    }
    if hits.iter().any(|h| h.generic) {
        let lines = Lines::new(content);
        let line_of = |h: &Hit| lines.line_of(h.secret.start);
        let keep: Vec<bool> = hits
            .iter()
            .map(|g| {
                !g.generic
                    || g.whole_file
                    || !hits.iter().any(|h| {
                        !h.generic
                            && !h.whole_file
                            && line_of(h) == line_of(g)
                            && (overlaps(&h.secret, &g.secret)
                                || contains(&content[h.secret.clone()], &content[g.secret.clone()]))
                    })
            })
            .collect();
        let mut k = keep.into_iter();
        hits.retain(|_| k.next().unwrap_or(true));
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Positions, redacted lines, clear secrets.
fn finish(hits: Vec<Hit>, content: &[u8]) -> Vec<SecretMatch> {
    let lines = Lines::new(content);
    let spans: Vec<Range<usize>> = hits
        .iter()
        .filter(|h| !h.whole_file)
        .map(|h| h.secret.clone())
        .collect();
    // Built once per line: every secret on a line shares its redaction, and rebuilding it for
    // each of them was quadratic (a one-line 64 KiB `.netrc` with 1,200 passwords took 30 s).
    let mut redacted: BTreeMap<usize, RedactedLine> = BTreeMap::new();
    let mut out: Vec<SecretMatch> = hits
        .into_iter()
        .map(|h| {
            if h.whole_file {
                return SecretMatch {
                    rule_id: h.id,
                    title: h.title,
                    severity: h.severity,
                    line: 0,
                    column: 0,
                    start_line: 0,
                    end_line: 0,
                    secret: String::new(),
                    match_line: String::new(),
                    entropy: None,
                    context: h.context,
                };
            }
            let line = lines.line_of(h.secret.start);
            let end_line = lines.line_of(h.secret.end.saturating_sub(1).max(h.secret.start));
            let line_start = lines.line_start(line);
            let match_line = redacted
                .entry(line)
                .or_insert_with(|| {
                    RedactedLine::new(
                        content,
                        line_start..lines.line_end(line, content.len()),
                        &spans,
                    )
                })
                .around(&h.secret);
            SecretMatch {
                rule_id: h.id,
                title: h.title,
                severity: h.severity,
                line,
                column: h.secret.start - line_start + 1,
                start_line: line,
                end_line,
                secret: String::from_utf8_lossy(&content[h.secret.clone()]).into_owned(),
                match_line,
                entropy: h.entropy,
                context: h.context,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.line, a.column, &a.rule_id).cmp(&(b.line, b.column, &b.rule_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }

    #[test]
    fn binary_extensions_sorted_lowercase() {
        let mut sorted = BINARY_EXTENSIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, BINARY_EXTENSIONS);
        assert!(has_binary_extension("usr/lib/libc.so"));
        assert!(has_binary_extension("x/IMAGE.PNG"));
        assert!(!has_binary_extension("etc/passwd"));
        assert!(!has_binary_extension("app/.env"));
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(strip_root("/./usr/x"), "usr/x");
        assert_eq!(strip_root("usr/x"), "usr/x");
    }

    /// `fuzz/regressions/secrets_scan/netrc-one-line`: every password on one long line; the line
    /// was redacted again for each of them (quadratic: 30 s for 64 KiB).
    #[test]
    fn many_secrets_on_one_line() {
        let engine = Engine::builtin();
        let line = "machine h login u password Xy7pQ2vL9kR4 ".repeat(5_000);
        let found = engine.scan("root/.netrc", line.as_bytes());
        assert!(found.len() >= 5_000, "{}", found.len());
        assert!(
            found
                .iter()
                .all(|m| m.match_line.len() < crate::text::MAX_LINE)
        );
    }
}
