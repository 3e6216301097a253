//! Encryption at rest. With keys, every record the store writes is sealed (XChaCha20-Poly1305,
//! bound to its tree and key: `security::crypto`), and every key part that has the shape of a
//! BSN (nine digits) is replaced by the client's keyed pseudonym before it reaches sled — the
//! rules build their keys from BSNs, the files hold none. The same transformation on the read
//! path makes every lookup and prefix scan work unchanged (a pseudonym is 32 hex digits, so
//! transforming twice changes nothing). Without keys (tools reading only the token and audit
//! trees) both are the identity.

use super::StoreError;
use crate::security::crypto::{record_aad, Keys};
use sluis_core::standard::types::Bsn;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Sealer {
    keys: Option<Arc<Keys>>,
}

impl Sealer {
    pub fn new(keys: Option<Arc<Keys>>) -> Sealer {
        Sealer { keys }
    }

    /// The key as stored: each complete part (followed by a 0 byte) of nine ASCII digits
    /// becomes the pseudonym of that BSN; a trailing partial part stays as it is.
    pub fn key(&self, key: &[u8]) -> Vec<u8> {
        let Some(keys) = &self.keys else {
            return key.to_vec();
        };
        let mut out = Vec::with_capacity(key.len() + 32);
        let mut rest = key;
        while let Some(end) = rest.iter().position(|b| *b == 0) {
            let part = &rest[..end];
            match std::str::from_utf8(part).ok().and_then(Bsn::parse) {
                Some(bsn) => out.extend_from_slice(keys.pseudonym(&bsn).as_str().as_bytes()),
                None => out.extend_from_slice(part),
            }
            out.push(0);
            rest = &rest[end + 1..];
        }
        out.extend_from_slice(rest);
        out
    }

    /// Seal a value stored under `key` (already transformed) in `tree`.
    pub fn seal(&self, tree: &str, key: &[u8], value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        match &self.keys {
            None => Ok(value),
            Some(k) => k
                .seal(&record_aad(tree, key), &value)
                .map_err(|e| StoreError::Durability(format!("sealing failed: {e}"))),
        }
    }

    /// Open a value read from `key` in `tree`; a value that does not open (wrong key,
    /// tampered, moved) is an error, never silently plaintext.
    pub fn open(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<Vec<u8>, String> {
        match &self.keys {
            None => Ok(value.to_vec()),
            Some(k) => k
                .open(&record_aad(tree, key), value)
                .map_err(|e| format!("{tree}: record does not open: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsn_parts_become_pseudonyms_and_stay_so() {
        let keys = Keys::generate().expect("keys");
        let s = Sealer::new(Some(Arc::new(keys)));
        let k = sluis_core::validate::history::state::key(&["ijw", "0599", "999990019", "7001"]);
        let t = s.key(&k);
        assert!(!t.windows(9).any(|w| w == b"999990019"));
        assert_eq!(s.key(&t), t, "idempotent");
        let prefix = sluis_core::validate::history::state::key(&["ijw", "0599", "999990019"]);
        assert!(t.starts_with(&s.key(&prefix)), "prefix scans still work");
        // A trailing partial part is left alone (it is not a whole part of a key).
        assert_eq!(s.key(b"ijw\x00999990019"), b"ijw\x00999990019".to_vec());
        let sealed = s
            .seal("h_starts", &t, b"{\"bsn\":\"999990019\"}".to_vec())
            .expect("seal");
        assert!(!sealed.windows(9).any(|w| w == b"999990019"));
        assert_eq!(
            s.open("h_starts", &t, &sealed).expect("open"),
            b"{\"bsn\":\"999990019\"}"
        );
        assert!(s.open("h_stops", &t, &sealed).is_err(), "bound to its tree");
        let plain = Sealer::default();
        assert_eq!(plain.key(&k), k);
    }
}
