//! Small, tolerant readers for the config dialects the checks look at (key-value, INI, the
//! mapping subset of YAML, XML attributes). None of them fails: what they cannot read they skip,
//! because one odd line must not hide the rest of a file from the audit.

/// Lines numbered from 1, with a trailing `\r` removed (files edited on Windows are common).
pub(crate) fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        (no, l.strip_suffix('\r').unwrap_or(l))
    })
}

/// Cuts a comment that starts with one of `markers` at the start of the line or after
/// whitespace, outside quotes. `a#b` stays whole: passwords contain `#`.
pub(crate) fn strip_comment<'a>(line: &'a str, markers: &[char]) -> &'a str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if prev_space && markers.contains(&c) => return &line[..i],
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Splits on whitespace, honouring double and single quotes (which are removed).
pub(crate) fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_token = true;
            }
            None if c.is_whitespace() => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            None => {
                cur.push(c);
                in_token = true;
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    out
}

/// Removes one level of matching surrounding quotes (`"x"`, `'x'`, and Grafana's `"""x"""`).
pub(crate) fn unquote(s: &str) -> &str {
    let s = s.trim();
    if let Some(inner) = s
        .strip_prefix("\"\"\"")
        .and_then(|r| r.strip_suffix("\"\"\""))
    {
        return inner;
    }
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// The usual spellings of a boolean in config files; `None` when the value is something else.
pub(crate) fn truthy(v: &str) -> Option<bool> {
    match unquote(v).to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "enabled" | "enable" => Some(true),
        "no" | "false" | "off" | "0" | "disabled" | "disable" => Some(false),
        _ => None,
    }
}

/// Whether a listen address reaches only this host. Accepts the forms configs use: bare IPs,
/// `[v6]`, CIDR suffixes, ports, Redis' optional `-` prefix, and `localhost`.
pub(crate) fn is_loopback(addr: &str) -> bool {
    let a = unquote(addr)
        .trim()
        .trim_start_matches('-')
        .to_ascii_lowercase();
    let a = a.split('/').next().unwrap_or("");
    let a = a
        .strip_prefix('[')
        .map_or(a, |r| r.split(']').next().unwrap_or(""));
    if a == "localhost" || a == "ip6-localhost" || a == "::1" || a == "0:0:0:0:0:0:0:1" {
        return true;
    }
    let v4 = a.strip_prefix("::ffff:").unwrap_or(a);
    // `127.0.0.1:6379`: drop a port after a dotted quad.
    let v4 = v4.split(':').next().unwrap_or("");
    v4.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// One `key = value` entry of an INI-style file.
#[derive(Debug)]
pub(crate) struct IniEntry {
    /// Lower-cased section name, `""` before the first header.
    pub section: String,
    /// Lower-cased key with `-` folded to `_` (MySQL accepts both spellings).
    pub key: String,
    pub value: String,
    /// A key with no `=` at all (`skip-grant-tables`, MySQL's prompting `password`).
    pub bare: bool,
    pub line: u32,
}

/// Reads INI / option-file syntax: `[section]`, `key = value`, bare `key`, `#` and `;` comments.
pub(crate) fn ini(text: &str) -> Vec<IniEntry> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (no, raw) in numbered(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if let Some(name) = rest.split(']').next() {
                section = name.trim().to_ascii_lowercase();
            }
            continue;
        }
        let line = strip_comment(line, &['#', ';']).trim();
        let (k, v, bare) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), unquote(v.trim()), false),
            None => (line, "", true),
        };
        if k.is_empty() {
            continue;
        }
        out.push(IniEntry {
            section: section.clone(),
            key: k.to_ascii_lowercase().replace('-', "_"),
            value: v.to_owned(),
            bare,
            line: no,
        });
    }
    out
}

/// One scalar of a YAML document, under its dotted path (`security.authorization`).
#[derive(Debug)]
pub(crate) struct YamlEntry {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// Flattens the block-mapping subset of YAML that daemon configs use into dotted keys. Keys that
/// are already dotted (`xpack.security.enabled: false`) come out the same as nested ones, which
/// is how Elasticsearch itself reads them. Block list items are reported under their parent key.
pub(crate) fn yaml_flat(text: &str) -> Vec<YamlEntry> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for (no, raw) in numbered(text) {
        let body = strip_comment(raw, &['#']);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed == "---" || trimmed == "..." {
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        if let Some(item) =
            trimmed
                .strip_prefix("- ")
                .or(if trimmed == "-" { Some("") } else { None })
        {
            // A list item belongs to the innermost key indented less than it.
            while stack.last().is_some_and(|(i, _)| *i > indent) {
                stack.pop();
            }
            if let Some((_, parent)) = stack.last() {
                out.push(YamlEntry {
                    key: parent.clone(),
                    value: unquote(item).to_owned(),
                    line: no,
                });
            }
            continue;
        }
        let Some((key, value)) = split_yaml_key(trimmed) else {
            continue;
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let full = match stack.last() {
            Some((_, parent)) => format!("{parent}.{key}"),
            None => key.to_owned(),
        };
        if value.is_empty() {
            stack.push((indent, full));
        } else {
            out.push(YamlEntry {
                key: full,
                value: unquote(value).to_owned(),
                line: no,
            });
        }
    }
    out
}

fn split_yaml_key(line: &str) -> Option<(&str, &str)> {
    if let Some(k) = line.strip_suffix(':') {
        return Some((unquote(k), ""));
    }
    let (k, v) = line.split_once(": ")?;
    Some((unquote(k.trim()), v.trim()))
}

/// Replaces `<!-- ... -->` with spaces, keeping newlines, so offsets and line numbers still match
/// the original. An unterminated comment blanks the rest, as an XML parser would ignore it.
pub(crate) fn blank_xml_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("-->").map_or(after.len(), |e| e + 3);
        out.extend(
            after[..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// 1-based line number of a byte offset.
pub(crate) fn line_at(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.bytes().filter(|&b| b == b'\n').count() + 1).unwrap_or(u32::MAX)
}

/// Start tags named `name` with their attributes, unescaped. Text must have comments blanked.
pub(crate) fn xml_tags(text: &str, name: &str) -> Vec<(u32, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(pos) = text
        .get(from..)
        .and_then(|t| t.find(&open))
        .map(|p| p + from)
    {
        let after = pos + open.len();
        from = after;
        // `<user` must not match `<username`.
        let next = text.get(after..).and_then(|t| t.chars().next());
        if !matches!(next, Some(c) if c.is_whitespace() || c == '/' || c == '>') {
            continue;
        }
        let end = text
            .get(after..)
            .and_then(|t| t.find('>'))
            .map_or(text.len(), |e| after + e);
        let body = text.get(after..end).unwrap_or("");
        out.push((line_at(text, pos), xml_attrs(body)));
        from = end;
    }
    out
}

fn xml_attrs(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let inner = &after[1..];
        let Some(close) = inner.find(q) else { break };
        out.push((name, xml_unescape(&inner[..close])));
        rest = &inner[close + 1..];
    }
    out
}

/// Text content of every `<name>...</name>` element, unescaped and trimmed.
pub(crate) fn xml_texts(text: &str, name: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut from = 0;
    while let Some(pos) = text
        .get(from..)
        .and_then(|t| t.find(&open))
        .map(|p| p + from)
    {
        let start = pos + open.len();
        let Some(end) = text
            .get(start..)
            .and_then(|t| t.find(&close))
            .map(|e| e + start)
        else {
            break;
        };
        out.push((
            line_at(text, pos),
            xml_unescape(text.get(start..end).unwrap_or("").trim()),
        ));
        from = end;
    }
    out
}

pub(crate) fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Decodes the five predefined entities and numeric character references.
pub(crate) fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let Some(semi) = tail.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| ent.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_tokens() {
        assert_eq!(
            strip_comment("bind 1.2.3.4 # public", &['#']).trim(),
            "bind 1.2.3.4"
        );
        assert_eq!(strip_comment("requirepass a#b", &['#']), "requirepass a#b");
        assert_eq!(strip_comment("x \"a #b\" # c", &['#']).trim(), "x \"a #b\"");
        assert_eq!(tokens("user \"a b\" 'c'  d"), ["user", "a b", "c", "d"]);
    }

    #[test]
    fn loopback() {
        for a in [
            "127.0.0.1",
            "-::1",
            "[::1]:22",
            "localhost",
            "127.0.0.1/32",
            "::1/128",
            "127.1.2.3:6379",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in ["0.0.0.0", "*", "::", "10.0.0.1", "0.0.0.0/0", "samenet", ""] {
            assert!(!is_loopback(a), "{a}");
        }
    }

    #[test]
    fn yaml() {
        let y = "net:\n  port: 27017\n  bindIp: 0.0.0.0  # all\nsecurity:\n  authorization: \"enabled\"\nxpack.security.enabled: false\nlist:\n  - a\n  - b\n";
        let flat: Vec<(String, String)> =
            yaml_flat(y).into_iter().map(|e| (e.key, e.value)).collect();
        let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            flat,
            [
                s("net.port", "27017"),
                s("net.bindIp", "0.0.0.0"),
                s("security.authorization", "enabled"),
                s("xpack.security.enabled", "false"),
                s("list", "a"),
                s("list", "b"),
            ]
        );
    }

    #[test]
    fn xml() {
        let x = "<a>\n<!-- <user username=\"x\"/> -->\n<user username=\"t&amp;c\" password='p&#33;'/>\n<username>no</username>";
        let x = blank_xml_comments(x);
        let tags = xml_tags(&x, "user");
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].0, 3);
        assert_eq!(attr(&tags[0].1, "username"), Some("t&c"));
        assert_eq!(attr(&tags[0].1, "password"), Some("p!"));
        assert_eq!(xml_texts(&x, "username"), [(4, "no".to_owned())]);
    }

    #[test]
    fn ini_reads_sections_and_bare_keys() {
        let e = ini(
            "[mysqld]\nskip-grant-tables\nbind-address = 0.0.0.0 # all\n;x=1\n[security]\nadmin_password = \"\"\"a;b\"\"\"\n",
        );
        let v: Vec<(&str, &str, &str)> = e
            .iter()
            .map(|e| (e.section.as_str(), e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            v,
            [
                ("mysqld", "skip_grant_tables", ""),
                ("mysqld", "bind_address", "0.0.0.0"),
                ("security", "admin_password", "a;b"),
            ]
        );
    }
}
