//! The input documents policies see, one per scanned file (or per YAML document), shaped the
//! way Trivy shapes them so that checks written for Trivy run unchanged.
//!
//! - `dockerfile`: `{"Stages": [{"Name", "Commands": [{"Cmd", "SubCmd", "Flags", "Value",
//!   "Original", "JSON", "Stage", "Path", "StartLine", "EndLine"}]}]}`, built from drydock's own
//!   Dockerfile parser with BuildKit's per-instruction argument splitting.
//! - `kubernetes`: each object as JSON, every mapping carrying `__defsec_metadata` with
//!   `startline`/`endline`/`filepath` (what Trivy's `result.new` reads lines from).
//! - `compose`: the file as JSON; line metadata only on the root and on each service, because
//!   Compose maps are mostly keyed by user-chosen names (services, volumes, environment) and a
//!   metadata key there would look like one more service to a policy iterating them.
//! - `docker-daemon`: `daemon.json` as JSON, line metadata on the root only.
//! - `image-config`: the image's OCI config JSON (`config.Env`, `config.ExposedPorts`, `history`).

use drydock_yaml::tree::{self as yaml, Node, Value as YValue};
use serde_json::{Map, Value, json};

/// What a document is; policies select documents by this (`custom.input.selector[].type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocKind {
    Dockerfile,
    Kubernetes,
    Compose,
    DockerDaemon,
    ImageConfig,
}

impl DocKind {
    /// The selector type name, as written in policy metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Dockerfile => "dockerfile",
            DocKind::Kubernetes => "kubernetes",
            DocKind::Compose => "compose",
            DocKind::DockerDaemon => "docker-daemon",
            DocKind::ImageConfig => "image-config",
        }
    }

    /// Whether a policy's selector type picks this document. Trivy's generic `yaml` and `json`
    /// types match the documents written in that syntax, and `rbac` matches Kubernetes RBAC
    /// objects, so Trivy checks with those selectors apply here too.
    pub fn matches(self, selector: &str, doc: &Value) -> bool {
        let s = selector.to_ascii_lowercase();
        match s.as_str() {
            "yaml" => matches!(self, DocKind::Kubernetes | DocKind::Compose),
            "json" => matches!(self, DocKind::DockerDaemon | DocKind::ImageConfig),
            "rbac" => {
                self == DocKind::Kubernetes
                    && doc.get("kind").and_then(Value::as_str).is_some_and(|k| {
                        matches!(
                            k,
                            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
                        )
                    })
            }
            "docker-compose" => self == DocKind::Compose,
            "daemon-json" | "docker-daemon-json" => self == DocKind::DockerDaemon,
            "image" => self == DocKind::ImageConfig,
            other => other == self.as_str(),
        }
    }
}

/// One input document and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub kind: DocKind,
    /// The file path findings are reported at (`config` for an image's configuration).
    pub path: String,
    /// Where the document starts, for results that give no line of their own in a file that
    /// holds several documents.
    pub line: Option<u32>,
    pub input: Value,
}

/// A file that could not be turned into documents (already reported by drydock's own rules,
/// so callers usually drop these).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InputError {
    pub path: String,
    pub message: String,
}

/// Turns one configuration file into policy documents, deciding its kind the way
/// `drydock config` does. Files drydock does not scan give no documents.
pub fn documents(path: &str, content: &[u8]) -> Result<Vec<Document>, InputError> {
    let Some(kind) = drydock_config::detect(path, content) else {
        return Ok(Vec::new());
    };
    let err = |message: String| InputError {
        path: path.to_owned(),
        message,
    };
    if content.len() > drydock_config::MAX_FILE_SIZE {
        return Err(err("too large".to_owned()));
    }
    let text = std::str::from_utf8(content).map_err(|_| err("not UTF-8 text".to_owned()))?;
    Ok(match kind {
        drydock_config::FileKind::Dockerfile => vec![Document {
            kind: DocKind::Dockerfile,
            path: path.to_owned(),
            line: None,
            input: dockerfile(path, text),
        }],
        drydock_config::FileKind::Kubernetes => kubernetes(path, text),
        drydock_config::FileKind::Compose => compose(path, text),
        drydock_config::FileKind::DaemonJson => vec![daemon_json(path, text).map_err(err)?],
    })
}

/// The document for an image's configuration (`serde_json::to_value(&image.config)`).
pub fn image_config(config: Value) -> Document {
    Document {
        kind: DocKind::ImageConfig,
        path: "config".to_owned(),
        line: None,
        input: config,
    }
}

/// `daemon.json` (also the content of a host's `/etc/docker/daemon.json`).
pub fn daemon_json(path: &str, text: &str) -> Result<Document, String> {
    let mut input: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    if let Some(map) = input.as_object_mut() {
        let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        map.insert("__defsec_metadata".into(), metadata(path, 1, lines.max(1)));
    }
    Ok(Document {
        kind: DocKind::DockerDaemon,
        path: path.to_owned(),
        line: None,
        input,
    })
}

fn metadata(path: &str, start: u32, end: u32) -> Value {
    json!({"startline": start, "endline": end, "filepath": path})
}

/// Kubernetes objects: one document per object, `List` kinds flattened (as drydock's own rules
/// see them). Documents without `kind` (Helm values, empty documents) are not objects.
fn kubernetes(path: &str, text: &str) -> Vec<Document> {
    let (docs, _err) = yaml::load(text);
    let mut out = Vec::new();
    let mut pending: Vec<Node> = docs;
    pending.reverse();
    while let Some(doc) = pending.pop() {
        let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
            continue;
        };
        if kind == "List" || (kind.ends_with("List") && doc.get("items").is_some()) {
            let items = doc.get("items").map(Node::seq).unwrap_or_default();
            pending.extend(items.iter().rev().cloned());
            continue;
        }
        out.push(Document {
            kind: DocKind::Kubernetes,
            path: path.to_owned(),
            line: Some(doc.line),
            input: yaml_to_json(&doc, path, Meta::Everywhere, doc.line),
        });
    }
    out
}

fn compose(path: &str, text: &str) -> Vec<Document> {
    let (docs, _err) = yaml::load(text);
    docs.iter()
        .filter(|d| d.is_map())
        .map(|doc| {
            let mut input = yaml_to_json(doc, path, Meta::Root, doc.line);
            // Each service gets its own line metadata, so `result.new(msg, service)` points at it.
            if let (Some(services), Some(Value::Object(out))) =
                (doc.get("services"), input.get_mut("services"))
            {
                for (k, v) in services.entries() {
                    let Some(name) = k.scalar() else { continue };
                    let Some(Value::Object(svc)) = out.get_mut(name) else {
                        continue;
                    };
                    svc.insert(
                        "__defsec_metadata".into(),
                        metadata(path, k.line, end_line(v).max(k.line)),
                    );
                }
            }
            Document {
                kind: DocKind::Compose,
                path: path.to_owned(),
                line: Some(doc.line),
                input,
            }
        })
        .collect()
}

/// Where `__defsec_metadata` goes when converting YAML.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meta {
    /// On every mapping, as Trivy does for Kubernetes.
    Everywhere,
    /// On the document root only.
    Root,
    /// Nowhere: plain data (annotation bodies).
    Nowhere,
}

/// A YAML node as plain JSON, without line metadata.
pub(crate) fn plain_json(node: &Node) -> Value {
    yaml_to_json(node, "", Meta::Nowhere, node.line)
}

/// The last line a node covers.
fn end_line(node: &Node) -> u32 {
    let mut max = node.line;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        max = max.max(n.line);
        match &n.value {
            YValue::Scalar { .. } => {}
            YValue::Seq(items) => stack.extend(items.iter()),
            YValue::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    max
}

/// A YAML scalar as go-yaml v3 (YAML 1.2 core schema) types it, which is what Trivy's Kubernetes
/// input holds: `yes` stays a string, `true` is a boolean, `080` is the number 80.
fn scalar(text: &str, plain: bool) -> Value {
    if !plain {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1i64, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(n) = int {
        return Value::from(sign * n);
    }
    let floaty = !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if floaty
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// Converts a YAML node to JSON. `start` is the line the node is said to start on: for a
/// mapping under a key, the key's line (as Trivy reports it).
fn yaml_to_json(root: &Node, path: &str, meta: Meta, start: u32) -> Value {
    // Iterative: documents may nest up to drydock-config's MAX_DEPTH, and conversion must not be
    // where a hostile file finds the stack's end. Each frame builds one container.
    enum Frame<'a> {
        Seq(std::slice::Iter<'a, Node>, Vec<Value>),
        Map(
            std::slice::Iter<'a, (Node, Node)>,
            Map<String, Value>,
            Option<String>,
        ),
    }
    fn open<'a>(
        node: &'a Node,
        start: u32,
        root: bool,
        path: &str,
        meta: Meta,
    ) -> Result<Value, Frame<'a>> {
        match &node.value {
            YValue::Scalar { text, plain } => Ok(scalar(text, *plain)),
            YValue::Seq(items) => Err(Frame::Seq(items.iter(), Vec::with_capacity(items.len()))),
            YValue::Map(entries) => {
                let mut m = Map::new();
                if meta == Meta::Everywhere || (root && meta == Meta::Root) {
                    m.insert(
                        "__defsec_metadata".into(),
                        metadata(path, start, end_line(node).max(start)),
                    );
                }
                Err(Frame::Map(entries.iter(), m, None))
            }
        }
    }
    let mut stack = match open(root, start, true, path, meta) {
        Ok(v) => return v,
        Err(f) => vec![f],
    };
    loop {
        // Find the next child to convert, or finish the top frame.
        let next: Option<(&Node, u32)> = match stack.last_mut() {
            None => return Value::Null,
            Some(Frame::Seq(it, _)) => it.next().map(|n| (n, n.line)),
            Some(Frame::Map(it, _, pending)) => loop {
                match it.next() {
                    None => break None,
                    Some((k, v)) => {
                        let Some(key) = k.scalar() else { continue };
                        *pending = Some(key.to_owned());
                        break Some((v, k.line));
                    }
                }
            },
        };
        let value = match next {
            Some((node, line)) => match open(node, line, false, path, meta) {
                Ok(v) => v,
                Err(frame) => {
                    stack.push(frame);
                    continue;
                }
            },
            None => match stack.pop() {
                Some(Frame::Seq(_, items)) => Value::Array(items),
                Some(Frame::Map(_, m, _)) => Value::Object(m),
                None => return Value::Null,
            },
        };
        match stack.last_mut() {
            None => return value,
            Some(Frame::Seq(_, items)) => items.push(value),
            Some(Frame::Map(_, m, pending)) => {
                if let Some(k) = pending.take() {
                    m.insert(k, value);
                }
            }
        }
    }
}

/// A Dockerfile in Trivy's shape. Instructions drydock's parser rejects (unknown keywords) are
/// absent, as they are from drydock's own rules.
pub fn dockerfile(path: &str, text: &str) -> Value {
    use drydock_config::dockerfile::parse;
    let (df, _errors) = parse::parse(text);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut stages: Vec<Value> = Vec::new();
    let mut name = String::new();
    let mut commands: Vec<Value> = Vec::new();
    let mut stage_index = 0u32;
    let mut seen_from = false;
    for ins in &df.instructions {
        let original = original(&lines, ins, df.escape);
        if ins.keyword == "FROM" {
            if !commands.is_empty() {
                stages.push(json!({"Name": name, "Commands": std::mem::take(&mut commands)}));
            }
            if seen_from {
                stage_index += 1;
            }
            seen_from = true;
            name = strip_keyword(&original).to_owned();
        }
        let mut flags: Vec<String> = ins
            .flags
            .iter()
            .map(|(n, v)| match v {
                Some(v) => format!("--{n}={v}"),
                None => format!("--{n}"),
            })
            .collect();
        let mut sub_cmd = String::new();
        let mut json_form = matches!(ins.args, parse::Args::Exec(_));
        let value = if ins.keyword == "ONBUILD" {
            // The trigger is an instruction of its own: report its keyword and arguments.
            flags.clear();
            let text = ins.text();
            let (kw, rest) = text
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((text.trim(), ""));
            sub_cmd = kw.to_ascii_uppercase();
            let (_, rest) = split_flags(rest.trim());
            json_form = rest.starts_with('[') && exec_args(rest).is_some();
            values(&sub_cmd, rest)
        } else if !ins.heredocs.is_empty() {
            vec![heredoc_value(ins)]
        } else {
            match &ins.args {
                parse::Args::Exec(v) if takes_json(&ins.keyword) => v.clone(),
                _ => values(&ins.keyword, &ins.text()),
            }
        };
        commands.push(json!({
            "Cmd": ins.keyword.to_ascii_lowercase(),
            "SubCmd": sub_cmd,
            "Flags": flags,
            "Value": value,
            "Original": original,
            "JSON": json_form,
            "Stage": stage_index,
            "Path": path,
            "StartLine": ins.line,
            "EndLine": ins.end_line,
        }));
    }
    if !commands.is_empty() {
        stages.push(json!({"Name": name, "Commands": commands}));
    }
    json!({ "Stages": stages })
}

fn takes_json(keyword: &str) -> bool {
    matches!(
        keyword,
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "COPY" | "ADD" | "VOLUME"
    )
}

fn exec_args(rest: &str) -> Option<Vec<String>> {
    serde_json::from_str::<Vec<String>>(rest).ok()
}

/// Leading `--flag[=value]` words, and the rest.
fn split_flags(mut rest: &str) -> (Vec<String>, &str) {
    let mut flags = Vec::new();
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        flags.push(rest[..end].to_owned());
        rest = rest[end..].trim_start();
    }
    (flags, rest)
}

fn strip_keyword(original: &str) -> &str {
    let t = original.trim_start();
    match t.split_once(char::is_whitespace) {
        Some((_, rest)) => rest.trim(),
        None => "",
    }
}

/// BuildKit's argument splitting for one instruction (its `parse*` dispatch table).
fn values(keyword: &str, text: &str) -> Vec<String> {
    let text = text.trim();
    match keyword {
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => match exec_args(text) {
            Some(v) if text.starts_with('[') => v,
            _ => vec![text.to_owned()],
        },
        "COPY" | "ADD" | "VOLUME" => match exec_args(text) {
            Some(v) if text.starts_with('[') => v,
            _ => text.split_whitespace().map(str::to_owned).collect(),
        },
        "ENV" | "LABEL" => name_values(text),
        "HEALTHCHECK" => {
            let (kind, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
            let mut out = vec![kind.to_owned()];
            let rest = rest.trim();
            if !rest.is_empty() {
                match exec_args(rest) {
                    Some(v) if rest.starts_with('[') => out.extend(v),
                    _ => out.push(rest.to_owned()),
                }
            }
            out
        }
        "FROM" | "ARG" | "EXPOSE" | "ONBUILD" => {
            text.split_whitespace().map(str::to_owned).collect()
        }
        // USER, WORKDIR, MAINTAINER, STOPSIGNAL: the whole rest is one value.
        _ if text.is_empty() => Vec::new(),
        _ => vec![text.to_owned()],
    }
}

/// Words split on unquoted whitespace, quotes and escapes kept (as BuildKit's `parseWords`).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                }
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                } else if c == '\\' {
                    escaped = true;
                }
                cur.push(c);
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `ENV`/`LABEL` arguments as alternating names and values: `A=1 B="x y"` gives
/// `["A", "1", "B", "\"x y\""]`; the legacy `ENV A x y` gives `["A", "x y"]`.
fn name_values(text: &str) -> Vec<String> {
    let ws = words(text);
    if ws.first().is_some_and(|w| !w.contains('=')) {
        let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        return vec![name.to_owned(), rest.trim().to_owned()];
    }
    let mut out = Vec::new();
    for w in ws {
        match w.split_once('=') {
            Some((k, v)) => {
                out.push(k.to_owned());
                out.push(v.to_owned());
            }
            None => {
                out.push(w);
                out.push(String::new());
            }
        }
    }
    out
}

/// What Trivy gives as the single `Value` of a heredoc instruction: a lone `<<EOF` script
/// becomes its lines joined with ` ; ` (the shell runs them in order); anything more complex
/// (redirections, a shebang) is the command line followed by the bodies.
fn heredoc_value(ins: &drydock_config::dockerfile::Instruction) -> String {
    let text = ins.text();
    let marker = text.trim().trim_start_matches("<<").trim_start_matches('-');
    let marker = marker.trim_matches(['"', '\'']);
    let simple = ins.heredocs.len() == 1
        && ins
            .heredocs
            .first()
            .is_some_and(|h| h.name == marker && !h.body.starts_with("#!"));
    if simple && let Some(h) = ins.heredocs.first() {
        return h
            .body
            .trim_end_matches('\n')
            .split('\n')
            .collect::<Vec<_>>()
            .join(" ; ");
    }
    let mut out = text;
    for h in &ins.heredocs {
        out.push('\n');
        out.push_str(&h.body);
        out.push_str(&h.name);
    }
    out
}

/// The instruction as written, continuation lines joined as BuildKit's `Original` has them
/// (escape characters and the comment lines inside a continuation removed), with heredoc
/// bodies and terminators after a newline.
fn original(lines: &[&str], ins: &drydock_config::dockerfile::Instruction, escape: char) -> String {
    let mut out = String::new();
    let mut i = usize::try_from(ins.line.saturating_sub(1)).unwrap_or(usize::MAX);
    while let Some(line) = lines.get(i) {
        let trimmed = line.trim_end();
        match trimmed.strip_suffix(escape) {
            Some(head) => {
                out.push_str(head);
                i += 1;
                while lines
                    .get(i)
                    .is_some_and(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
                {
                    i += 1;
                }
            }
            None => {
                out.push_str(line);
                break;
            }
        }
    }
    let mut out = out.trim().to_owned();
    for h in &ins.heredocs {
        out.push('\n');
        out.push_str(&h.body);
        out.push_str(&h.name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_shape_matches_trivy() {
        let src = "ARG BASE=alpine\nFROM $BASE AS build\nCOPY --chown=1 . /app\nRUN make \\\n  all\nENV A=1 B=\"x y\"\nEXPOSE 22 80/tcp\nONBUILD RUN --foo make /app\nCMD [\"./app\"]\nFROM scratch\nUSER 1000:1000\nHEALTHCHECK --interval=5s CMD curl -f http://x/\n";
        let v = dockerfile("Dockerfile", src);
        let stages = v["Stages"].as_array().expect("stages");
        assert_eq!(stages.len(), 3, "{v:#}");
        assert_eq!(stages[0]["Name"], "");
        assert_eq!(stages[0]["Commands"][0]["Cmd"], "arg");
        assert_eq!(stages[0]["Commands"][0]["Value"], json!(["BASE=alpine"]));
        let b = &stages[1];
        assert_eq!(b["Name"], "$BASE AS build");
        let c = &b["Commands"];
        assert_eq!(c[0]["Value"], json!(["$BASE", "AS", "build"]));
        assert_eq!(c[0]["Stage"], 0);
        assert_eq!(c[1]["Flags"], json!(["--chown=1"]));
        assert_eq!(c[1]["Value"], json!([".", "/app"]));
        assert_eq!(c[2]["Value"], json!(["make   all"]));
        assert_eq!(c[2]["Original"], "RUN make   all");
        assert_eq!(c[2]["StartLine"], 4);
        assert_eq!(c[2]["EndLine"], 5);
        assert_eq!(c[3]["Value"], json!(["A", "1", "B", "\"x y\""]));
        assert_eq!(c[4]["Value"], json!(["22", "80/tcp"]));
        assert_eq!(c[5]["SubCmd"], "RUN");
        assert_eq!(c[5]["Value"], json!(["make /app"]));
        assert_eq!(c[6]["JSON"], true);
        assert_eq!(c[6]["Value"], json!(["./app"]));
        let s = &stages[2]["Commands"];
        assert_eq!(s[0]["Stage"], 1);
        assert_eq!(s[1]["Value"], json!(["1000:1000"]));
        assert_eq!(s[2]["Value"], json!(["CMD", "curl -f http://x/"]));
        assert_eq!(s[2]["Flags"], json!(["--interval=5s"]));
    }

    #[test]
    fn heredocs() {
        let v = dockerfile("D", "FROM a\nRUN <<EOF\napk add curl\napk add git\nEOF\n");
        let c = &v["Stages"][0]["Commands"][1];
        assert_eq!(c["Value"], json!(["apk add curl ; apk add git"]));
        assert_eq!(c["Original"], "RUN <<EOF\napk add curl\napk add git\nEOF");
        assert_eq!(c["EndLine"], 5);
        let v = dockerfile("D", "FROM a\nRUN cat <<EOF > /x\nhi\nEOF\n");
        let c = &v["Stages"][0]["Commands"][1];
        assert_eq!(c["Value"], json!(["cat <<EOF > /x\nhi\nEOF"]));
    }

    #[test]
    fn kubernetes_documents_carry_lines() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n      ports:\n        - containerPort: 80\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: s}\n";
        let docs = documents("k.yaml", src.as_bytes()).expect("docs");
        assert_eq!(docs.len(), 2);
        let pod = &docs[0].input;
        assert_eq!(pod["__defsec_metadata"]["startline"], 1);
        assert_eq!(pod["__defsec_metadata"]["endline"], 10);
        assert_eq!(pod["spec"]["__defsec_metadata"]["startline"], 5);
        let c = &pod["spec"]["containers"][0];
        assert_eq!(c["__defsec_metadata"]["startline"], 7);
        assert_eq!(c["ports"][0]["containerPort"], 80);
        assert_eq!(docs[1].input["kind"], "Service");
        assert_eq!(docs[1].line, Some(15));
        assert!(DocKind::Kubernetes.matches("yaml", pod));
        assert!(!DocKind::Kubernetes.matches("rbac", pod));
    }

    #[test]
    fn scalars_follow_yaml_1_2() {
        assert_eq!(scalar("yes", true), json!("yes"));
        assert_eq!(scalar("true", true), json!(true));
        assert_eq!(scalar("true", false), json!("true"));
        assert_eq!(scalar("-12", true), json!(-12));
        assert_eq!(scalar("0x1F", true), json!(31));
        assert_eq!(scalar("1.5", true), json!(1.5));
        assert_eq!(scalar("1.2.3", true), json!("1.2.3"));
        assert_eq!(scalar("512Mi", true), json!("512Mi"));
        assert_eq!(scalar("~", true), Value::Null);
        assert_eq!(scalar(".inf", true), json!(".inf"));
    }

    #[test]
    fn compose_metadata_only_on_root_and_services() {
        let src = "services:\n  web:\n    image: nginx\n    environment:\n      A: b\n";
        let docs = documents("docker-compose.yml", src.as_bytes()).expect("docs");
        let d = &docs[0].input;
        assert_eq!(d["services"]["web"]["__defsec_metadata"]["startline"], 2);
        assert!(d["services"].get("__defsec_metadata").is_none());
        assert!(
            d["services"]["web"]["environment"]
                .get("__defsec_metadata")
                .is_none()
        );
    }

    #[test]
    fn deep_yaml_converts_without_recursion() {
        let src = format!("a: {}1{}\n", "[".repeat(150), "]".repeat(150));
        let (docs, err) = yaml::load(&src);
        assert!(err.is_none());
        let v = yaml_to_json(&docs[0], "x", Meta::Everywhere, 1);
        assert!(v["a"].is_array());
    }
}
