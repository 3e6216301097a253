//! The `sluis` command line.

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use sluis::standard::types::Datum;
use sluis::{Finding, Format, Limits, RetourContext};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// Output goes through these instead of std's macros: when the reader of a pipe is gone
// (`sluis validate … | head`) the rest is dropped quietly instead of panicking.
macro_rules! println {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! print {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "sluis",
    version,
    about = "Message gateway for iJw 3.2 and iWmo 3.2"
)]
struct Cli {
    /// Largest accepted message in bytes.
    #[arg(long, global = true, default_value_t = Limits::default().max_bytes)]
    max_bytes: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway: HTTP API on the configured address, store in the data directory.
    Serve {
        /// Configuration file (TOML); `config/sluis.toml` is the demo.
        #[arg(long, default_value = "config/sluis.toml")]
        config: PathBuf,
        /// Data directory (overrides the file and SLUIS_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Address to listen on, e.g. 127.0.0.1:8080 (overrides the file and SLUIS_LISTEN).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Post a realistic mix of messages to a gateway on loopback with many clients at once;
    /// report throughput, p50/p99 latency, the server's RSS and the store's bytes per message.
    /// Without --url it starts `sluis serve` itself on a fresh data directory.
    BenchLoad {
        /// A running gateway (loopback only), e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: Option<String>,
        /// Its process id, to read its memory.
        #[arg(long)]
        pid: Option<u32>,
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 20_000)]
        messages: u64,
        /// Data directory of the server it starts (default: a new temporary one).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Configuration of the server it starts, and whose demo tokens the senders post with.
        #[arg(long, default_value = "config/sluis.toml")]
        config: PathBuf,
        /// CA certificate (PEM) to trust for an https:// --url (a gateway on TLS).
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Check messages (XML or JSON) against the standard. Exit code 0: all valid,
    /// 1: some invalid, 2: some unreadable.
    Validate {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Message files; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the standard's in-message rules Sluis checks: code, retourcode, messages, description.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Which rules: the in-message ones (default, `docs/rules.md`), the cross-message and
        /// external ones the gateway checks against the history (`docs/history.md`), or both.
        #[arg(long, value_enum, default_value_t = RuleSet::Bericht)]
        set: RuleSet,
    },
    /// Write the retourbericht the standard prescribes for a heenbericht (JW302 for a JW301 …,
    /// the JW325 declaratie-antwoord for a JW323). Exit code 0: written, 1: the standard gives
    /// no retourbericht (not XSD-valid, or itself a retourbericht), 2: unreadable.
    Retour {
        #[arg(long, value_enum, default_value_t = Target::Xml)]
        format: Target,
        /// IdentificatieRetour (at most 12 characters); by default derived from the message.
        #[arg(long)]
        identificatie: Option<String>,
        /// DagtekeningRetour (JJJJ-MM-DD); by default today (UTC).
        #[arg(long, value_parser = parse_datum)]
        dagtekening: Option<Datum>,
        /// Message file; `-` reads standard input.
        file: PathBuf,
    },
    /// Readable reports of doelbereik from a running gateway (BSNs masked).
    Rapport {
        /// The gateway, e.g. http://127.0.0.1:8080.
        #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Bearer token: a gebiedsteam's for doelbereik, a contractmanager's for indicatoren
        /// (the demo tokens of `config/sluis.toml` work; README). Default: env SLUIS_TOKEN.
        #[arg(long, global = true)]
        token: Option<String>,
        #[command(subcommand)]
        rapport: Rapport,
    },
    /// Post the generated demo data set (a gemeente with a few hundred clients, every kind of
    /// trajectory; docs/doelbereik.md) to a running gateway, then print the indicators expected.
    Demo {
        /// The gateway, e.g. http://127.0.0.1:8080 (with the demo configuration).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 300)]
        clients: usize,
        /// Configuration whose demo tokens (`[[security.tokens]]` with `demo_secret`) the
        /// parties post with.
        #[arg(long, default_value = "config/sluis.toml")]
        config: PathBuf,
    },
    /// Bearer tokens in the store of a stopped gateway: create (the secret is shown once),
    /// list, revoke; and the hash of a token for `[[security.tokens]]`.
    Token {
        /// Configuration (for the data directory and the configured tokens).
        #[arg(long, global = true, default_value = "config/sluis.toml")]
        config: PathBuf,
        /// Data directory (overrides the configuration and SLUIS_DATA_DIR).
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Create a new master key file (mode 0600; never overwrites). Keep a copy apart from the
    /// backups: without it the store cannot be read.
    KeyCreate {
        /// Where to write it, e.g. /etc/sluis/sluis.key (then `security.key_file` in the config).
        file: PathBuf,
    },
    /// The audit log (NEN 7513) of a stopped gateway: verify its hash chain, print its head,
    /// export it.
    Audit {
        /// Configuration (for the data directory).
        #[arg(long, global = true, default_value = "config/sluis.toml")]
        config: PathBuf,
        /// Data directory (overrides the configuration and SLUIS_DATA_DIR).
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Convert a message between XML and JSON, written to standard output.
    Convert {
        #[arg(long, value_enum)]
        to: Target,
        /// Message file; `-` reads standard input.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum Rapport {
    /// A gebiedsteam's trajectories with plan, stop, outcome and judgement.
    Doelbereik {
        #[arg(long)]
        team: String,
        /// Only ended trajectories without a resultaatmelding.
        #[arg(long)]
        zonder_resultaatmelding: bool,
        /// Only trajectories started at least this many days ago without a behandelplan.
        #[arg(long)]
        zonder_plan_na_dagen: Option<u32>,
        /// Only results the gebiedsteam disputed.
        #[arg(long)]
        betwist: bool,
        #[arg(long)]
        aanbieder: Option<String>,
    },
    /// Doelrealisatie, uitval, cliënttevredenheid and herhaald beroep with numerator and
    /// denominator, for trajectories ended in the period.
    Indicatoren {
        #[arg(long)]
        aanbieder: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// ijw or iwmo.
        #[arg(long)]
        domein: Option<String>,
        /// Ended on or after (JJJJ-MM-DD).
        #[arg(long)]
        van: Option<String>,
        /// Ended on or before (JJJJ-MM-DD).
        #[arg(long)]
        tot: Option<String>,
        /// Also per aanbieder, gemeente or team.
        #[arg(long)]
        per: Option<String>,
    },
}

#[derive(Subcommand)]
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
}

#[derive(Subcommand)]
enum AuditAction {
    /// Walk the hash chain. Exit 0: intact (count and head); 1: broken (the first bad seq and
    /// why); 2: the store cannot be opened.
    Verify {
        /// A head kept elsewhere (`sluis audit head`): its JSON, `SEQ:HASH`, or a file holding
        /// the JSON. The log must still contain that entry unchanged.
        #[arg(long)]
        anchor: Option<String>,
    },
    /// The latest seq and hash as JSON: keep a copy elsewhere as an anchor.
    Head,
    /// Write the entries to standard output, oldest first.
    Export {
        #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
        format: AuditFormat,
        /// From this day (JJJJ-MM-DD, UTC) or moment (RFC 3339) on.
        #[arg(long, value_parser = parse_moment)]
        van: Option<time::OffsetDateTime>,
        /// Up to and including this day (JJJJ-MM-DD), or before this moment (RFC 3339).
        #[arg(long, value_parser = parse_until)]
        tot: Option<time::OffsetDateTime>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum AuditFormat {
    Csv,
    Jsonl,
}

fn parse_rfc3339(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?}: not an RFC 3339 moment ({e})"))
}

/// A day (its start, UTC) or an RFC 3339 moment.
fn parse_moment(s: &str) -> Result<time::OffsetDateTime, String> {
    match Datum::parse(s) {
        Some(_) => day_start(s),
        None => parse_rfc3339(s).map_err(|_| format!("{s:?}: not JJJJ-MM-DD nor RFC 3339")),
    }
}

/// The end of a day (the next day's start, exclusive) or an RFC 3339 moment.
fn parse_until(s: &str) -> Result<time::OffsetDateTime, String> {
    match Datum::parse(s) {
        Some(_) => Ok(day_start(s)? + time::Duration::days(1)),
        None => parse_rfc3339(s).map_err(|_| format!("{s:?}: not JJJJ-MM-DD nor RFC 3339")),
    }
}

fn day_start(s: &str) -> Result<time::OffsetDateTime, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|e| format!("{s:?}: {e}"))
}

/// The store of a stopped gateway, for the token and audit commands.
struct Offline {
    store: sluis::store::Store,
    settings: sluis::config::Settings,
}

impl Offline {
    fn open(config: &Path, data_dir: Option<PathBuf>) -> Result<Offline, String> {
        let settings = load_settings(config, data_dir)?;
        let dir = &settings.server.data_dir;
        let store =
            sluis::store::Store::open(dir, std::time::Duration::from_millis(2)).map_err(|e| {
                format!(
                    "{}: {e} (is the gateway still running? stop it first)",
                    dir.display()
                )
            })?;
        Ok(Offline { store, settings })
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, String> {
        self.store.open_tree(name).map_err(|e| e.to_string())
    }

    fn audit(&self) -> Result<sluis::security::audit::AuditLog, String> {
        sluis::security::audit::AuditLog::new(self.tree("audit")?).map_err(|e| e.to_string())
    }

    /// Record what the command line did in the audit (the CLI acts as the operator).
    fn record(
        &self,
        audit: &sluis::security::audit::AuditLog,
        action: sluis::security::audit::Action,
        kind: &str,
        id: Option<&str>,
        outcome: sluis::security::audit::Outcome,
    ) -> Result<(), String> {
        let user = std::env::var("USER").unwrap_or_default();
        let actor = if user.is_empty() {
            "cli".to_string()
        } else {
            format!("cli:{user}")
        };
        audit
            .append(sluis::security::audit::Event {
                actor,
                role: Some(sluis::security::access::Role::Operator),
                on_behalf_of: None,
                action,
                object: sluis::security::audit::Object::new(kind, id),
                client: None,
                outcome,
                source: Some("local".into()),
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Make everything written durable before the process ends.
    fn close(self) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(self.store.durable())
            .map_err(|e| e.to_string())
    }
}

fn token_command(config: &Path, data_dir: Option<PathBuf>, action: TokenAction) -> ExitCode {
    use sluis::security::audit::{Action, Outcome};
    use sluis::security::tokens::{TokenId, TokenStore};
    if let TokenAction::Hash { token } = action {
        let token = match token {
            Some(t) => t,
            None => {
                let mut line = String::new();
                if let Err(e) = std::io::stdin().take(4096).read_to_string(&mut line) {
                    eprintln!("token hash: {e}");
                    return ExitCode::from(2);
                }
                line.trim().to_string()
            }
        };
        return match sluis::security::tokens::token_hash(&token) {
            Some(h) => {
                println!("{h}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("token hash: not a Sluis token (sluis_<id>_<secret>)");
                ExitCode::from(1)
            }
        };
    }
    let result = (|| -> Result<ExitCode, String> {
        let off = Offline::open(config, data_dir)?;
        let tokens = TokenStore::new(off.tree("tokens")?, &off.settings.security.tokens)
            .map_err(|e| e.to_string())?;
        let audit = off.audit()?;
        let code = match action {
            TokenAction::Hash { .. } => ExitCode::SUCCESS,
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
                let (id, secret) = tokens
                    .create(role, scope, &label, expires)
                    .map_err(|e| e.to_string())?;
                off.record(
                    &audit,
                    Action::TokenCreate,
                    "token",
                    Some(id.as_str()),
                    Outcome::Success,
                )?;
                off.close()?;
                println!("{}", secret.expose());
                eprintln!("token {id} created ({role}); the secret above is shown only once");
                ExitCode::SUCCESS
            }
            TokenAction::List { format } => {
                let list = tokens.list().map_err(|e| e.to_string())?;
                match format {
                    OutputFormat::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?
                    ),
                    OutputFormat::Text => {
                        for t in &list {
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
                            println!(
                                "{}  {}  {}  {}  {}  {}",
                                t.id,
                                t.role,
                                if scope.is_empty() {
                                    "-".to_string()
                                } else {
                                    scope.join(",")
                                },
                                source,
                                state,
                                t.label
                            );
                        }
                    }
                }
                ExitCode::SUCCESS
            }
            TokenAction::Revoke { id } => {
                let id = TokenId::parse(&id)
                    .ok_or_else(|| format!("{id:?} is not a token id (a-z, 0-9, '-')"))?;
                let found = tokens.revoke(&id).map_err(|e| e.to_string())?;
                if found {
                    off.record(
                        &audit,
                        Action::TokenRevoke,
                        "token",
                        Some(id.as_str()),
                        Outcome::Success,
                    )?;
                    off.close()?;
                    println!("token {id} revoked");
                    ExitCode::SUCCESS
                } else {
                    eprintln!("token revoke: no stored token {id}");
                    ExitCode::from(1)
                }
            }
        };
        Ok(code)
    })();
    result.unwrap_or_else(|e| {
        eprintln!("token: {e}");
        ExitCode::from(2)
    })
}

/// An anchor: the JSON of `sluis audit head`, or a file holding it.
fn read_anchor(arg: &str) -> Result<sluis::security::audit::Head, String> {
    if let Some((seq, hash)) = arg.split_once(':').filter(|_| !arg.contains('{')) {
        if let Ok(seq) = seq.trim().parse::<u64>() {
            let hash = hash.trim().to_ascii_lowercase();
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(sluis::security::audit::Head { seq, hash });
            }
        }
    }
    let text = if arg.trim_start().starts_with('{') {
        arg.to_string()
    } else {
        std::fs::read_to_string(arg).map_err(|e| format!("--anchor {arg}: {e}"))?
    };
    serde_json::from_str(&text)
        .map_err(|e| format!("--anchor: not a head ({{\"seq\":…,\"hash\":…}}): {e}"))
}

fn audit_command(config: &Path, data_dir: Option<PathBuf>, action: AuditAction) -> ExitCode {
    use sluis::security::audit::{Action, Filter, Outcome};
    let result = (|| -> Result<ExitCode, String> {
        let anchor = match &action {
            AuditAction::Verify {
                anchor: Some(a), ..
            } => Some(read_anchor(a)?),
            _ => None,
        };
        let off = Offline::open(config, data_dir)?;
        let audit = off.audit()?;
        let code = match action {
            AuditAction::Verify { .. } => {
                let verdict = match &anchor {
                    Some(a) => audit.verify_anchor(a),
                    None => audit.verify(),
                };
                // Checking the log is itself recorded, after the check.
                let outcome = if verdict.is_ok() {
                    Outcome::Success
                } else {
                    Outcome::Failed
                };
                off.record(&audit, Action::Verify, "audit", None, outcome)?;
                off.close()?;
                match verdict {
                    Ok(v) => {
                        match &v.head {
                            Some(h) => println!(
                                "audit log intact: {} entries, head seq {} hash {}",
                                v.entries, h.seq, h.hash
                            ),
                            None => println!("audit log intact: 0 entries"),
                        }
                        ExitCode::SUCCESS
                    }
                    Err(b) => {
                        println!("audit log broken at seq {}: {}", b.seq, b.reason);
                        eprintln!("audit verify: broken at seq {}: {}", b.seq, b.reason);
                        ExitCode::from(1)
                    }
                }
            }
            AuditAction::Head => {
                match audit.head() {
                    Some(h) => {
                        println!("{}", serde_json::to_string(&h).map_err(|e| e.to_string())?)
                    }
                    None => println!("null"),
                }
                ExitCode::SUCCESS
            }
            AuditAction::Export { format, van, tot } => {
                let filter = Filter {
                    from: van,
                    until: tot,
                    ..Filter::default()
                };
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let written = match format {
                    AuditFormat::Csv => audit.export_csv(&filter, &mut out),
                    AuditFormat::Jsonl => audit.export_jsonl(&filter, &mut out),
                };
                let written = written.and_then(|n| {
                    use std::io::Write as _;
                    out.flush()?;
                    Ok(n)
                });
                drop(out);
                let outcome = if written.is_ok() {
                    Outcome::Success
                } else {
                    Outcome::Failed
                };
                off.record(&audit, Action::Export, "audit", None, outcome)?;
                off.close()?;
                let n = written.map_err(|e| e.to_string())?;
                eprintln!("{n} audit entries exported");
                ExitCode::SUCCESS
            }
        };
        Ok(code)
    })();
    result.unwrap_or_else(|e| {
        eprintln!("audit: {e}");
        ExitCode::from(2)
    })
}

/// Turns an endpoint's JSON into the printed report.
type Render = Box<dyn Fn(&serde_json::Value) -> String>;

/// Run a report against the gateway at `url` and print it.
fn rapport(url: &str, token: Option<&str>, r: Rapport) -> ExitCode {
    let (path, render): (String, Render) = match r {
        Rapport::Doelbereik {
            team,
            zonder_resultaatmelding,
            zonder_plan_na_dagen,
            betwist,
            aanbieder,
        } => {
            let dagen = zonder_plan_na_dagen.map(|d| d.to_string());
            let q = sluis::rapport::query(&[
                (
                    "zonder_resultaatmelding",
                    zonder_resultaatmelding.then_some("true"),
                ),
                ("zonder_plan_na_dagen", dagen.as_deref()),
                ("betwist", betwist.then_some("true")),
                ("aanbieder", aanbieder.as_deref()),
            ]);
            let team_path: String = team
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            (
                format!("/api/v1/teams/{team_path}/doelbereik{q}"),
                Box::new(sluis::rapport::doelbereik_table),
            )
        }
        Rapport::Indicatoren {
            aanbieder,
            team,
            domein,
            van,
            tot,
            per,
        } => {
            let mut titel = String::from("Indicatoren");
            for (k, v) in [
                ("aanbieder", &aanbieder),
                ("team", &team),
                ("domein", &domein),
                ("van", &van),
                ("tot", &tot),
            ] {
                if let Some(v) = v {
                    titel.push_str(&format!(", {k} {v}"));
                }
            }
            let q = sluis::rapport::query(&[
                ("aanbieder", aanbieder.as_deref()),
                ("team", team.as_deref()),
                ("domein", domein.as_deref()),
                ("van", van.as_deref()),
                ("tot", tot.as_deref()),
                ("per", per.as_deref()),
            ]);
            (
                format!("/api/v1/indicatoren{q}"),
                Box::new(move |v| sluis::rapport::indicatoren_table(v, &titel)),
            )
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rapport: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(sluis::rapport::fetch(url, &path, token)) {
        Ok(v) => {
            print!("{}", render(&v));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rapport: {e}");
            ExitCode::from(1)
        }
    }
}

/// Post the demo set and report.
fn demo(url: &str, seed: u64, clients: usize, config: &Path) -> ExitCode {
    let tokens = match load_settings(config, None) {
        Ok(s) => sluis::demo::Tokens::from_settings(&s),
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    if tokens.is_empty() {
        eprintln!(
            "demo: {} has no demo tokens; the messages are posted without credentials",
            config.display()
        );
    }
    let set = sluis::demo::generate(seed, clients);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(sluis::demo::post_all(url, &set, &tokens)) {
        Ok(posted) => {
            println!(
                "{} berichten geplaatst: {} geaccepteerd, {} afgekeurd",
                set.messages.len(),
                posted.accepted,
                posted.rejected.len()
            );
            for (label, status) in posted.rejected.iter().take(20) {
                println!("  afgekeurd ({status}): {label}");
            }
            println!(
                "verwachte indicatoren (zie `sluis rapport indicatoren --per team`):\n{}",
                serde_json::to_string_pretty(&set.verwacht.gemeente).unwrap_or_default()
            );
            if posted.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    /// The table in `docs/rules.md`.
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    Json,
    Xml,
}

/// One file's verdict, as `validate --format json` prints it.
#[derive(Serialize)]
struct Report {
    file: String,
    bericht: Option<&'static str>,
    valid: bool,
    errors: Vec<Finding>,
    #[serde(skip)]
    unreadable: bool,
}

/// Read at most `limit + 1` bytes, so a huge file is refused without being loaded.
fn read_input(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let cap = limit as u64 + 1;
    if path.as_os_str() == "-" {
        std::io::stdin().take(cap).read_to_end(&mut buf)?;
    } else {
        std::fs::File::open(path)?.take(cap).read_to_end(&mut buf)?;
    }
    Ok(buf)
}

fn unreadable(file: String, message: String) -> Report {
    let errors = vec![Finding {
        code: "READ",
        retourcode: None,
        path: "/".into(),
        message,
    }];
    Report {
        file,
        bericht: None,
        valid: false,
        errors,
        unreadable: true,
    }
}

fn validate_file(path: &Path, limits: &Limits) -> Report {
    let file = path.display().to_string();
    let bytes = match read_input(path, limits.max_bytes) {
        Ok(b) => b,
        Err(e) => return unreadable(file, format!("cannot read file: {e}")),
    };
    match sluis::validate(&bytes, limits) {
        Err(e) => unreadable(file, e.to_string()),
        Ok(verdict) => Report {
            file,
            bericht: Some(verdict.document.code()),
            valid: verdict.is_valid(),
            errors: verdict.findings,
            unreadable: false,
        },
    }
}

fn print_text(r: &Report) {
    let what = r.bericht.unwrap_or("?");
    if r.valid {
        println!("{}: {what} geldig", r.file);
    } else if r.unreadable {
        println!("{}: onleesbaar", r.file);
    } else {
        println!("{}: {what} ongeldig ({} fout(en))", r.file, r.errors.len());
    }
    for e in &r.errors {
        println!("  {} {} {}", e.code, e.path, e.message);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RuleSet {
    /// In-message rules (technische regels, condities, constraints).
    Bericht,
    /// Cross-message and external rules, judged against the history.
    Historie,
    All,
}

/// One registry entry as `rules --format json` prints it.
#[derive(Serialize)]
struct RuleRow {
    /// `bericht` or `historie`.
    niveau: &'static str,
    code: &'static str,
    retourcode: Option<&'static str>,
    messages: Vec<String>,
    description: &'static str,
}

fn print_rules(format: RulesFormat, set: RuleSet) {
    let mut rows: Vec<RuleRow> = Vec::new();
    if set != RuleSet::Historie {
        rows.extend(sluis::validate::rules::RULES.iter().map(|r| RuleRow {
            niveau: "bericht",
            code: r.code,
            retourcode: r.retourcode,
            messages: r.message_codes(),
            description: r.description,
        }));
    }
    if set != RuleSet::Bericht {
        rows.extend(sluis::validate::history::RULES.iter().map(|r| RuleRow {
            niveau: "historie",
            code: r.code,
            retourcode: Some(r.retourcode),
            messages: r.message_codes(),
            description: r.description,
        }));
    }
    match format {
        RulesFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            );
        }
        RulesFormat::Text => {
            for r in &rows {
                println!(
                    "{}  {}  {}  {}",
                    r.code,
                    r.retourcode.unwrap_or("-"),
                    r.messages.join(","),
                    r.description
                );
            }
        }
        RulesFormat::Markdown => {
            if set != RuleSet::Historie {
                print!("{}", sluis::validate::rules::markdown_table());
            }
            if set != RuleSet::Bericht {
                print!("{}", sluis::validate::history::markdown_table());
            }
        }
    }
}

fn parse_datum(s: &str) -> Result<Datum, String> {
    Datum::parse(s).ok_or_else(|| format!("{s:?} is geen geldige datum (JJJJ-MM-DD)"))
}

/// A default IdentificatieRetour: 12 hex digits of a hash of the heenbericht, so the same
/// message gets the same identificatie on a rerun.
fn derived_identificatie(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

fn retour_file(
    file: &Path,
    format: Target,
    identificatie: Option<String>,
    dagtekening: Option<Datum>,
    limits: &Limits,
) -> ExitCode {
    let bytes = match read_input(file, limits.max_bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: cannot read file: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let verdict = match sluis::validate(&bytes, limits) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let dagtekening = dagtekening.unwrap_or_else(Datum::today);
    let identificatie = identificatie.unwrap_or_else(|| derived_identificatie(&bytes));
    let ctx = RetourContext::new(identificatie, dagtekening);
    match sluis::retour(&verdict, &ctx) {
        Ok(doc) => {
            let target = match format {
                Target::Json => Format::Json,
                Target::Xml => Format::Xml,
            };
            let out = sluis::write(&doc, target);
            print!("{out}");
            if !out.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: geen retourbericht: {e}", file.display());
            for f in verdict
                .findings
                .iter()
                .filter(|f| f.code == sluis::validate::XSD)
            {
                eprintln!("  {} {} {}", f.code, f.path, f.message);
            }
            ExitCode::from(1)
        }
    }
}

/// The settings of `config`, with the data directory given on the command line.
fn load_settings(
    config: &Path,
    data_dir: Option<PathBuf>,
) -> Result<sluis::config::Settings, String> {
    let overrides = sluis::config::Overrides {
        listen: None,
        data_dir,
    };
    sluis::config::Settings::load(config, &overrides).map_err(|e| e.to_string())
}

fn serve(config: &Path, overrides: sluis::config::Overrides) -> ExitCode {
    sluis::telemetry::init_logging();
    let settings = match sluis::config::Settings::load(config, &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let data_dir = settings.server.data_dir.clone();
    let result = actix_web::rt::System::new().block_on(async move {
        let app = sluis::startup::Application::build(settings)?;
        tracing::info!(addr = %app.addr(), data_dir = %data_dir.display(), "Sluis listening");
        app.run().await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluis serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The gateway `bench-load` measures: the given one, or one it starts and stops itself.
struct LoadTarget {
    url: String,
    pid: Option<u32>,
    child: Option<std::process::Child>,
    _dir: Option<tempfile::TempDir>,
}

fn start_server(config: &Path, data_dir: Option<PathBuf>) -> Result<LoadTarget, String> {
    let (dir, temp) = match data_dir {
        Some(d) => (d, None),
        None => {
            let t = tempfile::tempdir().map_err(|e| e.to_string())?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = std::process::Command::new(exe)
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(&dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .spawn()
        .map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}");
    let pid = child.id();
    let mut target = LoadTarget {
        url: url.clone(),
        pid: Some(pid),
        child: Some(child),
        _dir: temp,
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(target);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if let Some(c) = target.child.as_mut() {
        let _ = c.kill();
    }
    Err(format!("the server did not start on {url}"))
}

#[allow(clippy::too_many_arguments)]
fn bench_load(
    url: Option<String>,
    pid: Option<u32>,
    clients: usize,
    messages: u64,
    data_dir: Option<PathBuf>,
    config: &Path,
    ca_cert: Option<PathBuf>,
) -> ExitCode {
    let tokens = match load_settings(config, None) {
        Ok(s) => sluis::demo::Tokens::from_settings(&s),
        Err(e) => {
            eprintln!("bench-load: {e}");
            return ExitCode::from(2);
        }
    };
    let mut target = match url {
        Some(url) => LoadTarget {
            url,
            pid,
            child: None,
            _dir: None,
        },
        None => match start_server(config, data_dir) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("bench-load: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let run_id = format!(
        "L{:03}",
        time::OffsetDateTime::now_utc().unix_timestamp() % 1000
    );
    let opts = sluis::load::LoadOptions {
        url: target.url.clone(),
        clients,
        messages,
        server_pid: target.pid,
        run_id,
        tokens,
        ca_cert,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench-load: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(sluis::load::run(opts));
    if let Some(c) = target.child.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
    match result {
        Ok(report) => {
            println!("{} clients, {}", clients, target.url);
            print!("{report}");
            if report.failures > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("bench-load: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let limits = Limits {
        max_bytes: cli.max_bytes,
        ..Limits::default()
    };
    match cli.command {
        Command::Serve {
            config,
            data_dir,
            listen,
        } => serve(&config, sluis::config::Overrides { listen, data_dir }),
        Command::BenchLoad {
            url,
            pid,
            clients,
            messages,
            data_dir,
            config,
            ca_cert,
        } => bench_load(url, pid, clients, messages, data_dir, &config, ca_cert),
        Command::Validate { format, files } => {
            let reports: Vec<Report> = files.iter().map(|f| validate_file(f, &limits)).collect();
            match format {
                OutputFormat::Text => reports.iter().for_each(print_text),
                OutputFormat::Json => {
                    let out = if let [one] = reports.as_slice() {
                        serde_json::to_string_pretty(one)
                    } else {
                        serde_json::to_string_pretty(&reports)
                    };
                    println!("{}", out.unwrap_or_default());
                }
            }
            if reports.iter().any(|r| r.unreadable) {
                ExitCode::from(2)
            } else if reports.iter().any(|r| !r.valid) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Rules { format, set } => {
            print_rules(format, set);
            ExitCode::SUCCESS
        }
        Command::Retour {
            format,
            identificatie,
            dagtekening,
            file,
        } => retour_file(&file, format, identificatie, dagtekening, &limits),
        Command::Rapport {
            url,
            token,
            rapport: r,
        } => {
            let token = token.or_else(|| std::env::var("SLUIS_TOKEN").ok());
            rapport(&url, token.as_deref(), r)
        }
        Command::Demo {
            url,
            seed,
            clients,
            config,
        } => demo(&url, seed, clients, &config),
        Command::Token {
            config,
            data_dir,
            action,
        } => token_command(&config, data_dir, action),
        Command::Audit {
            config,
            data_dir,
            action,
        } => audit_command(&config, data_dir, action),
        Command::KeyCreate { file } => match sluis::security::crypto::Keys::create_file(&file) {
            Ok(()) => {
                println!("{}: new key written (mode 0600)", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("key-create: {e}");
                ExitCode::from(1)
            }
        },
        Command::Convert { to, file } => {
            let bytes = match read_input(&file, limits.max_bytes) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{}: cannot read file: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let parsed = match sluis::parse(&bytes, &limits) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let s = parsed.structured;
            if !s.findings.is_empty() {
                // An invalid message has no faithful other form: say why instead.
                eprintln!(
                    "{}: {} is not valid, not converted:",
                    file.display(),
                    s.document.code()
                );
                for e in &s.findings {
                    eprintln!("  {} {} {}", e.code, e.path, e.message);
                }
                return ExitCode::from(1);
            }
            let target = match to {
                Target::Json => Format::Json,
                Target::Xml => Format::Xml,
            };
            let out = sluis::write(&s.document, target);
            print!("{out}");
            if !out.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
    }
}
