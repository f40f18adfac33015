//! VNC password files (`~/.vnc/passwd`, TigerVNC's `~/.config/tigervnc/passwd`).
//!
//! Every VNC implementation stores the password DES-encrypted under the same fixed key (the
//! bytes 23 82 107 6 35 78 88 7, bit-reversed as VNC's d3des expects). Decrypting it is the
//! whole attack, so the file is always reported; a password that is also on the lists is
//! reported as weak too. A 16-byte file carries a second, view-only password.

use crate::crack::Wordlist;
use crate::rules;
use crate::sink::{Files, Sink};
use des::Des;
use des::cipher::{BlockCipherDecrypt, KeyInit};

use drydock_finding::{Kind, Rule, Severity};

pub static VNC_PASSWORD_FILE: Rule = Rule {
    id: "DD-CRED-120",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "VNC password stored with reversible obfuscation",
    why: "VNC password files are DES-encrypted with a key fixed in every VNC implementation: anyone \
          who can read the file recovers the password (at most 8 characters) instantly.",
    fix: "Do not ship VNC password files in images; generate them at run time, and tunnel VNC over \
          SSH or TLS with real authentication.",
    references: &["https://github.com/jeroennijhof/vncpwd"],
};

pub static VNC_NO_AUTH: Rule = Rule {
    id: "DD-CRED-121",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "VNC server started without authentication",
    why: "A VNC server with no password (x11vnc -nopw, SecurityTypes None) hands the desktop, and \
          the shell behind it, to anyone who reaches its port; VNC servers listen on every \
          interface unless told -localhost.",
    fix: "Require a password or certificate (-rfbauth / -usepw, SecurityTypes VncAuth or \
          X509Vnc) or bind to localhost and tunnel over SSH.",
    references: &["CWE-306", "https://github.com/LibVNC/x11vnc#security"],
};

/// The fixed VNC key, already bit-reversed for a standard DES implementation.
const VNC_KEY: [u8; 8] = [0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72, 0x1a, 0xe0];

pub(crate) fn wants(p: &str) -> bool {
    p.ends_with(".vnc/passwd") || p.ends_with(".config/tigervnc/passwd") || starts_vnc(p)
}

/// Files that configure or start a VNC server: its own config files, and the places a command
/// line that starts one lives (supervisord programs, systemd units, entrypoint and start
/// scripts). A command line is configuration too.
fn starts_vnc(p: &str) -> bool {
    let name = super::file_name(p);
    let lower = name.to_ascii_lowercase();
    p.ends_with(".vnc/config")
        || p.ends_with(".config/tigervnc/config")
        || p.starts_with("etc/tigervnc/")
        || super::cmdline::launch_file(p)
        || (lower.contains("vnc")
            && (p.starts_with("usr/local/bin/")
                || p.starts_with("usr/bin/")
                || p.starts_with("opt/")
                || p.starts_with("root/")
                || p.starts_with("home/")
                || p.starts_with("etc/")
                || !p.contains('/')))
}

/// How a VNC server in this text runs without authentication, and on which line.
pub(crate) fn no_auth(text: &str) -> Option<(u32, &'static str)> {
    // TigerVNC's config files say `localhost` on a line of its own: bound to loopback only.
    if text.lines().any(|l| {
        let l = l.trim().to_ascii_lowercase();
        l == "localhost" || l == "localhost=1" || l == "localhost=yes"
    }) {
        return None;
    }
    // Shell line continuations join one command across lines; the line reported is the first.
    let mut start = 1u32;
    let mut joined = String::new();
    for (i, line) in text.lines().enumerate() {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if joined.is_empty() {
            start = no;
        }
        let trimmed = line.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            continue;
        }
        joined.push_str(trimmed);
        let how = judge(&joined);
        joined.clear();
        if how.is_some() {
            return how.map(|h| (start, h));
        }
    }
    None
}

fn judge(line: &str) -> Option<&'static str> {
    let l = line.trim_start();
    if l.starts_with('#') || l.starts_with(';') {
        return None;
    }
    let lower = l.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| {
            c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']'
        })
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    // Bound to localhost only: reachable through a tunnel, not a network (the safe pattern).
    if has("-localhost") {
        return None;
    }
    if lower.contains("x11vnc")
        && has("-nopw")
        && ![
            "-rfbauth",
            "-passwd",
            "-usepw",
            "-passwdfile",
            "-rfbauthfile",
            "-unixpw",
        ]
        .iter()
        .any(|w| has(w))
    {
        return Some("x11vnc -nopw: no password");
    }
    // TigerVNC/TightVNC/TurboVNC: `-SecurityTypes None`, `-securitytypes=none`, or a config
    // line `SecurityTypes=None` (any list holding None lets a client pick it).
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("securitytypes") {
        let after =
            rest[i + "securitytypes".len()..].trim_start_matches([' ', '\t', '=', ':', '"', '\'']);
        let list: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ',' || *c == '-')
            .collect();
        if list.split(',').any(|t| t == "none") {
            return Some("SecurityTypes None: no authentication");
        }
        rest = &rest[i + 1..];
    }
    None
}

/// Decrypts one 8-byte VNC password block; the password ends at the first NUL.
pub fn decrypt(block: &[u8]) -> Option<String> {
    let cipher = Des::new_from_slice(&VNC_KEY).ok()?;
    let mut b = des::cipher::Block::<Des>::try_from(block).ok()?;
    cipher.decrypt_block(&mut b);
    let plain: Vec<u8> = b.iter().copied().take_while(|&c| c != 0).collect();
    Some(String::from_utf8_lossy(&plain).into_owned())
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    for (norm, path, bytes) in files.iter() {
        if starts_vnc(norm) {
            if let Some((line, how)) = no_auth(&String::from_utf8_lossy(bytes)) {
                sink.push(
                    &VNC_NO_AUTH,
                    path,
                    Some(line),
                    format!("a VNC server starts here with {how}"),
                );
            }
            continue;
        }
        if !wants(norm) {
            continue;
        }
        if bytes.len() < 8 {
            sink.malformed(path, &[(1, "a VNC password file holds at least 8 bytes")]);
            continue;
        }
        for (i, block) in bytes.chunks_exact(8).take(2).enumerate() {
            let Some(password) = decrypt(block) else {
                continue;
            };
            let which = if i == 0 {
                "password"
            } else {
                "view-only password"
            };
            sink.push_secret(
                &VNC_PASSWORD_FILE,
                path,
                None,
                format!(
                    "VNC {which} recovered by decrypting with the fixed VNC key ({} characters)",
                    password.chars().count()
                ),
                &password,
            );
            if let Some(source) = wl.source_of(&password, None) {
                sink.push_secret(
                    &rules::WEAK_PASSWORD,
                    path,
                    None,
                    format!("VNC {which} (fixed-key DES) is {source}"),
                    &password,
                );
            }
        }
    }
}
