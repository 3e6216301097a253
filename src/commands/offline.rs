//! The store of a stopped gateway, for the token and audit commands.

use super::load_settings;
use sluis::security::audit::{Action, AuditLog, Event, Object, Outcome};
use std::path::{Path, PathBuf};

pub struct Offline {
    store: sluis::store::Store,
    pub settings: sluis::config::Settings,
}

impl Offline {
    pub fn open(config: &Path, data_dir: Option<PathBuf>) -> Result<Offline, String> {
        let settings = load_settings(config, data_dir)?;
        let dir = &settings.server.data_dir;
        let store = sluis::store::Store::open(dir, std::time::Duration::from_millis(2))
            .map_err(|e| format!("{e}"))?;
        Ok(Offline { store, settings })
    }

    /// The same, for a command that only reads (or changes what is there): a data directory
    /// without a store is an error, not a new empty store.
    pub fn open_existing(config: &Path, data_dir: Option<PathBuf>) -> Result<Offline, String> {
        let settings = load_settings(config, data_dir)?;
        let dir = &settings.server.data_dir;
        if !sluis::store::Store::exists(dir) {
            return Err(format!(
                "there is no Sluis store in {} (nothing was created): check --data-dir, \
                 SLUIS_DATA_DIR or server.data_dir in {}",
                dir.display(),
                config.display()
            ));
        }
        Offline::open(config, Some(dir.clone()))
    }

    pub fn tree(&self, name: &str) -> Result<sled::Tree, String> {
        self.store.open_tree(name).map_err(|e| e.to_string())
    }

    pub fn audit(&self) -> Result<AuditLog, String> {
        AuditLog::new(self.tree("audit")?).map_err(|e| e.to_string())
    }

    /// Record what the command line did in the audit (the CLI acts as the operator).
    pub fn record(
        &self,
        audit: &AuditLog,
        action: Action,
        kind: &str,
        id: Option<&str>,
        outcome: Outcome,
    ) -> Result<(), String> {
        self.record_with(audit, action, kind, id, outcome, None)
    }

    /// The same, with the entry's `detail` (the role and scope of a token made).
    pub fn record_with(
        &self,
        audit: &AuditLog,
        action: Action,
        kind: &str,
        id: Option<&str>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> Result<(), String> {
        let user = std::env::var("USER").unwrap_or_default();
        let actor = if user.is_empty() {
            "cli".to_string()
        } else {
            format!("cli:{user}")
        };
        audit
            .append(Event {
                actor,
                role: Some(sluis::security::access::Role::Operator),
                on_behalf_of: None,
                action,
                object: Object::new(kind, id),
                client: None,
                outcome,
                source: Some("local".into()),
                detail,
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Make everything written durable before the process ends.
    pub fn close(self) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(self.store.durable())
            .map_err(|e| e.to_string())
    }
}
