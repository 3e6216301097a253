//! `sluis import DIR`: load an existing archive of messages (a municipality migrating from its
//! current system) into the store of a stopped gateway as history. Every `*.xml` / `*.json`
//! under DIR, in the order of their Dagtekening (then file name), judged as a posted message
//! and stored with its effects, but without retourberichten and inbox entries
//! ([`sluis::gateway::Gateway::import`]). Exit code 0: all placed, 1: some not (see the report),
//! 2: the command could not run.

use super::offline::Offline;
use super::{load_settings, read_input, Failure, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use sluis::gateway::IngestError;
use sluis::intake;
use sluis::security::audit::{Action, Outcome as Audited};
use sluis::{Finding, Limits};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The archive: every *.xml and *.json file under this directory (also in subdirectories).
    dir: PathBuf,
    /// Configuration file (TOML) of the gateway.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// Data directory (overrides the file and SLUIS_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Where the report (CSV) of what could not be placed is written.
    #[arg(long, default_value = "import-rapport.csv")]
    rapport: PathBuf,
}

/// A file that could not be placed: one line of the report. No BSN: codes only, no messages.
struct Unplaced {
    file: String,
    bericht: String,
    identificatie: String,
    /// `onleesbaar`, `xsd`, `afgekeurd`, `onbekende-ontvanger`.
    outcome: &'static str,
    codes: String,
}

/// A readable file, with what orders it.
struct Entry {
    dagtekening: String,
    name: String,
    path: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let settings =
        load_settings(&args.config, args.data_dir.clone()).map_err(|e| Failure::new(2, e))?;
    let limits = Limits {
        max_bytes: settings.server.max_body_bytes,
        ..Limits::default()
    };
    let mut files = Vec::new();
    walk(&args.dir, &args.dir, &mut files)
        .map_err(|e| Failure::new(2, format!("{}: {e}", args.dir.display())))?;
    files.sort();
    let dir = settings.server.data_dir.display().to_string();
    let gateway = sluis::startup::offline_gateway(settings).map_err(|e| {
        Failure::new(
            2,
            format!("{dir}: {e} (is the gateway still running? stop it first)"),
        )
    })?;

    // First the headers, for the order; what does not read is reported and not taken in.
    let mut unplaced = Vec::new();
    let mut entries = Vec::with_capacity(files.len());
    let bar = progress(files.len(), "lezen");
    for (name, path) in files.iter().cloned() {
        bar.inc(1);
        let bytes = read_input(&path, limits.max_bytes)
            .map_err(|e| Failure::new(2, format!("{name}: {e}")))?;
        match intake::read(&bytes, None, &limits) {
            Ok(read) => entries.push(Entry {
                dagtekening: read.envelope.dagtekening.trim().to_string(),
                name,
                path,
            }),
            Err(refusal) => unplaced.push(refused(name, refusal.into())),
        }
    }
    bar.finish_and_clear();
    entries.sort_by(|a, b| (&a.dagtekening, &a.name).cmp(&(&b.dagtekening, &b.name)));

    let bar = progress(entries.len(), "importeren");
    let mut placed = 0usize;
    for e in entries {
        bar.inc(1);
        let bytes = read_input(&e.path, limits.max_bytes)
            .map_err(|err| Failure::new(2, format!("{}: {err}", e.name)))?;
        match gateway.import(&bytes) {
            Ok(i) if i.record.accepted => placed += 1,
            Ok(i) => unplaced.push(Unplaced {
                file: e.name,
                bericht: i.record.bericht.clone(),
                identificatie: i.record.identificatie.clone(),
                outcome: "afgekeurd",
                codes: codes(
                    i.record
                        .findings
                        .iter()
                        .map(|f| (f.code.as_str(), f.retourcode.as_deref())),
                ),
            }),
            Err(IngestError::Store(err)) => {
                bar.abandon();
                let _ = durable(&gateway);
                drop(gateway);
                // The part that was imported is in the store: the audit says so, as a failure.
                let _ = audit(
                    &args,
                    Audited::Failed,
                    format!("geplaatst {placed}; de opslag faalde bij {}", e.name),
                );
                return Err(Failure::new(
                    2,
                    format!(
                        "{}: the store failed ({err}); the files before it are imported",
                        e.name
                    ),
                ));
            }
            Err(other) => unplaced.push(refused(e.name, other)),
        }
    }
    bar.finish_and_clear();
    durable(&gateway).map_err(|e| Failure::new(2, format!("{dir}: {e}")))?;
    drop(gateway);
    let unreadable = unplaced
        .iter()
        .filter(|u| u.outcome == "onleesbaar")
        .count();
    let summary = format!(
        "gelezen {}, geplaatst {placed}, afgekeurd {}, onleesbaar {unreadable}",
        files.len(),
        unplaced.len() - unreadable
    );
    // NEN 7513: who loaded which care data into the store, and when. One entry per run (the
    // messages themselves are in the store with their identificatie); no file names, which may
    // carry personal data.
    audit(&args, Audited::Success, summary.clone())
        .map_err(|e| Failure::new(2, format!("{dir}: audit: {e}")))?;

    unplaced.sort_by(|a, b| a.file.cmp(&b.file));
    write_report(&args.rapport, &unplaced)
        .map_err(|e| Failure::new(2, format!("{}: {e}", args.rapport.display())))?;
    println!("{summary}");
    println!("rapport: {}", args.rapport.display());
    Ok(if placed == files.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Every `*.xml` / `*.json` under `dir`, named by its path under `root`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if matches!(ext.as_deref(), Some("xml" | "json")) {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, path));
        }
    }
    Ok(())
}

/// The report line of a message that was not stored.
fn refused(file: String, e: IngestError) -> Unplaced {
    let (outcome, codes) = match &e {
        IngestError::Unreadable(_) => ("onleesbaar", "READ".to_string()),
        IngestError::Structure(f) => ("xsd", finding_codes(f)),
        IngestError::UnknownOntvanger => ("onbekende-ontvanger", String::new()),
        IngestError::Forbidden | IngestError::Store(_) => ("afgekeurd", String::new()),
    };
    Unplaced {
        file,
        bericht: String::new(),
        identificatie: String::new(),
        outcome,
        codes,
    }
}

fn finding_codes(findings: &[Finding]) -> String {
    codes(findings.iter().map(|f| (f.code, f.retourcode)))
}

/// `CODE/RETOURCODE` (or `CODE`) of each finding, once each, space-separated.
fn codes<'a>(findings: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> String {
    let mut out: Vec<String> = Vec::new();
    for (code, retourcode) in findings {
        let c = match retourcode {
            Some(r) => format!("{code}/{r}"),
            None => code.to_string(),
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.join(" ")
}

/// One audit entry for the run, written to the store once the import's gateway is closed.
fn audit(args: &Args, outcome: Audited, detail: String) -> Result<(), String> {
    let off = Offline::open(&args.config, args.data_dir.clone())?;
    let log = off.audit()?;
    off.record_with(&log, Action::Create, "import", None, outcome, Some(detail))?;
    off.close()
}

fn durable(gateway: &sluis::gateway::Gateway) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(gateway.durable())
        .map_err(|e| e.to_string())
}

fn write_report(path: &Path, rows: &[Unplaced]) -> std::io::Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    out.write_record(["file", "bericht", "identificatie", "outcome", "codes"])?;
    for r in rows {
        out.write_record([
            masked(&r.file).as_str(),
            &r.bericht,
            &masked(&r.identificatie),
            r.outcome,
            &r.codes,
        ])?;
    }
    out.flush()
}

/// A name as the report may show it: a run of exactly nine digits (it could be a BSN, an
/// archive may name its files by client) becomes `*********`.
fn masked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 9 {
            out.push_str("*********");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn nine_digit_runs_are_masked_in_the_report() {
        assert_eq!(
            masked("archief/999990019-jw301.xml"),
            "archief/*********-jw301.xml"
        );
        assert_eq!(masked("0001-JW305.xml"), "0001-JW305.xml");
        assert_eq!(masked("1234567890.xml"), "1234567890.xml");
        assert_eq!(masked("999990019"), "*********");
    }
}
