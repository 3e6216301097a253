//! Sessions of the web pages: a token (or client certificate) presented once at sign-in becomes
//! a random session id in a cookie (`HttpOnly`, `SameSite=Strict`, `Secure` unless the server
//! speaks plain HTTP on loopback), kept here in memory with the principal, a CSRF token bound to
//! it, and two expiries: idle and absolute. In memory on purpose: a restart signs everybody out,
//! and no session secret is ever on disk. The store keeps only a SHA-256 of each session id, so a
//! memory dump of the map does not hand out live cookies.

use crate::security::access::Principal;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The session cookie.
pub const COOKIE: &str = "sluis_sessie";
/// The cookie that binds the sign-in form's CSRF token before there is a session.
pub const SIGNIN_COOKIE: &str = "sluis_aanmelden";
/// At most this many live sessions; the oldest are dropped beyond it.
const MAX_SESSIONS: usize = 10_000;

/// The `[security.sessions]` settings.
#[derive(Debug, Clone, Copy, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// A session not used for this long ends (default 30 minutes).
    #[serde(default = "default_idle")]
    pub idle_secs: u64,
    /// A session ends this long after sign-in, used or not (default 8 hours).
    #[serde(default = "default_max")]
    pub max_secs: u64,
}

fn default_idle() -> u64 {
    30 * 60
}

fn default_max() -> u64 {
    8 * 60 * 60
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_secs: default_idle(),
            max_secs: default_max(),
        }
    }
}

/// One signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    /// The synchronizer token every form of this session carries.
    pub csrf: String,
    created: Instant,
    last_seen: Instant,
}

impl Session {
    /// A session that is not stored anywhere: to render a page outside a request (the
    /// benchmark). Its CSRF token opens nothing.
    pub fn preview(principal: Principal) -> Session {
        let now = Instant::now();
        Session {
            principal,
            csrf: String::new(),
            created: now,
            last_seen: now,
        }
    }
}

pub struct Sessions {
    live: Mutex<HashMap<[u8; 32], Session>>,
    idle: Duration,
    max: Duration,
    /// Whether cookies carry `Secure` (not on plain HTTP on loopback: the demo).
    pub secure: bool,
}

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> Result<String, getrandom::Error> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// Equal strings, compared in constant time (CSRF tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Sessions {
    pub fn new(settings: SessionSettings, secure: bool) -> Sessions {
        Sessions {
            live: Mutex::new(HashMap::new()),
            idle: Duration::from_secs(settings.idle_secs.max(1)),
            max: Duration::from_secs(settings.max_secs.max(1)),
            secure,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Begin a session: its id (for the cookie only) and its CSRF token.
    pub fn begin(&self, principal: Principal) -> Result<(String, String), getrandom::Error> {
        let id = random_token()?;
        let csrf = random_token()?;
        let now = Instant::now();
        let mut map = self.map();
        map.retain(|_, s| self.alive(s, now));
        if map.len() >= MAX_SESSIONS {
            // Full: the session used longest ago makes room.
            if let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_seen).map(|(k, _)| *k) {
                map.remove(&oldest);
            }
        }
        map.insert(
            digest(&id),
            Session {
                principal,
                csrf: csrf.clone(),
                created: now,
                last_seen: now,
            },
        );
        Ok((id, csrf))
    }

    fn alive(&self, s: &Session, now: Instant) -> bool {
        now.duration_since(s.last_seen) < self.idle && now.duration_since(s.created) < self.max
    }

    /// The live session of a cookie value, touched (its idle time starts anew); an expired one
    /// is removed and gives `None`.
    pub fn get(&self, id: &str) -> Option<Session> {
        let key = digest(id);
        let now = Instant::now();
        let mut map = self.map();
        let alive = map.get(&key).map(|s| self.alive(s, now))?;
        if !alive {
            map.remove(&key);
            return None;
        }
        let s = map.get_mut(&key)?;
        s.last_seen = now;
        Some(s.clone())
    }

    /// End a session (sign-out).
    pub fn end(&self, id: &str) {
        self.map().remove(&digest(id));
    }

    /// Live sessions (for tests and metrics).
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.map().values().filter(|s| self.alive(s, now)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `Set-Cookie` value of a session (or of the sign-in binding).
    pub fn cookie(&self, name: &str, value: &str) -> String {
        format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Strict{}",
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes a cookie.
    pub fn removal(&self, name: &str) -> String {
        format!(
            "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            if self.secure { "; Secure" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::access::{Role, Scope};

    fn principal() -> Principal {
        Principal::new("token:t", Role::Operator, &Scope::default()).expect("principal")
    }

    #[test]
    fn a_session_lives_until_idle_and_ends_at_sign_out() {
        let s = Sessions::new(SessionSettings::default(), true);
        let (id, csrf) = s.begin(principal()).expect("random");
        assert_eq!(id.len(), 43);
        let got = s.get(&id).expect("live");
        assert_eq!(got.csrf, csrf);
        assert!(s.get("another").is_none());
        s.end(&id);
        assert!(s.get(&id).is_none());
        assert!(s.cookie(COOKIE, "x").contains("; Secure"));
        assert!(s.cookie(COOKIE, "x").contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn an_idle_session_expires() {
        let s = Sessions::new(
            SessionSettings {
                idle_secs: 1,
                max_secs: 60,
            },
            false,
        );
        let (id, _) = s.begin(principal()).expect("random");
        std::thread::sleep(Duration::from_millis(1100));
        assert!(s.get(&id).is_none());
        assert!(!s.cookie(COOKIE, "x").contains("Secure"));
    }

    #[test]
    fn csrf_tokens_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
