//! `sluis audit`: the audit log of a stopped gateway.

use super::offline::Offline;
use super::{parse_rfc3339, Failure, Outcome};
use clap::ValueEnum;
use sluis::security::audit::{Action, Filter, Head, Outcome as Audited};
use sluis::standard::types::Datum;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Configuration (for the data directory).
    #[arg(long, global = true, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Data directory (overrides the configuration and SLUIS_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    action: AuditAction,
}

#[derive(clap::Subcommand)]
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

/// An anchor: the JSON of `sluis audit head`, `SEQ:HASH`, or a file holding the JSON.
fn read_anchor(arg: &str) -> Result<Head, String> {
    if let Some((seq, hash)) = arg.split_once(':').filter(|_| !arg.contains('{')) {
        if let Ok(seq) = seq.trim().parse::<u64>() {
            let hash = hash.trim().to_ascii_lowercase();
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Head { seq, hash });
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

pub fn run(args: Args) -> Outcome {
    act(args).map_err(|e| Failure::new(2, format!("audit: {e}")))
}

fn act(args: Args) -> Result<ExitCode, String> {
    let anchor = match &args.action {
        AuditAction::Verify { anchor: Some(a) } => Some(read_anchor(a)?),
        _ => None,
    };
    let off = Offline::open_existing(&args.config, args.data_dir)?;
    let audit = off.audit()?;
    match args.action {
        AuditAction::Verify { .. } => {
            let verdict = match &anchor {
                Some(a) => audit.verify_anchor(a),
                None => audit.verify(),
            };
            // Checking the log is itself recorded, after the check.
            let outcome = if verdict.is_ok() {
                Audited::Success
            } else {
                Audited::Failed
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
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    println!("audit log broken at seq {}: {}", b.seq, b.reason);
                    eprintln!("audit verify: broken at seq {}: {}", b.seq, b.reason);
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditAction::Head => {
            match audit.head() {
                Some(h) => println!("{}", serde_json::to_string(&h).map_err(|e| e.to_string())?),
                None => println!("null"),
            }
            Ok(ExitCode::SUCCESS)
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
                Audited::Success
            } else {
                Audited::Failed
            };
            off.record(&audit, Action::Export, "audit", None, outcome)?;
            off.close()?;
            let n = written.map_err(|e| e.to_string())?;
            eprintln!("{n} audit entries exported");
            Ok(ExitCode::SUCCESS)
        }
    }
}
