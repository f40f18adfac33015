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

/// The fixed VNC key, already bit-reversed for a standard DES implementation.
const VNC_KEY: [u8; 8] = [0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72, 0x1a, 0xe0];

pub(crate) fn wants(p: &str) -> bool {
    p.ends_with(".vnc/passwd") || p.ends_with(".config/tigervnc/passwd")
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
                &rules::VNC_PASSWORD_FILE,
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
