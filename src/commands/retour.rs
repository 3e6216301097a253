//! `sluis retour`: the retourbericht the standard prescribes for a heenbericht.

use super::{parse_datum, print_message, read_input, Failure, Outcome, Target};
use sluis::standard::types::Datum;
use sluis::{Limits, RetourContext};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
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
}

/// A default IdentificatieRetour: 12 hex digits of a hash of the heenbericht, so the same
/// message gets the same identificatie on a rerun.
fn derived_identificatie(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

pub fn run(args: Args, limits: &Limits) -> Outcome {
    let file = args.file.display();
    let bytes = read_input(&args.file, limits.max_bytes)
        .map_err(|e| Failure::new(2, format!("{file}: cannot read file: {e}")))?;
    let verdict =
        sluis::validate(&bytes, limits).map_err(|e| Failure::new(2, format!("{file}: {e}")))?;
    let dagtekening = args.dagtekening.unwrap_or_else(Datum::today);
    let identificatie = args
        .identificatie
        .unwrap_or_else(|| derived_identificatie(&bytes));
    let ctx = RetourContext::new(identificatie, dagtekening);
    match sluis::retour(&verdict, &ctx) {
        Ok(doc) => {
            print_message(&sluis::write(&doc, args.format.format()));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{file}: geen retourbericht: {e}");
            for f in verdict
                .findings
                .iter()
                .filter(|f| f.code == sluis::validate::XSD)
            {
                eprintln!("  {} {} {}", f.code, f.path, f.message);
            }
            Ok(ExitCode::from(1))
        }
    }
}
