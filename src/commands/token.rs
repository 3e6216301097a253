//! `sluis token`: bearer tokens in the store of a stopped gateway.

use super::offline::Offline;
use super::{load_settings, parse_rfc3339, Failure, Outcome, OutputFormat};
use sluis::security::access::Role;
use sluis::security::audit::{Action, Outcome as Audited};
use sluis::security::tokens::{TokenId, TokenStore};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Configuration (for the data directory and the configured tokens).
    #[arg(long, global = true, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Data directory (overrides the configuration and SLUIS_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    action: TokenAction,
}

#[derive(clap::Subcommand)]
enum TokenAction {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// aanbieder, gemeente, gebiedsteam, contractmanager or operator.
        #[arg(long)]
        role: String,
        /// AGB-code of an aanbieder (or gemeentecode of a gemeente).
        #[arg(long)]
        party: Option<String>,
        /// Gemeentecode (gemeente, gebiedsteam, contractmanager).
        #[arg(long)]
        gemeente: Option<String>,
        /// Team name (gebiedsteam).
        #[arg(long)]
        team: Option<String>,
        /// Who holds it, for people: "De Brug, koppeling".
        #[arg(long)]
        label: String,
        /// Expiry, RFC 3339 (2027-01-01T00:00:00Z).
        #[arg(long, value_parser = parse_rfc3339)]
        expires: Option<time::OffsetDateTime>,
    },
    /// Every token, configured and stored, without secrets or hashes.
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Revoke a stored token by its id (configured ones: remove them from the configuration).
    Revoke { id: String },
    /// Print the SHA-256 of a token, for `sha256 = "…"` in `[[security.tokens]]`. Without
    /// TOKEN it is read from standard input (keeps it out of the process list).
    Hash { token: Option<String> },
    /// Print a demo token of the configuration (`demo_secret`), for
    /// `export TOKEN=$(sluis token demo gemeente)`. Needs no store.
    Demo {
        /// aanbieder, gemeente, gebiedsteam, contractmanager or operator.
        role: String,
        /// AGB-code, gemeentecode or team name; without it the first demo token of the role.
        party: Option<String>,
    },
}

pub fn run(args: Args) -> Outcome {
    match args.action {
        TokenAction::Hash { token } => return hash(token),
        TokenAction::Demo { role, party } => return demo(&args.config, &role, party.as_deref()),
        _ => {}
    }
    stored(args).map_err(|e| Failure::new(2, format!("token: {e}")))
}

/// `token hash`: needs no store.
fn hash(token: Option<String>) -> Outcome {
    let token = match token {
        Some(t) => t,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .take(4096)
                .read_to_string(&mut line)
                .map_err(|e| Failure::new(2, format!("token hash: {e}")))?;
            line.trim().to_string()
        }
    };
    let h = sluis::security::tokens::token_hash(&token)
        .ok_or_else(|| Failure::new(1, "token hash: not a Sluis token (sluis_<id>_<secret>)"))?;
    println!("{h}");
    Ok(ExitCode::SUCCESS)
}

/// `token demo`: the demo token of a role (and party) from the configuration.
fn demo(config: &Path, role: &str, party: Option<&str>) -> Outcome {
    let settings =
        load_settings(config, None).map_err(|e| Failure::new(2, format!("token demo: {e}")))?;
    let wanted = Role::parse(role).ok_or_else(|| {
        Failure::new(
            2,
            format!("token demo: {role:?} is no role: aanbieder, gemeente, gebiedsteam, contractmanager or operator"),
        )
    })?;
    let demos: Vec<_> = settings
        .security
        .tokens
        .iter()
        .filter(|t| t.role == wanted)
        .filter_map(|t| t.demo_secret.as_ref().map(|s| (t, s)))
        .collect();
    let of = |t: &sluis::security::tokens::ConfiguredToken| {
        [&t.party, &t.gemeente, &t.team]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
    };
    let found = demos
        .iter()
        .find(|(t, _)| party.is_none_or(|p| of(t).iter().any(|x| x == p)));
    match found {
        Some((_, secret)) => {
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        None if demos.is_empty() => Err(Failure::new(
            2,
            format!(
                "token demo: {} has no demo token for the role {role}; make one with `sluis token create`",
                config.display()
            ),
        )),
        None => Err(Failure::new(
            2,
            format!(
                "token demo: no demo token of {role} for {:?}; there are: {}",
                party.unwrap_or_default(),
                demos
                    .iter()
                    .map(|(t, _)| of(t).join("/"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The actions on the store of a stopped gateway. Only `create` makes a store where there
/// is none; the others refuse a missing data directory.
fn stored(args: Args) -> Result<ExitCode, String> {
    let off = match args.action {
        TokenAction::Create { .. } => Offline::open(&args.config, args.data_dir)?,
        _ => Offline::open_existing(&args.config, args.data_dir)?,
    };
    let tokens = TokenStore::new(off.tree("tokens")?, &off.settings.security.tokens)
        .map_err(|e| e.to_string())?;
    let audit = off.audit()?;
    match args.action {
        TokenAction::Hash { .. } | TokenAction::Demo { .. } => Ok(ExitCode::SUCCESS),
        TokenAction::Create {
            role,
            party,
            gemeente,
            team,
            label,
            expires,
        } => {
            let role = sluis::security::access::Role::parse(&role).ok_or_else(|| {
                format!(
                    "--role {role:?}: one of aanbieder, gemeente, gebiedsteam, contractmanager, operator"
                )
            })?;
            let scope = sluis::security::access::Scope {
                party,
                gemeente,
                team,
            };
            // The audit names the new token's role and scope, as the API's entry does.
            let mut detail = format!("rol={role}");
            for (name, v) in [
                ("partij", &scope.party),
                ("gemeente", &scope.gemeente),
                ("team", &scope.team),
            ] {
                if let Some(v) = v {
                    detail.push_str(&format!(" {name}={v}"));
                }
            }
            let (id, secret) = tokens
                .create(role, scope, &label, expires)
                .map_err(|e| e.to_string())?;
            off.record_with(
                &audit,
                Action::TokenCreate,
                "token",
                Some(id.as_str()),
                Audited::Success,
                Some(detail),
            )?;
            off.close()?;
            println!("{}", secret.expose());
            eprintln!("token {id} created ({role}); the secret above is shown only once");
            Ok(ExitCode::SUCCESS)
        }
        TokenAction::List { format } => {
            let list = tokens.list().map_err(|e| e.to_string())?;
            match format {
                OutputFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?
                ),
                OutputFormat::Text => print!(
                    "{}",
                    sluis::rapport::table(
                        &["id", "role", "scope", "source", "state", "label"],
                        &list.iter().map(token_row).collect::<Vec<_>>(),
                    )
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenAction::Revoke { id } => {
            let id = TokenId::parse(&id)
                .ok_or_else(|| format!("{id:?} is not a token id (a-z, 0-9, '-')"))?;
            if !tokens.revoke(&id).map_err(|e| e.to_string())? {
                eprintln!("token revoke: no stored token {id}");
                return Ok(ExitCode::from(1));
            }
            off.record(
                &audit,
                Action::TokenRevoke,
                "token",
                Some(id.as_str()),
                Audited::Success,
            )?;
            off.close()?;
            println!("token {id} revoked");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One token as a row of the list.
fn token_row(t: &sluis::security::tokens::TokenInfo) -> Vec<String> {
    let scope: Vec<String> = [
        ("party", &t.scope.party),
        ("gemeente", &t.scope.gemeente),
        ("team", &t.scope.team),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .collect();
    let state = match (&t.revoked, &t.expires) {
        (Some(r), _) => format!("revoked {r}"),
        (None, Some(e)) => format!("expires {e}"),
        (None, None) => "active".into(),
    };
    let source = match t.source {
        sluis::security::tokens::Source::Config => "config",
        sluis::security::tokens::Source::Store => "store",
    };
    vec![
        t.id.to_string(),
        t.role.to_string(),
        if scope.is_empty() {
            "-".to_string()
        } else {
            scope.join(",")
        },
        source.to_string(),
        state,
        t.label.clone(),
    ]
}
