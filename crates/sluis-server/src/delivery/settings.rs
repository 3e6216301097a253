//! `[delivery]` in the configuration: per party, optionally, the endpoint Sluis pushes its
//! messages to (`docs/delivery.md`), and the retry policy shared by all of them.

use serde::Deserialize;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// After this many failed attempts a delivery becomes a dead letter (`mislukt`).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// … or once it has been tried this long (since its first attempt or its re-drive).
    #[serde(default = "default_max_hours")]
    pub max_hours: u64,
    /// The first wait after a failure; it doubles with every further failure.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// The longest wait between two attempts (a `Retry-After` may ask for longer).
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Deliveries in flight at once per party, each to another client (lane).
    #[serde(default = "default_concurrency")]
    pub concurrency_per_party: usize,
    /// The parties with an endpoint; the others keep polling their inbox.
    #[serde(default)]
    pub endpoints: Vec<DeliveryEndpoint>,
    /// Alerts to the operator (webhook, e-mail).
    #[serde(default)]
    pub alerts: AlertSettings,
}

/// `[delivery.alerts]`: when and where to alert (`docs/delivery.md`, "Alerts").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// POSTed a JSON alert; `https://`, or `http://` to a loopback address.
    #[serde(default)]
    pub webhook: Option<String>,
    /// The CA (PEM) of an `https` webhook (its only trust anchor).
    #[serde(default)]
    pub webhook_ca: Option<PathBuf>,
    #[serde(default)]
    pub email: Option<EmailSettings>,
    /// A party's oldest undelivered message older than this: an alert (once, until it is
    /// under it again).
    #[serde(default = "default_oldest_seconds")]
    pub oldest_seconds: u64,
    /// A party's rejection rate over its last `window_messages` messages this many
    /// percentage points above its usual rate: an alert (once, until it is back).
    #[serde(default = "default_jump")]
    pub rejection_jump_pct: u32,
    #[serde(default = "default_window")]
    pub window_messages: u64,
    /// How often the backlog is looked at.
    #[serde(default = "default_check_ms")]
    pub check_ms: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            webhook: None,
            webhook_ca: None,
            email: None,
            oldest_seconds: default_oldest_seconds(),
            rejection_jump_pct: default_jump(),
            window_messages: default_window(),
            check_ms: default_check_ms(),
        }
    }
}

fn default_oldest_seconds() -> u64 {
    3_600
}
fn default_jump() -> u32 {
    25
}
fn default_window() -> u64 {
    50
}
fn default_check_ms() -> u64 {
    5_000
}

/// Alerts by e-mail (SMTP).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `host:port` of the SMTP server.
    pub smtp: String,
    pub from: String,
    pub to: Vec<String>,
    /// `starttls` (default), `tls`, or `none` (only to a loopback address).
    #[serde(default = "default_smtp_tls")]
    pub tls: String,
    /// The CA (PEM) of the SMTP server (default: the platform's roots).
    #[serde(default)]
    pub ca: Option<PathBuf>,
}

fn default_smtp_tls() -> String {
    "starttls".into()
}

fn loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl AlertSettings {
    fn check(&self) -> Result<(), String> {
        if let Some(w) = &self.webhook {
            let url =
                reqwest::Url::parse(w).map_err(|e| format!("delivery.alerts.webhook: {e}"))?;
            match url.scheme() {
                "https" if self.webhook_ca.is_some() => {}
                "https" => {
                    return Err(
                        "delivery.alerts.webhook: https vraagt webhook_ca (de CA van de webhook)"
                            .into(),
                    )
                }
                "http" if loopback(url.host_str().unwrap_or_default()) => {}
                _ => {
                    return Err(
                        "delivery.alerts.webhook: https, of gewoon http naar een loopback-adres"
                            .into(),
                    )
                }
            }
        }
        if let Some(e) = &self.email {
            let (host, port) = e
                .smtp
                .rsplit_once(':')
                .filter(|(_, p)| p.parse::<u16>().is_ok())
                .ok_or("delivery.alerts.email.smtp: host:poort")?;
            match e.tls.as_str() {
                "starttls" | "tls" => {}
                "none" if loopback(host) => {}
                _ => {
                    return Err(format!(
                        "delivery.alerts.email.tls: starttls of tls (none alleen naar een loopback-adres, niet {host}:{port})"
                    ))
                }
            }
            for a in std::iter::once(&e.from).chain(&e.to) {
                a.parse::<lettre::Address>()
                    .map_err(|err| format!("delivery.alerts.email: adres {a:?}: {err}"))?;
            }
            if e.to.is_empty() {
                return Err("delivery.alerts.email.to: minstens een adres".into());
            }
        }
        if self.window_messages == 0 || self.check_ms < 100 || self.rejection_jump_pct == 0 {
            return Err(
                "delivery.alerts: window_messages en rejection_jump_pct boven 0, check_ms minstens 100"
                    .into(),
            );
        }
        Ok(())
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            max_attempts: default_max_attempts(),
            max_hours: default_max_hours(),
            backoff_ms: default_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
            concurrency_per_party: default_concurrency(),
            endpoints: Vec::new(),
            alerts: AlertSettings::default(),
        }
    }
}

fn default_max_attempts() -> u32 {
    12
}
fn default_max_hours() -> u64 {
    48
}
fn default_backoff_ms() -> u64 {
    1_000
}
fn default_max_backoff_ms() -> u64 {
    15 * 60 * 1_000
}
fn default_concurrency() -> usize {
    32
}
fn default_timeout_ms() -> u64 {
    10_000
}

/// One party's endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryEndpoint {
    /// AGB-code or gemeentecode of a configured party.
    pub party: String,
    /// `https://…`; plain `http://` only to a loopback address (tests, the demo).
    pub url: String,
    /// Sluis's client certificate (PEM, with its chain) and key for mutual TLS.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// The CA (PEM) the party's server certificate must chain to.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Longest wait for one attempt (connect, send, answer).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

impl DeliveryEndpoint {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Whether the URL is plain HTTP (checked: then to a loopback address only).
    pub fn plain(&self) -> bool {
        self.url.starts_with("http://")
    }

    /// The TLS of this endpoint: the party's CA as the only root, Sluis's certificate and key
    /// as client identity (plain http: no roots, no identity). The error names the file.
    pub fn tls(&self) -> Result<rustls::ClientConfig, String> {
        let identity = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some(super::tls::Identity { cert, key }),
            _ => None,
        };
        super::tls::client_config(self.ca.as_deref(), identity)
    }
}

impl DeliverySettings {
    /// Check the section; `knows` tells whether a party is configured. The error is for the
    /// operator, in the style of the other configuration errors.
    pub fn check(&self, knows: impl Fn(&str) -> bool) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err("delivery.max_attempts: minstens 1".into());
        }
        if self.max_hours == 0 {
            return Err("delivery.max_hours: minstens 1".into());
        }
        if self.backoff_ms == 0 || self.max_backoff_ms < self.backoff_ms {
            return Err(
                "delivery.backoff_ms: boven 0, en max_backoff_ms niet kleiner dan backoff_ms"
                    .into(),
            );
        }
        if self.concurrency_per_party == 0 {
            return Err("delivery.concurrency_per_party: minstens 1".into());
        }
        self.alerts.check()?;
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.endpoints {
            let at = |m: &str| format!("delivery.endpoints voor {:?}: {m}", e.party);
            if !knows(&e.party) {
                return Err(at("onbekende partij (geen aanbieder of de gemeente)"));
            }
            if !seen.insert(e.party.as_str()) {
                return Err(at("partij staat er twee keer in"));
            }
            if e.timeout_ms < 100 {
                return Err(at("timeout_ms: minstens 100"));
            }
            let url = reqwest::Url::parse(&e.url).map_err(|err| at(&format!("url: {err}")))?;
            let host = url.host_str().unwrap_or_default();
            match url.scheme() {
                "https" => {
                    if e.client_cert.is_none() || e.client_key.is_none() || e.ca.is_none() {
                        return Err(at(
                            "https vraagt client_cert en client_key (mutual TLS) en ca (de CA van de partij)",
                        ));
                    }
                    e.tls().map_err(|err| at(&err))?;
                }
                "http" => {
                    if !loopback(host) {
                        return Err(at(&format!(
                            "url: gewoon http alleen naar een loopback-adres, niet {host:?}; gebruik https"
                        )));
                    }
                    if e.client_cert.is_some() || e.client_key.is_some() || e.ca.is_some() {
                        return Err(at("client_cert, client_key en ca horen bij https"));
                    }
                }
                other => return Err(at(&format!("url: schema {other:?}; https verwacht"))),
            }
        }
        Ok(())
    }

    /// The endpoint of a party, if it has one.
    pub fn endpoint(&self, party: &str) -> Option<&DeliveryEndpoint> {
        self.endpoints.iter().find(|e| e.party == party)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(endpoint: &str) -> Result<(), String> {
        let text = format!("[[endpoints]]\n{endpoint}\n");
        let s: DeliverySettings = toml::from_str(&text).map_err(|e| e.to_string())?;
        s.check(|p| p == "12345678" || p == "0599")
    }

    #[test]
    fn endpoints_are_checked_with_clear_errors() {
        assert_eq!(
            with("party = \"12345678\"\nurl = \"http://127.0.0.1:9000/in\""),
            Ok(())
        );
        assert!(with("party = \"0599\"\nurl = \"http://localhost:9000/in\"").is_ok());
        let err = |e: &str| with(e).expect_err("refused");
        assert!(err("party = \"99999999\"\nurl = \"http://127.0.0.1:1/\"").contains("onbekende"));
        assert!(err("party = \"12345678\"\nurl = \"http://example.org/in\"").contains("loopback"));
        assert!(err("party = \"12345678\"\nurl = \"https://example.org/in\"").contains("mutual"));
        assert!(err("party = \"12345678\"\nurl = \"ftp://example.org/in\"").contains("schema"));
        assert!(err("party = \"12345678\"\nurl = \"geen url\"").contains("url"));
        assert!(err(
            "party = \"12345678\"\nurl = \"https://example.org/in\"\nclient_cert = \"/nergens.pem\"\nclient_key = \"/nergens.key\"\nca = \"/nergens-ca.pem\""
        )
        .contains("/nergens"));
        assert!(
            err("party = \"12345678\"\nurl = \"http://127.0.0.1:1/\"\ntimeout_ms = 5")
                .contains("timeout_ms")
        );
        let twice = "[[endpoints]]\nparty = \"0599\"\nurl = \"http://127.0.0.1:1/\"\n[[endpoints]]\nparty = \"0599\"\nurl = \"http://127.0.0.1:2/\"\n";
        let s: DeliverySettings = toml::from_str(twice).expect("parses");
        assert!(s.check(|_| true).expect_err("twice").contains("twee keer"));
        let zero: DeliverySettings = toml::from_str("max_attempts = 0").expect("parses");
        assert!(zero.check(|_| true).is_err());
    }
}
