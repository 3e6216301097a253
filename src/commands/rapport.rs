//! `sluis rapport`: readable doelbereik and flow reports from a running gateway.

use super::{current_thread, Failure, Outcome};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The gateway, e.g. http://127.0.0.1:8080.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Bearer token: a gebiedsteam's for doelbereik, a contractmanager's for indicatoren
    /// (the demo tokens of `config/sluis.toml` work; README). Default: env SLUIS_TOKEN.
    #[arg(long, global = true)]
    token: Option<String>,
    #[command(subcommand)]
    rapport: Rapport,
}

#[derive(clap::Subcommand)]
enum Rapport {
    /// A gebiedsteam's trajectories with plan, stop, outcome and judgement.
    Doelbereik {
        #[arg(long)]
        team: String,
        /// Only ended trajectories without a resultaatmelding.
        #[arg(long)]
        zonder_resultaatmelding: bool,
        /// Only trajectories started at least this many days ago without a behandelplan.
        #[arg(long)]
        zonder_plan_na_dagen: Option<u32>,
        /// Only results the gebiedsteam disputed.
        #[arg(long)]
        betwist: bool,
        #[arg(long)]
        aanbieder: Option<String>,
    },
    /// Doelrealisatie, uitval, cliënttevredenheid and herhaald beroep with numerator and
    /// denominator, for trajectories ended in the period.
    Indicatoren {
        #[arg(long)]
        aanbieder: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// ijw or iwmo.
        #[arg(long)]
        domein: Option<String>,
        /// Ended on or after (JJJJ-MM-DD).
        #[arg(long)]
        van: Option<String>,
        /// Ended on or before (JJJJ-MM-DD).
        #[arg(long)]
        tot: Option<String>,
        /// Also per aanbieder, gemeente or team.
        #[arg(long)]
        per: Option<String>,
    },
    /// The flows per aanbieder (contractmanager): messages and retourcodes per berichtsoort,
    /// amounts and volumes per product, lead times (median, p90) and behandelplannen on time,
    /// per month or quarter (docs/stuurinformatie.md).
    Stromen {
        #[arg(long)]
        aanbieder: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// ijw or iwmo.
        #[arg(long)]
        standaard: Option<String>,
        /// JW323, 323 (both standards), behandelplan …
        #[arg(long)]
        berichtsoort: Option<String>,
        /// From this date (JJJJ-MM-DD), by the date each figure belongs to.
        #[arg(long)]
        van: Option<String>,
        /// Up to and including this date (JJJJ-MM-DD).
        #[arg(long)]
        tot: Option<String>,
        /// maand (default) or kwartaal.
        #[arg(long)]
        per: Option<String>,
        /// Days after the start within which a behandelplan counts as on time (default 42).
        #[arg(long)]
        plan_binnen: Option<u32>,
    },
}

/// Turns an endpoint's JSON into the printed report.
type Render = Box<dyn Fn(&serde_json::Value) -> String>;

pub fn run(args: Args) -> Outcome {
    let token = args.token.or_else(|| std::env::var("SLUIS_TOKEN").ok());
    let (path, render) = request(args.rapport);
    let runtime = current_thread("rapport")?;
    let v = runtime
        .block_on(sluis::rapport::fetch_all(
            &args.url,
            &path,
            token.as_deref(),
        ))
        .map_err(|e| Failure::new(1, format!("rapport: {e}")))?;
    print!("{}", render(&v));
    Ok(ExitCode::SUCCESS)
}

/// The endpoint a report reads, and how it is printed.
fn request(r: Rapport) -> (String, Render) {
    match r {
        Rapport::Doelbereik {
            team,
            zonder_resultaatmelding,
            zonder_plan_na_dagen,
            betwist,
            aanbieder,
        } => {
            let dagen = zonder_plan_na_dagen.map(|d| d.to_string());
            let q = sluis::rapport::query(&[
                (
                    "zonder_resultaatmelding",
                    zonder_resultaatmelding.then_some("true"),
                ),
                ("zonder_plan_na_dagen", dagen.as_deref()),
                ("betwist", betwist.then_some("true")),
                ("aanbieder", aanbieder.as_deref()),
            ]);
            let team_path: String = team
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            (
                format!("/api/v1/teams/{team_path}/doelbereik{q}"),
                Box::new(sluis::rapport::doelbereik_table),
            )
        }
        Rapport::Indicatoren {
            aanbieder,
            team,
            domein,
            van,
            tot,
            per,
        } => {
            let mut titel = String::from("Indicatoren");
            for (k, v) in [
                ("aanbieder", &aanbieder),
                ("team", &team),
                ("domein", &domein),
                ("van", &van),
                ("tot", &tot),
            ] {
                if let Some(v) = v {
                    titel.push_str(&format!(", {k} {v}"));
                }
            }
            let q = sluis::rapport::query(&[
                ("aanbieder", aanbieder.as_deref()),
                ("team", team.as_deref()),
                ("domein", domein.as_deref()),
                ("van", van.as_deref()),
                ("tot", tot.as_deref()),
                ("per", per.as_deref()),
            ]);
            (
                format!("/api/v1/indicatoren{q}"),
                Box::new(move |v| sluis::rapport::indicatoren_table(v, &titel)),
            )
        }
        Rapport::Stromen {
            aanbieder,
            team,
            standaard,
            berichtsoort,
            van,
            tot,
            per,
            plan_binnen,
        } => {
            let mut titel = String::from("Stromen");
            for (k, v) in [
                ("aanbieder", &aanbieder),
                ("team", &team),
                ("standaard", &standaard),
                ("berichtsoort", &berichtsoort),
                ("van", &van),
                ("tot", &tot),
            ] {
                if let Some(v) = v {
                    titel.push_str(&format!(", {k} {v}"));
                }
            }
            titel.push_str(&format!(", per {}", per.as_deref().unwrap_or("maand")));
            let dagen = plan_binnen.map(|d| d.to_string());
            let q = sluis::rapport::query(&[
                ("aanbieder", aanbieder.as_deref()),
                ("team", team.as_deref()),
                ("standaard", standaard.as_deref()),
                ("berichtsoort", berichtsoort.as_deref()),
                ("van", van.as_deref()),
                ("tot", tot.as_deref()),
                ("per", per.as_deref()),
                ("plan_binnen", dagen.as_deref()),
            ]);
            (
                format!("/api/v1/stromen{q}"),
                Box::new(move |v| sluis::rapport::stromen_table(v, &titel)),
            )
        }
    }
}
