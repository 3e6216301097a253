//! Configuration: a TOML file (`config/sluis.toml` is the demo), overridden by `SLUIS_*`
//! environment variables, overridden by command-line flags.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use sluis_core::policy::{Contract, DeclaratieMode};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: Server,
    pub gemeente: Gemeente,
    #[serde(default)]
    pub declaratie: DeclaratieSettings,
    #[serde(default)]
    pub aanbieders: Vec<Aanbieder>,
    #[serde(default)]
    pub contracten: Vec<Contract>,
    /// The gebiedsteams and the postcode areas they serve.
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub indicatoren: IndicatorSettings,
    /// TLS, client certificates, tokens (`docs/security.md`).
    #[serde(default)]
    pub security: crate::security::settings::SecuritySettings,
    /// Push delivery to the parties' endpoints (`docs/delivery.md`).
    #[serde(default)]
    pub delivery: crate::delivery::settings::DeliverySettings,
    /// The retention policy (`docs/retention.md`); off unless switched on.
    #[serde(default)]
    pub bewaren: crate::gateway::retention::BewaarSettings,
}

/// A gebiedsteam and the postcode areas (the four digits of a Dutch postcode) it serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub naam: String,
    /// `"8011"` or a range `"8000-8099"`, inclusive.
    pub postcodes: Vec<String>,
}

impl Team {
    /// The inclusive ranges of the team's areas; `None` when an entry is not 4 digits or a
    /// range of them.
    fn ranges(&self) -> Option<Vec<(u16, u16)>> {
        let four = |s: &str| {
            (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        self.postcodes
            .iter()
            .map(|p| match p.split_once('-') {
                Some((a, b)) => Some((four(a.trim())?, four(b.trim())?)).filter(|(a, b)| a <= b),
                None => four(p.trim()).map(|a| (a, a)),
            })
            .collect()
    }

    /// Whether the postcode (e.g. `8011AB`) lies in one of the team's areas.
    pub fn serves(&self, postcode: &str) -> bool {
        let Some(area) = postcode.get(..4).and_then(|d| d.parse::<u16>().ok()) else {
            return false;
        };
        self.ranges()
            .unwrap_or_default()
            .iter()
            .any(|(a, b)| (*a..=*b).contains(&area))
    }
}

fn default_venster() -> u32 {
    12
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSettings {
    /// Herhaald beroep: a new toewijzing within this many months after a planned end counts.
    #[serde(default = "default_venster")]
    pub venster_maanden: u32,
}

impl Default for IndicatorSettings {
    fn default() -> Self {
        IndicatorSettings {
            venster_maanden: default_venster(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    #[serde(default = "default_commit_wait")]
    pub commit_wait_ms: u64,
    /// Messages are refused (503, `Retry-After`) while less than this is free in the data
    /// directory, so the store never runs into a full disk (`docs/store.md`).
    #[serde(default = "default_min_free_mb")]
    pub min_free_mb: u64,
}

fn default_min_free_mb() -> u64 {
    64
}

fn default_max_body() -> usize {
    10 * 1024 * 1024
}

fn default_commit_wait() -> u64 {
    2
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gemeente {
    /// CBS gemeentecode, four digits.
    pub code: String,
    pub naam: String,
    /// A newer CBS list of gemeentecodes (TR378) than the one built in, in the same format
    /// (`code;naam;geldig_van;geldig_tot`): municipalities merge every 1 January, and the list
    /// can be replaced without a new build.
    #[serde(default)]
    pub gemeentelijst: Option<PathBuf>,
}

impl Gemeente {
    /// The CBS list in use: the configured file, else the one built in.
    pub fn lijst(
        &self,
    ) -> Result<std::sync::Arc<sluis_core::standard::gemeenten::Gemeentelijst>, String> {
        use sluis_core::standard::gemeenten::Gemeentelijst;
        let Some(path) = &self.gemeentelijst else {
            return Ok(Gemeentelijst::embedded());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("gemeente.gemeentelijst {}: {e}", path.display()))?;
        Gemeentelijst::parse(&text)
            .map(std::sync::Arc::new)
            .map_err(|e| format!("gemeente.gemeentelijst {}: {e}", path.display()))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaratieSettings {
    #[serde(default)]
    pub mode: DeclaratieMode,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aanbieder {
    /// AGB-code, eight digits.
    pub agb: String,
    pub naam: String,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

/// What the command line may override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Read the file, then apply `SLUIS_LISTEN` / `SLUIS_DATA_DIR`, then the flags.
    pub fn load(path: &Path, flags: &Overrides) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut s = Settings::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        if let Ok(v) = std::env::var("SLUIS_LISTEN") {
            s.server.listen = v.parse().map_err(|e| ConfigError::Env {
                name: "SLUIS_LISTEN",
                message: format!("{v:?}: {e}"),
            })?;
        }
        if let Ok(v) = std::env::var("SLUIS_DATA_DIR") {
            s.server.data_dir = PathBuf::from(v);
        }
        if let Some(l) = flags.listen {
            s.server.listen = l;
        }
        if let Some(d) = &flags.data_dir {
            s.server.data_dir = d.clone();
        }
        Ok(s)
    }

    /// Parse and check a configuration text.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let s: Settings = toml::from_str(text).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), String> {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&self.gemeente.code, 4) {
            return Err(format!(
                "gemeente.code {:?} is geen gemeentecode van 4 cijfers",
                self.gemeente.code
            ));
        }
        for a in &self.aanbieders {
            if !digits(&a.agb, 8) {
                return Err(format!(
                    "aanbieder {:?}: AGB-code moet 8 cijfers zijn",
                    a.agb
                ));
            }
        }
        for c in &self.contracten {
            if !self.aanbieders.iter().any(|a| a.agb == c.aanbieder) {
                return Err(format!(
                    "contract voor {}: onbekende aanbieder {:?}",
                    c.code, c.aanbieder
                ));
            }
            if let Some(r) = &c.resultaatfinanciering {
                r.check()
                    .map_err(|e| format!("contract voor {}: resultaatfinanciering: {e}", c.code))?;
            }
        }
        self.listener()?;
        self.gemeente.lijst()?;
        self.delivery.check(|p| self.knows_party(p))?;
        self.bewaren.check()?;
        let mut names = std::collections::BTreeSet::new();
        for t in &self.teams {
            if t.naam.is_empty() || !names.insert(t.naam.as_str()) {
                return Err(format!("team {:?}: naam leeg of dubbel", t.naam));
            }
            if t.ranges().is_none() {
                return Err(format!(
                    "team {:?}: postcodes zijn 4 cijfers of een reeks \"1000-1099\"",
                    t.naam
                ));
            }
        }
        Ok(())
    }

    /// How to listen (TLS or, for a loopback demo, plain HTTP), checked against the address.
    pub fn listener(&self) -> Result<crate::security::settings::Listener, String> {
        self.security.check(self.server.listen)
    }

    /// The team serving a postcode (the first configured team that does).
    pub fn team_for_postcode(&self, postcode: &str) -> Option<&str> {
        self.teams
            .iter()
            .find(|t| t.serves(postcode))
            .map(|t| t.naam.as_str())
    }

    /// Whether a team of this name is configured.
    pub fn knows_team(&self, naam: &str) -> bool {
        self.teams.iter().any(|t| t.naam == naam)
    }

    /// The result-financed contract lines.
    /// The policy the decision on each message reads (`sluis_core::intake`).
    pub fn policy(&self) -> sluis_core::policy::Policy {
        sluis_core::policy::Policy::from_contracts(
            &self.gemeente.code,
            &self.contracten,
            self.declaratie.mode,
        )
        .with_aanbieders(self.aanbieders.iter().map(|a| a.agb.as_str()))
        .with_gemeentelijst(self.gemeente.lijst().unwrap_or_else(|e| {
            // Checked when the settings were read; a file changed since then is reported and
            // the list built in is used.
            tracing::error!(error = %e, "gemeentelijst unreadable, the built-in list is used");
            sluis_core::standard::gemeenten::Gemeentelijst::embedded()
        }))
    }

    pub fn resultaat_contracten(&self) -> Vec<sluis_core::doelbereik::ResultaatContract> {
        self.contracten
            .iter()
            .filter_map(|c| {
                c.resultaatfinanciering
                    .map(|r| sluis_core::doelbereik::ResultaatContract::from_contract(c, r))
            })
            .collect()
    }

    /// Whether a party (AGB-code or gemeentecode) is known to this gateway.
    pub fn knows_party(&self, party: &str) -> bool {
        party == self.gemeente.code || self.aanbieders.iter().any(|a| a.agb == party)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newer CBS list from a file replaces the built-in one; an unreadable one is refused
    /// when the settings are read.
    #[test]
    fn the_gemeentelijst_can_be_replaced_by_a_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("gemeenten.csv");
        std::fs::write(
            &path,
            "code;naam;geldig_van;geldig_tot\n0599;Sluisdam;2027-01-01;\n",
        )
        .expect("write");
        let demo = include_str!("../../../config/sluis.toml");
        let with = |p: &std::path::Path| {
            demo.replacen(
                "[gemeente]\n",
                &format!(
                    "[gemeente]\ngemeentelijst = {:?}\n",
                    p.display().to_string()
                ),
                1,
            )
        };
        let s = Settings::parse(&with(&path)).expect("valid");
        let lijst = s.gemeente.lijst().expect("list");
        let d = |y, m, dd| sluis_core::standard::types::Datum::from_ymd(y, m, dd).expect("date");
        assert!(lijst.geldig_op("0599", d(2027, 3, 1)));
        assert!(!lijst.geldig_op("0599", d(2026, 3, 1)));
        assert!(
            !lijst.geldig_op("0014", d(2027, 3, 1)),
            "only the file's codes"
        );
        std::fs::write(&path, "code;naam;geldig_van;geldig_tot\nxx;Fout;;\n").expect("write");
        assert!(Settings::parse(&with(&path)).is_err());
        assert!(Settings::parse(&with(&dir.path().join("absent.csv"))).is_err());
    }

    #[test]
    fn the_demo_configuration_is_valid() {
        let s = Settings::parse(include_str!("../../../config/sluis.toml")).expect("demo config");
        assert_eq!(s.gemeente.code, "0599");
        assert_eq!(s.aanbieders.len(), 3);
        assert!(s.contracten.len() >= 3);
        assert!(s.knows_party("12345678") && s.knows_party("0599") && !s.knows_party("99999999"));
        assert_eq!(s.resultaat_contracten().len(), 1);
        assert_eq!(s.team_for_postcode("8011AB"), Some("noord"));
        assert_eq!(s.team_for_postcode("8250XY"), Some("zuid"));
        assert_eq!(s.team_for_postcode("9999ZZ"), None);
        assert_eq!(s.team_for_postcode("AB"), None);
    }

    #[test]
    fn the_demo_tokens_are_valid_and_marked() {
        let s = Settings::parse(include_str!("../../../config/sluis.toml")).expect("demo config");
        assert_eq!(s.listener(), Ok(crate::security::settings::Listener::Plain));
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::open(dir.path()).expect("sled");
        let tokens = crate::security::tokens::TokenStore::new(
            db.open_tree("tokens").expect("tree"),
            &s.security.tokens,
        )
        .expect("the demo tokens are valid");
        assert!(tokens.has_demo_tokens());
        assert_eq!(s.security.tokens.len(), 9);
        for t in &s.security.tokens {
            assert!(t.id.starts_with("demo-") && t.label.starts_with("DEMO"));
            let secret = t.demo_secret.as_deref().expect("a demo secret");
            let p = tokens.authenticate(secret).expect("authenticates");
            assert_eq!(p.role, t.role);
        }
    }

    #[test]
    fn flags_override_the_file() {
        let dir = std::env::temp_dir().join(format!("sluis-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("sluis.toml");
        std::fs::write(&path, include_str!("../../../config/sluis.toml")).expect("write");
        let flags = Overrides {
            listen: "127.0.0.1:9999".parse().ok(),
            data_dir: Some(PathBuf::from("/tmp/elders")),
        };
        let s = Settings::load(&path, &flags).expect("loads");
        assert_eq!(s.server.listen.port(), 9999);
        assert_eq!(s.server.data_dir, PathBuf::from("/tmp/elders"));
        let plain = Settings::load(&path, &Overrides::default()).expect("loads");
        assert_eq!(plain.server.data_dir, PathBuf::from("data"));
        assert!(Settings::load(&dir.join("missing.toml"), &flags).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn mistakes_are_reported() {
        let demo = include_str!("../../../config/sluis.toml");
        let bad = demo.replace("code = \"0599\"", "code = \"599\"");
        assert!(Settings::parse(&bad).unwrap_err().contains("gemeentecode"));
        let bad = demo.replace("aanbieder = \"23456789\"", "aanbieder = \"11111111\"");
        assert!(Settings::parse(&bad)
            .unwrap_err()
            .contains("onbekende aanbieder"));
        let bad = format!("{demo}\n[[teams]]\nnaam = \"x\"\npostcodes = [\"80\"]\n");
        assert!(Settings::parse(&bad).unwrap_err().contains("postcodes"));
        let bad = demo.replace("trajectprijs = 240000", "trajectprijs = 0");
        assert!(Settings::parse(&bad).unwrap_err().contains("trajectprijs"));
        let bad = format!("{demo}\n[extra]\nx = 1\n");
        assert!(
            Settings::parse(&bad).is_err(),
            "unknown sections are refused"
        );
    }
}
