//! `sluis convert`: a message from XML to JSON or back.

use super::{print_message, read_input, Failure, Outcome, Target};
use sluis::Limits;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    to: Target,
    /// Message file; `-` reads standard input.
    file: PathBuf,
}

pub fn run(args: Args, limits: &Limits) -> Outcome {
    let file = args.file.display();
    let bytes = read_input(&args.file, limits.max_bytes)
        .map_err(|e| Failure::new(2, format!("{file}: cannot read file: {e}")))?;
    let parsed =
        sluis::parse(&bytes, limits).map_err(|e| Failure::new(2, format!("{file}: {e}")))?;
    let s = parsed.structured;
    if !s.findings.is_empty() {
        // An invalid message has no faithful other form: say why instead.
        eprintln!("{file}: {} is not valid, not converted:", s.document.code());
        for e in &s.findings {
            eprintln!("  {} {} {}", e.code, e.path, e.message);
        }
        return Ok(ExitCode::from(1));
    }
    print_message(&sluis::write(&s.document, args.to.format()));
    Ok(ExitCode::SUCCESS)
}
