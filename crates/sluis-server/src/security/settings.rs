//! The `[security]` section of the configuration. `config::Settings` gets a field
//! `#[serde(default)] pub security: SecuritySettings` at the wiring (docs/security.md).
//! Plain data: `SecuritySettings::check`, which turns it into a [`Listener`], is in `tls.rs`
//! (it builds the client certificate table there), so that `tls` reads `settings` and not back.

use crate::security::access::{Role, Scope};
use crate::security::tokens::ConfiguredToken;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    #[serde(default)]
    pub tls: TlsSettings,
    /// The master key file (docs/security.md, "Keys").
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Create the key file when it is missing: for the demo only; in production a missing key
    /// must stop the server (a new key cannot read the old data).
    #[serde(default)]
    pub create_key_if_missing: bool,
    /// Client certificates (mutual TLS) and whom they stand for.
    #[serde(default)]
    pub clients: Vec<ClientCertificate>,
    /// Tokens declared here rather than created with `sluis token create`.
    #[serde(default)]
    pub tokens: Vec<ConfiguredToken>,
    /// Requests per caller (party, token or certificate; the address when anonymous).
    #[serde(default)]
    pub rate_limit: RateLimitSettings,
    /// `POST /api/v1/validatie` per caller, on top of `rate_limit`: judging a message costs
    /// as much as taking it in, and a dry run needs no month-of-declaraties burst.
    #[serde(default = "default_validatie_rate_limit")]
    pub validatie_rate_limit: RateLimitSettings,
    /// Longest time a request may take, headers to answer (408 when the client is too slow to
    /// send, 503 when the answer would take longer).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_ms: u64,
    /// Requests in flight per source address; more at once: 429 (the health checks excepted).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight_per_source: usize,
    /// The web pages' sessions: idle and absolute expiry (`crate::web::session`).
    #[serde(default)]
    pub sessions: crate::web::session::SessionSettings,
}

fn default_validatie_rate_limit() -> RateLimitSettings {
    RateLimitSettings {
        per_second: 20,
        burst: 100,
    }
}

fn default_request_timeout() -> u64 {
    30_000
}

/// Generous: a provider's system posting a thousand messages in parallel is not refused; one
/// source holding thousands of slow requests is.
fn default_max_in_flight() -> usize {
    1024
}

/// A token bucket per caller: `per_second` on average, bursts up to `burst`. Beyond it: 429.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for RateLimitSettings {
    /// Generous: a provider's system posting a month of declaraties at once is not throttled;
    /// a runaway loop is.
    fn default() -> Self {
        RateLimitSettings {
            per_second: 5_000,
            burst: 10_000,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// Server certificate chain, PEM.
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// Its private key, PEM.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// CA (PEM, one or more) that client certificates must chain to; enables mutual TLS.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// Serve plain HTTP without a certificate: only on a loopback address (the demo).
    #[serde(default)]
    pub plain_http_allowed: bool,
}

/// One `[[security.clients]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientCertificate {
    /// SHA-256 of the certificate (DER), hex; colons and case do not matter.
    pub fingerprint: String,
    pub role: Role,
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub gemeente: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub label: String,
}

impl ClientCertificate {
    pub fn scope(&self) -> Scope {
        Scope {
            party: self.party.clone(),
            gemeente: self.gemeente.clone(),
            team: self.team.clone(),
        }
    }
}

/// How the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listener {
    /// TLS with these settings (`tls::server_config`).
    Tls(TlsSettings),
    /// Plain HTTP: allowed explicitly, on loopback.
    Plain,
}

/// Where the master key may be: a key inside the data directory travels with every copy of
/// the data (backups, a copied disk) and so protects nothing. Allowed only on a loopback
/// address (the demo), and then said loudly; elsewhere the start is refused.
pub fn check_key_place(key: &Path, data_dir: &Path, listen: SocketAddr) -> Result<(), String> {
    // Compare absolute paths where they exist, so `./data/../data/sluis.key` is found too.
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let key_abs = match (key.parent(), key.file_name()) {
        (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => abs(dir).join(name),
        _ => abs(key),
    };
    if !key_abs.starts_with(abs(data_dir)) {
        return Ok(());
    }
    if !listen.ip().is_loopback() {
        return Err(format!(
            "security.key_file: the key {} is inside the data directory; on {listen} set key_file to a file outside it (sluis key-create FILE)",
            key.display()
        ));
    }
    tracing::warn!(
        key = %key.display(),
        "DEMO SETUP: the master key is kept inside the data directory; every copy of the data carries its key. Never use this with real data"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn parse(text: &str) -> Result<SecuritySettings, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wrapper {
            security: SecuritySettings,
        }
        toml::from_str::<Wrapper>(text)
            .map(|w| w.security)
            .map_err(|e| e.to_string())
    }

    /// The example in docs/security.md parses and checks.
    #[test]
    fn the_documented_example_is_valid() {
        let doc = include_str!("../../../../docs/security.md");
        let start = doc.find("```toml\n[security]").expect("example") + 8;
        let end = start + doc[start..].find("```").expect("end");
        let s = parse(&doc[start..end]).expect("parses");
        assert_eq!(s.clients.len(), 1);
        assert_eq!(s.tokens.len(), 2);
        let listen: SocketAddr = "0.0.0.0:8443".parse().expect("addr");
        assert!(matches!(s.check(listen), Ok(Listener::Tls(_))));
    }

    #[test]
    fn plain_http_only_when_asked_and_on_loopback() {
        let lo: SocketAddr = "127.0.0.1:8080".parse().expect("addr");
        let all: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        let none = parse("[security]\n").expect("empty");
        assert!(none.check(lo).is_err(), "no TLS and no explicit plain HTTP");
        let plain = parse("[security.tls]\nplain_http_allowed = true\n").expect("plain");
        assert_eq!(plain.check(lo), Ok(Listener::Plain));
        assert!(plain.check(all).is_err());
        let half = parse("[security.tls]\ncert = \"c.pem\"\n").expect("half");
        assert!(half.check(lo).is_err());
        assert!(parse("[security]\nkey = \"x\"\n").is_err(), "unknown field");
        let clients_without_ca = parse(
            "[security.tls]\ncert = \"c\"\nkey = \"k\"\n[[security.clients]]\nfingerprint = \"00\"\nrole = \"operator\"\n",
        )
        .expect("parses");
        assert!(clients_without_ca.check(lo).is_err());
    }

    #[test]
    fn the_key_outside_the_data_directory_off_loopback() {
        let lo: SocketAddr = "127.0.0.1:8080".parse().expect("addr");
        let all: SocketAddr = "0.0.0.0:8443".parse().expect("addr");
        let data = Path::new("/srv/sluis/data");
        assert!(check_key_place(&data.join("sluis.key"), data, lo).is_ok());
        let e = check_key_place(&data.join("sluis.key"), data, all).expect_err("refused");
        assert!(e.contains("key_file"), "{e}");
        assert!(check_key_place(Path::new("/etc/sluis/sluis.key"), data, all).is_ok());
    }
}
