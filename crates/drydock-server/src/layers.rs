//! Layer analyses shared between machines through the server, sealed by the clients.
//!
//! A layer's cached analysis holds what the layer holds: secrets in clear (reports redact them
//! later) and credential files for cracking. The server must not be able to read them, and a
//! token holder must not be able to plant a false analysis that other scanners would trust. So
//! clients seal each entry with ChaCha20-Poly1305 under a 256-bit key the fleet holds (a
//! Kubernetes Secret, a CI secret) and the server does not: the server stores opaque bytes by
//! key, and an entry that does not open under the client's key is a miss. The entry's cache key
//! is the associated data, so a sealed entry cannot be replayed under another key.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

const MAGIC: &[u8; 6] = b"DDLK1\0";

/// A fleet's layer key.
pub struct LayerKey(LessSafeKey);

impl LayerKey {
    /// From its text form: 64 hex digits (what `drydock server layer-key` prints).
    pub fn parse(text: &str) -> Result<LayerKey, String> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a layer key is 64 hex digits (drydock server layer-key makes one)".into());
        }
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).unwrap_or(0))
            .collect();
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .map_err(|_| "the layer key was refused".to_owned())?;
        Ok(LayerKey(LessSafeKey::new(key)))
    }

    /// A new random key, as text.
    pub fn generate() -> Result<String, String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the OS: {e}"))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// `entry` sealed under this key, bound to `cache_key`.
    pub fn seal(&self, cache_key: &str, entry: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| format!("no randomness from the OS: {e}"))?;
        let mut data = entry.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(cache_key)),
                &mut data,
            )
            .map_err(|_| "sealing failed".to_owned())?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + data.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// The entry, if `sealed` was sealed under this key for `cache_key`.
    pub fn open(&self, cache_key: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let rest = sealed.strip_prefix(&MAGIC[..])?;
        if rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(aad(cache_key)), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }
}

fn aad(cache_key: &str) -> Vec<u8> {
    format!("drydock shared layer v1 {cache_key}").into_bytes()
}

/// A cache key as the API takes it: 64 lowercase hex digits.
pub fn valid_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_open_only_with_their_key_and_cache_key() {
        let k1 = LayerKey::parse(&LayerKey::generate().unwrap()).unwrap();
        let k2 = LayerKey::parse(&LayerKey::generate().unwrap()).unwrap();
        let a = "a".repeat(64);
        let sealed = k1.seal(&a, b"entry bytes, secrets inside").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"secrets"));
        assert_eq!(
            k1.open(&a, &sealed).as_deref(),
            Some(&b"entry bytes, secrets inside"[..])
        );
        assert_eq!(k2.open(&a, &sealed), None, "another fleet's key");
        assert_eq!(
            k1.open(&"b".repeat(64), &sealed),
            None,
            "replayed under another key"
        );
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert_eq!(k1.open(&a, &flipped), None, "tampered");
        assert_eq!(k1.open(&a, b"DDLK1\0short"), None);
        assert_eq!(k1.open(&a, b""), None);
    }

    #[test]
    fn keys_parse_from_64_hex_digits_only() {
        assert!(LayerKey::parse(&"0f".repeat(32)).is_ok());
        assert!(LayerKey::parse(&"0f".repeat(31)).is_err());
        assert!(LayerKey::parse(&"zz".repeat(32)).is_err());
    }
}
