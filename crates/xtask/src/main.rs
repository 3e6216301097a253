//! Repository chores, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! `cargo xtask codegen` regenerates every committed generated file; `cargo xtask codegen --check`
//! regenerates into a scratch directory and fails, listing the files, when the committed ones
//! differ (docs/architecture.md, "Generated code").

mod codegen;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--xsd DIR]

  codegen        regenerate the schema tables (when the XSDs are there), the JSON Schemas,
                 the message fixtures and the rule fixtures, in place
  --check        regenerate into target/xtask-codegen and fail if any committed file differs
  --xsd DIR      the official iJw/iWmo material (default: ../shared/istandaarden beside the
                 repository); without it the XSD-derived tables are not regenerated";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => return Err(format!("unknown task `{other}`\n{USAGE}")),
        None => return Err(format!("no task given\n{USAGE}")),
    }
    let mut opts = codegen::Options {
        check: false,
        xsd: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => opts.check = true,
            "--xsd" => {
                let dir = args.next().ok_or("--xsd needs a directory")?;
                opts.xsd = Some(PathBuf::from(dir));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    codegen::run(&opts)
}
