//! `sluis jaar`: a realistic year of one municipality's traffic (issue #12), generated
//! (`genereer`) and replayed against a running gateway (`afspelen`).

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Write the year's messages in posting order (DIR/0001-JW315.xml …) and DIR/verwacht.csv.
    Genereer(super::jaar_genereer::Args),
    /// Post a generated year to a running gateway and compare its answers with verwacht.csv.
    Afspelen(super::jaar_afspelen::Args),
}

pub fn run(args: Args) -> Outcome {
    match args.command {
        Sub::Genereer(a) => super::jaar_genereer::run(a),
        Sub::Afspelen(a) => super::jaar_afspelen::run(a),
    }
}
