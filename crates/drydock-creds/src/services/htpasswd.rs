//! `.htpasswd` files (Apache, nginx): every entry's hash is cracked; obsolete schemes (APR1,
//! `{SHA}`, DES crypt, `{PLAIN}`) are reported too. Lines are `user:hash`, with `#` comments as
//! nginx allows. A value that is no recognised hash is ignored: neither server would accept a
//! password for it on Linux.

use crate::sink::{Files, Sink};
use crate::text::numbered;

pub(crate) fn wants(p: &str) -> bool {
    let name = super::file_name(p);
    // `/usr/bin/htpasswd` is apache2-utils' program, not a password file.
    let in_bin =
        p.split('/').any(|seg| seg == "bin" || seg == "sbin") || p.starts_with("usr/share/man/");
    !in_bin
        && (name.starts_with(".htpasswd")
            || name.ends_with(".htpasswd")
            || name == "htpasswd"
            || name.starts_with("htpasswd."))
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        if !wants(norm) || bytes.contains(&0) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let mut bad = Vec::new();
        for (no, raw) in numbered(&text) {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((user, rest)) = line.split_once(':') else {
                bad.push((no, "htpasswd entries are `user:hash`"));
                continue;
            };
            // A trailing `:comment` is allowed by nginx.
            let hash = rest.split(':').next().unwrap_or(rest);
            if user.is_empty() {
                bad.push((no, "empty user name"));
                continue;
            }
            sink.hash(
                path,
                Some(no),
                format!("htpasswd user `{user}`"),
                Some(user),
                hash,
            );
        }
        sink.malformed(path, &bad);
    }
}
