//! Encryption at rest and keyed pseudonyms.
//!
//! One master key of 32 random bytes (a key file) gives, through HKDF-SHA256, a key for the
//! record cipher (XChaCha20-Poly1305) and a key for pseudonyms (HMAC-SHA256). Nothing here is
//! hand-made crypto: the primitives are RustCrypto's; this module only fixes the format.
//!
//! Sealed record: `[FORMAT=1][key id][24-byte random nonce][ciphertext ‖ 16-byte tag]`. The
//! first two bytes and the caller's associated data (use [`record_aad`]: tree and key of the
//! record) are authenticated, so a record copied to another key or tree does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

use sluis_core::standard::types::Bsn;

pub const KEY_LEN: usize = 32;
const FORMAT: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 2 + NONCE_LEN;
const TAG_LEN: usize = 16;
/// HKDF salt: fixed, versioned; the master key is already uniformly random.
const SALT: &[u8] = b"sluis/keys/v1";
const INFO_RECORD: &[u8] = b"sluis record aead xchacha20poly1305";
const INFO_PSEUDONYM: &[u8] = b"sluis bsn pseudonym hmac-sha256";
/// Pseudonyms are truncated to 128 bits: ample against collisions among millions of clients.
const PSEUDONYM_BYTES: usize = 16;

/// What went wrong. Never holds key material, plaintext or a BSN.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("key text line {line}: {message}")]
    KeyText { line: usize, message: &'static str },
    #[error("record is not a sealed record of a known format")]
    Format,
    #[error("record was sealed with key id {0}, which is not loaded")]
    UnknownKey(u8),
    #[error("record does not open: wrong key, wrong associated data or tampered")]
    Open,
    #[error("no randomness from the operating system")]
    Random,
}

/// One loaded key: its id and the subkeys derived from it.
struct KeySlot {
    id: u8,
    aead: XChaCha20Poly1305,
}

/// The keys of one gateway. The key with the highest id seals; every loaded key opens. The
/// pseudonym key comes from the key with the LOWEST id, so rotating the record key (adding a
/// key with a higher id) changes no pseudonym and no index.
pub struct Keys {
    slots: Vec<KeySlot>,
    pseudonym: Hmac<Sha256>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u8> = self.slots.iter().map(|s| s.id).collect();
        f.debug_struct("Keys")
            .field("ids", &ids)
            .field("material", &"<redacted>")
            .finish()
    }
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, CryptoError> {
    let mut b = Zeroizing::new([0u8; N]);
    getrandom::fill(b.as_mut()).map_err(|_| CryptoError::Random)?;
    Ok(b)
}

fn derive(master: &[u8; KEY_LEN], info: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(SALT), master);
    let mut okm = Zeroizing::new([0u8; KEY_LEN]);
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32: cannot fail.
    let _ = hk.expand(info, okm.as_mut());
    okm
}

/// Decode one key: 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes.
fn decode_key(text: &str) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    use base64::Engine;
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    if text.len() == 2 * KEY_LEN && hex::decode_to_slice(text, out.as_mut()).is_ok() {
        return Some(out);
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for e in engines {
        if let Ok(v) = e.decode(text) {
            let v = Zeroizing::new(v);
            if v.len() == KEY_LEN {
                out.copy_from_slice(&v);
                return Some(out);
            }
        }
    }
    None
}

impl Keys {
    fn from_masters(mut masters: Vec<(u8, Zeroizing<[u8; KEY_LEN]>)>) -> Result<Keys, CryptoError> {
        masters.sort_by_key(|(id, _)| *id);
        let (_, first) = masters.first().ok_or(CryptoError::KeyText {
            line: 0,
            message: "no key",
        })?;
        let pseudonym_key = derive(first, INFO_PSEUDONYM);
        // HMAC takes keys of any length: cannot fail.
        let pseudonym = <Hmac<Sha256> as KeyInit>::new_from_slice(pseudonym_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        let slots = masters
            .iter()
            .map(|(id, m)| {
                let k = derive(m, INFO_RECORD);
                KeySlot {
                    id: *id,
                    aead: XChaCha20Poly1305::new(&Key::from(*k)),
                }
            })
            .collect();
        Ok(Keys { slots, pseudonym })
    }

    /// Fresh random keys (id 1), e.g. for tests; see [`Keys::generate_text`] for a key file.
    pub fn generate() -> Result<Keys, CryptoError> {
        Keys::from_masters(vec![(1, random::<KEY_LEN>()?)])
    }

    /// The text of a new key file: a comment and one fresh key in hex (id 1).
    pub fn generate_text() -> Result<Zeroizing<String>, CryptoError> {
        let k = random::<KEY_LEN>()?;
        Ok(Zeroizing::new(format!(
            "# Sluis master key (docs/security.md). Losing it loses the data; keep a copy offline.\n{}\n",
            hex::encode(k.as_ref())
        )))
    }

    /// Write a new key file (mode 0600); never overwrites an existing file.
    pub fn create_file(path: &Path) -> Result<(), CryptoError> {
        use std::io::Write;
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        let text = Keys::generate_text()?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| err(e.to_string()))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| err(e.to_string()))
    }

    /// Load a key file; refuses one that others may read (unix), since it unlocks everything.
    pub fn load(path: &Path) -> Result<Keys, CryptoError> {
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(err("readable by group or others; chmod 600 it".to_string()));
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
        Keys::from_text(&text).map_err(|e| err(e.to_string()))
    }

    /// Parse key text: one key per line, `[id:]key` (id 1–255, default 1; key in hex or
    /// base64 of 32 bytes); `#` starts a comment. Errors name the line, never its content.
    pub fn from_text(text: &str) -> Result<Keys, CryptoError> {
        let mut masters: Vec<(u8, Zeroizing<[u8; KEY_LEN]>)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |message| CryptoError::KeyText {
                line: i + 1,
                message,
            };
            let (id, key) = match line.split_once(':') {
                Some((id, key)) => (
                    id.trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|id| *id > 0)
                        .ok_or(bad("key id must be 1-255"))?,
                    key.trim(),
                ),
                None => (1, line),
            };
            let key = decode_key(key).ok_or(bad("not 32 bytes in hex or base64"))?;
            if masters.iter().any(|(other, _)| *other == id) {
                return Err(bad("key id used twice"));
            }
            masters.push((id, key));
        }
        Keys::from_masters(masters)
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> u8 {
        self.slots.last().map_or(0, |s| s.id)
    }

    /// Encrypt and authenticate `plaintext`, bound to `aad` (see [`record_aad`]).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let slot = self.slots.last().ok_or(CryptoError::Format)?;
        let nonce = random::<NONCE_LEN>()?;
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&[FORMAT, slot.id]);
        out.extend_from_slice(nonce.as_ref());
        let full_aad = [&out[..2], aad].concat();
        let ct = slot
            .aead
            .encrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Format)?;
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Check and decrypt a sealed record; any change to it or to `aad` refuses it.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != FORMAT {
            return Err(CryptoError::Format);
        }
        let id = sealed[1];
        let slot = self
            .slots
            .iter()
            .find(|s| s.id == id)
            .ok_or(CryptoError::UnknownKey(id))?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[2..HEADER_LEN]);
        let full_aad = [&sealed[..2], aad].concat();
        slot.aead
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[HEADER_LEN..],
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Open)
    }

    /// Whether a stored value was sealed with an older key (for a re-encryption pass).
    pub fn needs_reseal(&self, sealed: &[u8]) -> bool {
        sealed.get(1) != Some(&self.current_id())
    }

    /// The keyed pseudonym of a client: HMAC-SHA256 of the BSN, first 16 bytes, hex. Stable
    /// for a key; without the key it cannot be computed or reversed by trying all BSNs.
    pub fn pseudonym(&self, bsn: &Bsn) -> ClientPseudonym {
        let mut mac = self.pseudonym.clone();
        mac.update(b"bsn\0");
        mac.update(bsn.as_str().as_bytes());
        let tag = mac.finalize().into_bytes();
        ClientPseudonym(hex::encode(&tag[..PSEUDONYM_BYTES]))
    }
}

/// The associated data of a stored record: its tree and key, length-prefixed so that no two
/// (tree, key) pairs give the same bytes.
pub fn record_aad(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + tree.len() + key.len());
    out.extend_from_slice(&(tree.len() as u32).to_be_bytes());
    out.extend_from_slice(tree.as_bytes());
    out.extend_from_slice(key);
    out
}

/// A client's keyed pseudonym: 32 lowercase hex digits. It can only be made from a BSN by
/// [`Keys::pseudonym`] or parsed from its own form, so a plain BSN (nine digits) never passes
/// for one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ClientPseudonym(String);

impl ClientPseudonym {
    /// A pseudonym in its written form (e.g. from a query): exactly 32 lowercase hex digits.
    pub fn parse(s: &str) -> Option<ClientPseudonym> {
        (s.len() == 2 * PSEUDONYM_BYTES
            && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| ClientPseudonym(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientPseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ClientPseudonym {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClientPseudonym::parse(&s)
            .ok_or_else(|| serde::de::Error::custom("not a client pseudonym (32 hex digits)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn bsn(s: &str) -> Bsn {
        Bsn::parse(s).expect("bsn")
    }

    #[test]
    fn round_trip() {
        let keys = Keys::generate().expect("keys");
        let aad = record_aad("berichten", &7u64.to_be_bytes());
        for msg in [&b""[..], b"x", &[0u8; 10_000][..]] {
            let sealed = keys.seal(&aad, msg).expect("seal");
            assert_eq!(sealed.len(), msg.len() + HEADER_LEN + TAG_LEN);
            assert_eq!(keys.open(&aad, &sealed).expect("open"), msg);
        }
        // A fresh nonce every time: the same record seals differently.
        let a = keys.seal(&aad, b"same").expect("seal");
        let b = keys.seal(&aad, b"same").expect("seal");
        assert_ne!(a, b);
    }

    #[test]
    fn tampering_is_detected_everywhere() {
        let keys = Keys::generate().expect("keys");
        let aad = record_aad("berichten", b"k");
        let sealed = keys
            .seal(&aad, b"BSN 999990019 en zorgdetails")
            .expect("seal");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                keys.open(&aad, &bad).is_err(),
                "flip at byte {i} not detected"
            );
        }
        assert!(matches!(
            keys.open(&aad, &sealed[..sealed.len() - 1]),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            keys.open(&aad, &sealed[..10]),
            Err(CryptoError::Format)
        ));
    }

    #[test]
    fn wrong_aad_and_wrong_key_refuse() {
        let keys = Keys::generate().expect("keys");
        let sealed = keys
            .seal(&record_aad("berichten", b"1"), b"data")
            .expect("seal");
        assert!(matches!(
            keys.open(&record_aad("berichten", b"2"), &sealed),
            Err(CryptoError::Open)
        ));
        assert!(keys.open(&record_aad("inbox", b"1"), &sealed).is_err());
        // Length prefix: ("ab", "c") and ("a", "bc") differ.
        assert_ne!(record_aad("ab", b"c"), record_aad("a", b"bc"));
        let other = Keys::generate().expect("keys");
        assert!(matches!(
            other.open(&record_aad("berichten", b"1"), &sealed),
            Err(CryptoError::Open)
        ));
    }

    #[test]
    fn rotation_keeps_old_records_and_pseudonyms() {
        let old = Keys::from_text(K1).expect("k1");
        let aad = record_aad("t", b"k");
        let sealed_old = old.seal(&aad, b"old").expect("seal");
        let k2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
        let both = Keys::from_text(&format!("# rotated\n1:{K1}\n2:{k2}\n")).expect("both");
        assert_eq!(both.current_id(), 2);
        assert_eq!(both.open(&aad, &sealed_old).expect("opens"), b"old");
        assert!(both.needs_reseal(&sealed_old));
        let sealed_new = both.seal(&aad, b"new").expect("seal");
        assert_eq!(sealed_new[1], 2);
        assert!(matches!(
            old.open(&aad, &sealed_new),
            Err(CryptoError::UnknownKey(2))
        ));
        assert_eq!(
            old.pseudonym(&bsn("999990019")),
            both.pseudonym(&bsn("999990019"))
        );
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_not_a_bsn() {
        let keys = Keys::from_text(K1).expect("keys");
        let p = keys.pseudonym(&bsn("999990019"));
        assert_eq!(
            p,
            Keys::from_text(K1)
                .expect("keys")
                .pseudonym(&bsn("999990019"))
        );
        assert_eq!(p.as_str().len(), 32);
        assert!(!p.as_str().contains("999990019"));
        assert_ne!(p, keys.pseudonym(&bsn("999990020")));
        assert_ne!(
            p,
            Keys::generate().expect("keys").pseudonym(&bsn("999990019"))
        );
        assert_eq!(ClientPseudonym::parse(p.as_str()), Some(p.clone()));
        assert_eq!(ClientPseudonym::parse("999990019"), None);
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(
            serde_json::from_str::<ClientPseudonym>(&json).expect("back"),
            p
        );
        assert!(serde_json::from_str::<ClientPseudonym>("\"999990019\"").is_err());
    }

    #[test]
    fn key_text_forms_and_errors_hold_no_material() {
        use base64::Engine;
        let raw = hex::decode(K1).expect("hex");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        let a = Keys::from_text(K1).expect("hex");
        let b = Keys::from_text(&format!("{b64}\n")).expect("base64");
        assert_eq!(
            a.pseudonym(&bsn("999990019")),
            b.pseudonym(&bsn("999990019"))
        );
        let short = &K1[..60];
        for bad in [
            String::new(),
            short.to_string(),
            format!("0:{K1}"),
            format!("{K1}\n1:{K1}"),
        ] {
            let e = Keys::from_text(&bad).expect_err("refused").to_string();
            assert!(!e.contains(short), "error leaks key text: {e}");
        }
        let dbg = format!("{a:?}");
        assert!(
            dbg.contains("redacted") && !dbg.contains("0001020304"),
            "{dbg}"
        );
        let text = Keys::generate_text().expect("text");
        assert!(Keys::from_text(&text).is_ok());
    }

    #[test]
    fn key_files_are_created_private_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("sluis.key");
        Keys::create_file(&path).expect("create");
        assert!(Keys::create_file(&path).is_err(), "overwrote a key");
        let keys = Keys::load(&path).expect("load");
        assert_eq!(keys.current_id(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(Keys::load(&path).is_err(), "world-readable key accepted");
        }
    }
}
