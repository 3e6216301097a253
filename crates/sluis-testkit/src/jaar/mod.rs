//! A realistic year of one municipality's traffic (issue #12): gemeente 0599 of the demo
//! configuration with its three aanbieders and their contracts, the requests, toewijzingen,
//! starts, stops and declaraties of a few hundred clients, in the order a gateway receives them,
//! each message with what the standard expects of it: accepted (a declaratie fully granted) or
//! rejected with the one rule code a rule text gives its fault.
//!
//! Deterministic for a seed; pure (strings out). The habits of the aanbieders:
//! - 12345678 (iJw and iWmo): one declaratie per client per month, some prestaties a month late;
//!   requests (JW315) honoured by a JW301 with their ReferentieAanbieder, or refused (JW319);
//! - 23456789 (iJw, output in euros): one batch a month, now and then a second batch for the same
//!   period with the prestaties that were late;
//! - 34567890 (iWmo): one batch a month, with credit plus corrected debet (IV086) now and then.
//!
//! About 3 % of the messages are faults, each an extra message that breaks one rule
//! ([`Fout`]); the clean traffic never depends on them.

mod gen;
pub mod rng;

pub use gen::genereer;
pub use rng::elfproef;

use time::Date;

/// The demo gemeente (`config/sluis.toml`).
pub const GEMEENTE: &str = "0599";
/// The gemeente a refusal on woonplaatsbeginsel (RedenAfwijzingVerzoek 8) names: Utrecht.
pub const ANDERE_GEMEENTE: &str = "0344";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Opties {
    pub seed: u64,
    pub clienten: usize,
    /// The year; every Dagtekening lies in it.
    pub jaar: i32,
    /// The last month with traffic (1–12): no message is dated after it.
    pub tot_maand: u8,
}

impl Default for Opties {
    fn default() -> Opties {
        Opties {
            seed: 1,
            clienten: 400,
            jaar: 2026,
            tot_maand: 11,
        }
    }
}

/// What the standard expects of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verwacht {
    /// Accepted without any finding (a declaratie: every prestatie granted).
    Ok,
    /// Rejected with this rule code (and no other).
    Fout(&'static str),
}

impl Verwacht {
    /// `ok` or the rule code, as in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Verwacht::Ok => "ok",
            Verwacht::Fout(c) => c,
        }
    }
}

/// One generated message, in posting order.
#[derive(Debug, Clone)]
pub struct JaarBericht {
    /// `JW315`, `WMO323` …
    pub bericht: String,
    /// The sending party: an AGB-code or the gemeentecode.
    pub afzender: String,
    pub dag: Date,
    pub xml: String,
    pub verwacht: Verwacht,
}

/// The file name of the `i`-th message (0-based): `0001-JW315.xml`.
pub fn bestandsnaam(i: usize, b: &JaarBericht) -> String {
    format!("{:04}-{}.xml", i + 1, b.bericht)
}

/// The manifest `verwacht.csv`: `bestand,bericht,afzender,verwacht` per message.
pub fn manifest(berichten: &[JaarBericht]) -> String {
    let mut out = String::from("bestand,bericht,afzender,verwacht\n");
    for (i, b) in berichten.iter().enumerate() {
        out.push_str(&format!(
            "{},{},{},{}\n",
            bestandsnaam(i, b),
            b.bericht,
            b.afzender,
            b.verwacht.as_str()
        ));
    }
    out
}

/// Whether an answer agrees with the expectation: clean means accepted without any rule code;
/// a fault means exactly its code (repeats of it allowed).
/// `verwacht` as in the manifest: `ok` or the code.
pub fn klopt(verwacht: &str, accepted: bool, codes: &[String]) -> bool {
    match verwacht {
        "ok" => accepted && codes.is_empty(),
        c => !codes.is_empty() && codes.iter().all(|x| x == c),
    }
}

/// A manifest line read back: (bestand, bericht, afzender, verwacht).
pub fn lees_manifest(text: &str) -> Vec<(String, String, String, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',').map(|s| s.trim().to_string());
            Some((f.next()?, f.next()?, f.next()?, f.next()?))
        })
        .collect()
}
