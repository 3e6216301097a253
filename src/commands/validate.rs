//! `sluis validate`: check messages against the standard.

use super::{read_input, Outcome, OutputFormat};
use serde::Serialize;
use sluis::{Finding, Limits};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Message files; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args, limits: &Limits) -> Outcome {
    let reports: Vec<Report> = args
        .files
        .iter()
        .map(|f| validate_file(f, limits))
        .collect();
    match args.format {
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
    Ok(if reports.iter().any(|r| r.unreadable) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| !r.valid) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
