//! The `sluis` command line: parse, start logging for the server, run one command
//! (`src/commands/`, one file each), exit with its code.

use clap::Parser;
use std::process::ExitCode;

mod commands;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    if cli.command.logs() {
        sluis::telemetry::init_logging(cli.log_format);
    }
    let limits = sluis::Limits {
        max_bytes: cli.max_bytes,
        ..sluis::Limits::default()
    };
    match cli.command.run(&limits, cli.log_format) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
