//! `sluis key-create`: a new master key file.

use super::{Failure, Outcome};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write it, e.g. /etc/sluis/sluis.key (then `security.key_file` in the config).
    file: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    sluis::security::crypto::Keys::create_file(&args.file)
        .map_err(|e| Failure::new(1, format!("key-create: {e}")))?;
    println!("{}: new key written (mode 0600)", args.file.display());
    Ok(ExitCode::SUCCESS)
}
