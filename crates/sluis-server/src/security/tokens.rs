//! Bearer tokens: `sluis_<id>_<secret>`, `id` 16 hex digits (public: it names the token in the
//! audit and in `revoke`), `secret` 64 hex digits (32 random bytes). Shown once at creation;
//! stored only as SHA-256 of the whole token.
//!
//! A plain SHA-256 suffices because the secret is 256 random bits: there is no dictionary to
//! try, so a slow password hash (argon2, bcrypt) would add cost per request and no safety. The
//! stored hash is compared in constant time.
//!
//! Tokens declared in the configuration ([`ConfiguredToken`]) live in memory only: removing one
//! from the configuration removes it. Their hash is given, or, for ids starting with `demo-`
//! only, the demo secret itself.

use crate::security::access::{Principal, Role, Scope, ScopeError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use zeroize::Zeroizing;

const PREFIX: &str = "sluis_";
const ID_HEX: usize = 16;
const SECRET_HEX: usize = 64;

/// A token's public id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(String);

impl TokenId {
    /// Ids: 1–64 characters of `a-z`, `0-9`, `-` (random ones are 16 hex digits).
    pub fn parse(s: &str) -> Option<TokenId> {
        ((1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then(|| TokenId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The actor name in the audit.
    pub fn actor(&self) -> String {
        format!("token:{}", self.0)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The whole token as given to its holder once. `Debug` does not show it.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a token comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Created with `sluis token create` / the API; in the store.
    Store,
    /// Declared in the configuration.
    Config,
}

/// A token as stored (and, without its hash, as listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: TokenId,
    pub role: Role,
    pub scope: Scope,
    pub label: String,
    /// RFC 3339 UTC.
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
    pub source: Source,
    /// SHA-256 (hex) of the whole token.
    sha256: String,
}

/// What `list` shows: everything but the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub role: Role,
    pub scope: Scope,
    pub label: String,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
    pub source: Source,
}

impl From<&TokenRecord> for TokenInfo {
    fn from(r: &TokenRecord) -> Self {
        TokenInfo {
            id: r.id.clone(),
            role: r.role,
            scope: r.scope.clone(),
            label: r.label.clone(),
            created: r.created.clone(),
            expires: r.expires.clone(),
            revoked: r.revoked.clone(),
            source: r.source,
        }
    }
}

/// A token declared in `[[security.tokens]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredToken {
    /// The `<id>` of `sluis_<id>_<secret>`; `demo-…` marks a demo token.
    pub id: String,
    pub role: Role,
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub gemeente: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub label: String,
    /// SHA-256 (hex) of the whole token (`sluis token hash` prints it).
    #[serde(default)]
    pub sha256: Option<String>,
    /// The whole token in the clear: only for ids starting with `demo-`.
    #[serde(default)]
    pub demo_secret: Option<String>,
}

/// Why a token was not accepted. The HTTP answer is 401 for all of them (say no more than
/// that to the caller); the variant is for the audit and the logs. Never holds the secret.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("not a Sluis token")]
    Malformed,
    #[error("unknown token or wrong secret")]
    Invalid,
    #[error("token {0} is revoked")]
    Revoked(TokenId),
    #[error("token {0} has expired")]
    Expired(TokenId),
    #[error("token {0}: {1}")]
    Scope(TokenId, ScopeError),
    #[error("configured token {id}: {message}")]
    Config { id: String, message: String },
    #[error("token store: {0}")]
    Store(#[from] sled::Error),
    #[error("token store: record {0} cannot be read")]
    Corrupt(String),
    #[error("no randomness from the operating system")]
    Random,
}

/// The tokens: a sled tree (key: id) plus those declared in the configuration.
#[derive(Clone)]
pub struct TokenStore {
    tree: sled::Tree,
    configured: Vec<TokenRecord>,
}

fn stamp(t: OffsetDateTime) -> String {
    crate::security::audit::timestamp(t)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Split `sluis_<id>_<secret>`; the id is checked, the secret only for its form.
fn split(token: &str) -> Option<(TokenId, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id = TokenId::parse(id)?;
    (!secret.is_empty() && secret.len() <= 256).then_some((id, secret))
}

/// The `sha256` to put in the configuration for a token.
pub fn token_hash(token: &str) -> Option<String> {
    split(token).map(|_| sha256_hex(token))
}

impl TokenStore {
    /// Use `tree` (the integrator opens `db.open_tree("tokens")`) and the configured tokens.
    pub fn new(tree: sled::Tree, configured: &[ConfiguredToken]) -> Result<TokenStore, TokenError> {
        let mut out = Vec::with_capacity(configured.len());
        for c in configured {
            let err = |message: &str| TokenError::Config {
                id: c.id.clone(),
                message: message.to_string(),
            };
            let id = TokenId::parse(&c.id).ok_or_else(|| err("id: 1-64 of a-z, 0-9, '-'"))?;
            let sha256 = match (&c.sha256, &c.demo_secret) {
                (Some(h), None) => {
                    if h.len() != 64 || hex::decode(h).is_err() {
                        return Err(err("sha256 must be 64 hex digits"));
                    }
                    h.to_ascii_lowercase()
                }
                (None, Some(s)) => {
                    if !c.id.starts_with("demo-") {
                        return Err(err(
                            "a secret in the clear only for ids starting with demo-",
                        ));
                    }
                    if split(s).map(|(i, _)| i) != Some(id.clone()) {
                        return Err(err("demo_secret must be sluis_<id>_<secret> with this id"));
                    }
                    sha256_hex(s)
                }
                _ => return Err(err("give exactly one of sha256 and demo_secret")),
            };
            let scope = Scope {
                party: c.party.clone(),
                gemeente: c.gemeente.clone(),
                team: c.team.clone(),
            };
            Principal::new(id.actor(), c.role, &scope)
                .map_err(|e| TokenError::Scope(id.clone(), e))?;
            if out.iter().any(|r: &TokenRecord| r.id == id) {
                return Err(err("declared twice"));
            }
            out.push(TokenRecord {
                id,
                role: c.role,
                scope,
                label: c.label.clone(),
                created: String::new(),
                expires: None,
                revoked: None,
                source: Source::Config,
                sha256,
            });
        }
        Ok(TokenStore {
            tree,
            configured: out,
        })
    }

    /// Whether any configured token is a demo token (the server should say so loudly).
    pub fn has_demo_tokens(&self) -> bool {
        self.configured.iter().any(|r| r.id.0.starts_with("demo-"))
    }

    /// Create a token; the secret is returned once and never stored.
    pub fn create(
        &self,
        role: Role,
        scope: Scope,
        label: &str,
        expires: Option<OffsetDateTime>,
    ) -> Result<(TokenId, Secret), TokenError> {
        let mut id_bytes = [0u8; ID_HEX / 2];
        let mut secret = Zeroizing::new([0u8; SECRET_HEX / 2]);
        getrandom::fill(&mut id_bytes).map_err(|_| TokenError::Random)?;
        getrandom::fill(secret.as_mut()).map_err(|_| TokenError::Random)?;
        let id = TokenId(hex::encode(id_bytes));
        Principal::new(id.actor(), role, &scope).map_err(|e| TokenError::Scope(id.clone(), e))?;
        let token = Zeroizing::new(format!("{PREFIX}{id}_{}", hex::encode(secret.as_ref())));
        let record = TokenRecord {
            id: id.clone(),
            role,
            scope,
            label: label.to_string(),
            created: stamp(OffsetDateTime::now_utc()),
            expires: expires.map(stamp),
            revoked: None,
            source: Source::Store,
            sha256: sha256_hex(&token),
        };
        let value = serde_json::to_vec(&record).map_err(|_| TokenError::Corrupt(id.to_string()))?;
        // A clash of 64 random bits is not expected; refuse rather than overwrite.
        self.tree
            .compare_and_swap(id.as_str(), None as Option<&[u8]>, Some(value))?
            .map_err(|_| TokenError::Corrupt(id.to_string()))?;
        Ok((id, Secret(token)))
    }

    fn find(&self, id: &TokenId) -> Result<Option<TokenRecord>, TokenError> {
        if let Some(r) = self.configured.iter().find(|r| &r.id == id) {
            return Ok(Some(r.clone()));
        }
        match self.tree.get(id.as_str())? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|_| TokenError::Corrupt(id.to_string())),
        }
    }

    /// The principal of a bearer token (the value after `Bearer `).
    pub fn authenticate(&self, token: &str) -> Result<Principal, TokenError> {
        self.authenticate_at(token, OffsetDateTime::now_utc())
    }

    pub fn authenticate_at(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Principal, TokenError> {
        let (id, _) = split(token).ok_or(TokenError::Malformed)?;
        let given = Sha256::digest(token.as_bytes());
        // Unknown ids are compared against a dummy hash, so both paths do the same work.
        let record = self.find(&id)?;
        let stored = record
            .as_ref()
            .and_then(|r| hex::decode(&r.sha256).ok())
            .unwrap_or_else(|| vec![0u8; 32]);
        let equal: bool = given.as_slice().ct_eq(&stored).into();
        let record = match record {
            Some(r) if equal => r,
            _ => return Err(TokenError::Invalid),
        };
        if record.revoked.is_some() {
            return Err(TokenError::Revoked(id));
        }
        if record.expires.as_ref().is_some_and(|e| *e <= stamp(now)) {
            return Err(TokenError::Expired(id));
        }
        Principal::new(id.actor(), record.role, &record.scope).map_err(|e| TokenError::Scope(id, e))
    }

    /// Revoke a stored token (kept, marked, for the audit). `Ok(false)`: no such stored token;
    /// configured tokens are revoked by removing them from the configuration.
    pub fn revoke(&self, id: &TokenId) -> Result<bool, TokenError> {
        if self.configured.iter().any(|r| &r.id == id) {
            return Err(TokenError::Config {
                id: id.to_string(),
                message: "declared in the configuration: remove it there".into(),
            });
        }
        let now = stamp(OffsetDateTime::now_utc());
        let mut found = false;
        let mut corrupt = false;
        self.tree.fetch_and_update(id.as_str(), |old| {
            let old = old?;
            found = true;
            match serde_json::from_slice::<TokenRecord>(old) {
                Ok(mut r) => {
                    if r.revoked.is_none() {
                        r.revoked = Some(now.clone());
                    }
                    serde_json::to_vec(&r).ok().or_else(|| Some(old.to_vec()))
                }
                Err(_) => {
                    corrupt = true;
                    Some(old.to_vec())
                }
            }
        })?;
        if corrupt {
            return Err(TokenError::Corrupt(id.to_string()));
        }
        Ok(found)
    }

    /// Every token, configured ones first, then stored ones by id.
    pub fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let mut out: Vec<TokenInfo> = self.configured.iter().map(TokenInfo::from).collect();
        for item in self.tree.iter() {
            let (k, v) = item?;
            let r: TokenRecord = serde_json::from_slice(&v)
                .map_err(|_| TokenError::Corrupt(String::from_utf8_lossy(&k).into_owned()))?;
            out.push(TokenInfo::from(&r));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(configured: &[ConfiguredToken]) -> (TokenStore, sled::Db) {
        let db = sled::Config::new().temporary(true).open().expect("db");
        let tree = db.open_tree("tokens").expect("tree");
        (TokenStore::new(tree, configured).expect("store"), db)
    }

    fn aanbieder() -> Scope {
        Scope {
            party: Some("12345678".into()),
            ..Scope::default()
        }
    }

    #[test]
    fn create_authenticate_revoke_list() {
        let (s, _db) = store(&[]);
        let (id, secret) = s
            .create(Role::Aanbieder, aanbieder(), "De Brug, koppeling", None)
            .expect("create");
        let token = secret.expose().to_string();
        assert!(token.starts_with(&format!("sluis_{id}_")));
        assert_eq!(token.len(), 6 + 16 + 1 + 64);
        assert!(!format!("{secret:?}").contains(&token[23..]));
        let p = s.authenticate(&token).expect("valid");
        assert_eq!(p.role, Role::Aanbieder);
        assert_eq!(p.party.as_deref(), Some("12345678"));
        assert_eq!(p.actor, format!("token:{id}"));
        // Only the hash is stored.
        let raw = s.tree.get(id.as_str()).expect("get").expect("there");
        assert!(!String::from_utf8_lossy(&raw).contains(&token[23..]));
        // A wrong secret with a right id, and a made-up token.
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push(if token.ends_with('0') { '1' } else { '0' });
        assert!(matches!(s.authenticate(&wrong), Err(TokenError::Invalid)));
        assert!(matches!(
            s.authenticate("sluis_0123456789abcdef_00"),
            Err(TokenError::Invalid)
        ));
        for bad in ["", "Bearer x", "sluis_", "sluis_ABC_x", "sluis_abc_"] {
            assert!(
                matches!(s.authenticate(bad), Err(TokenError::Malformed)),
                "{bad}"
            );
        }
        let listed = s.list().expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].label, "De Brug, koppeling");
        assert!(s.revoke(&id).expect("revoke"));
        assert!(matches!(
            s.authenticate(&token),
            Err(TokenError::Revoked(_))
        ));
        assert!(s.list().expect("list")[0].revoked.is_some());
        assert!(!s
            .revoke(&TokenId::parse("ffffffffffffffff").expect("id"))
            .expect("no such"));
    }

    #[test]
    fn expiry_and_scope() {
        let (s, _db) = store(&[]);
        let now = OffsetDateTime::now_utc();
        let (_, secret) = s
            .create(
                Role::Contractmanager,
                Scope {
                    gemeente: Some("0599".into()),
                    ..Scope::default()
                },
                "cm",
                Some(now + time::Duration::hours(1)),
            )
            .expect("create");
        assert!(s.authenticate_at(secret.expose(), now).is_ok());
        assert!(matches!(
            s.authenticate_at(secret.expose(), now + time::Duration::hours(2)),
            Err(TokenError::Expired(_))
        ));
        assert!(matches!(
            s.create(Role::Aanbieder, Scope::default(), "x", None),
            Err(TokenError::Scope(..))
        ));
    }

    #[test]
    fn configured_and_demo_tokens() {
        let demo =
            "sluis_demo-brug_0000000000000000000000000000000000000000000000000000000000000001";
        let prod =
            "sluis_backoffice_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
        let configured = vec![
            ConfiguredToken {
                id: "demo-brug".into(),
                role: Role::Aanbieder,
                party: Some("12345678".into()),
                gemeente: None,
                team: None,
                label: "demo".into(),
                sha256: None,
                demo_secret: Some(demo.into()),
            },
            ConfiguredToken {
                id: "backoffice".into(),
                role: Role::Gemeente,
                party: None,
                gemeente: Some("0599".into()),
                team: None,
                label: String::new(),
                sha256: token_hash(prod),
                demo_secret: None,
            },
        ];
        let (s, _db) = store(&configured);
        assert!(s.has_demo_tokens());
        assert_eq!(
            s.authenticate(demo).expect("demo").party.as_deref(),
            Some("12345678")
        );
        assert_eq!(s.authenticate(prod).expect("prod").role, Role::Gemeente);
        assert!(s
            .revoke(&TokenId::parse("backoffice").expect("id"))
            .is_err());
        assert_eq!(s.list().expect("list").len(), 2);
        // A clear secret without the demo- mark, both or neither, a wrong scope: refused.
        let db = sled::Config::new().temporary(true).open().expect("db");
        let tree = db.open_tree("t").expect("tree");
        let mut bad = configured[1].clone();
        bad.sha256 = None;
        bad.demo_secret = Some(prod.into());
        assert!(TokenStore::new(tree.clone(), &[bad.clone()]).is_err());
        bad.sha256 = token_hash(prod);
        assert!(TokenStore::new(tree.clone(), &[bad]).is_err());
        let mut bad = configured[0].clone();
        bad.party = None;
        let e = TokenStore::new(tree.clone(), &[bad])
            .err()
            .expect("refused")
            .to_string();
        assert!(!e.contains("0000000001"), "{e}");
        let mut bad = configured[0].clone();
        bad.demo_secret = Some(prod.replace("backoffice", "demo-x"));
        assert!(TokenStore::new(tree, &[bad]).is_err(), "id must match");
    }
}
