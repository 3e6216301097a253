//! `sluis jaar genereer`: write a generated year to a directory.

use super::{Failure, Outcome};
use sluis_testkit::jaar::{self, Opties, Verwacht};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 400)]
    clienten: usize,
    /// The year; the traffic runs from January to --tot-maand.
    #[arg(long, default_value_t = 2026)]
    jaar: i32,
    #[arg(long, default_value_t = 11)]
    tot_maand: u8,
    /// Directory to write to (created; existing message files are overwritten).
    #[arg(long)]
    uit: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let opties = Opties {
        seed: args.seed,
        clienten: args.clienten,
        jaar: args.jaar,
        tot_maand: args.tot_maand,
    };
    let berichten = jaar::genereer(&opties);
    let fail =
        |e: std::io::Error| Failure::new(2, format!("jaar genereer: {}: {e}", args.uit.display()));
    std::fs::create_dir_all(&args.uit).map_err(fail)?;
    for (i, b) in berichten.iter().enumerate() {
        std::fs::write(args.uit.join(jaar::bestandsnaam(i, b)), &b.xml).map_err(fail)?;
    }
    std::fs::write(args.uit.join("verwacht.csv"), jaar::manifest(&berichten)).map_err(fail)?;
    let fouten = berichten
        .iter()
        .filter(|b| b.verwacht != Verwacht::Ok)
        .count();
    println!(
        "{} berichten geschreven naar {} ({} schoon, {} met een fout)",
        berichten.len(),
        args.uit.display(),
        berichten.len() - fouten,
        fouten
    );
    Ok(ExitCode::SUCCESS)
}
