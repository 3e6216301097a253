//! `sluis bewaren`: run the retention policy of `[bewaren]` now (docs/retention.md), on the
//! running gateway through its control socket, or on the store of a stopped one. `--droog`
//! only reports what would be removed.

use super::{Failure, Outcome, StoreDir};
use sluis::gateway::retention::Verslag;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreDir,
    /// Only report what would be removed; remove nothing.
    #[arg(long)]
    droog: bool,
    /// The report as JSON (one object) instead of lines for people.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Outcome {
    let settings = args
        .store
        .settings()
        .map_err(|e| Failure::new(2, format!("bewaren: {e}")))?;
    let dir = settings.server.data_dir.clone();
    if !sluis::store::Store::exists(&dir) {
        return Err(Failure::new(
            2,
            format!(
                "bewaren: er is geen Sluis-opslag in {} (controleer --data-dir, SLUIS_DATA_DIR of server.data_dir)",
                dir.display()
            ),
        ));
    }
    let (verslag, waar) = match sluis::control::request_bewaren(&dir, args.droog)
        .map_err(|e| Failure::new(1, format!("bewaren: control socket: {e}")))?
    {
        Some(answer) => (
            answer.map_err(|e| Failure::new(1, format!("bewaren: {e}")))?,
            "draaiende",
        ),
        None => {
            let gw = sluis::startup::offline_gateway(settings)
                .map_err(|e| Failure::new(1, format!("bewaren: {e}")))?;
            let user = std::env::var("USER").unwrap_or_default();
            let v = gw
                .bewaren_offline(&format!("cli:{user}"), args.droog)
                .map_err(|e| Failure::new(1, format!("bewaren: {e}")))?;
            (v, "gestopte")
        }
    };
    if args.json {
        let text = serde_json::to_string_pretty(&verslag)
            .map_err(|e| Failure::new(1, format!("bewaren: {e}")))?;
        println!("{text}");
    } else {
        print_verslag(&verslag, waar);
    }
    Ok(ExitCode::SUCCESS)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn print_verslag(v: &Verslag, waar: &str) {
    // Singular (the content) and plural (messages, entries), done or only counted.
    let (zou, zouden, is) = if v.droog {
        ("zou", "zouden", "worden ")
    } else {
        ("is", "zijn", "")
    };
    println!(
        "bewaarbeleid op een {waar} gateway{}:",
        if v.droog {
            " (proef: er is niets verwijderd)"
        } else {
            ""
        }
    );
    if let Some(o) = &v.overgeslagen {
        println!("  berichten en inhoud: overgeslagen ({o})");
    } else {
        println!(
            "  inhoud van {} berichten {zou} verwijderd {is}(ontvangen voor {}; {})",
            v.payloads,
            &v.payload_grens[..10.min(v.payload_grens.len())],
            mb(v.payload_bytes)
        );
        println!(
            "  {} berichten met {} inbox- en bezorgregels {zouden} helemaal verwijderd {is}(ontvangen voor {}; {})",
            v.berichten,
            v.rijen,
            &v.gegevens_grens[..10.min(v.gegevens_grens.len())],
            mb(v.bericht_bytes)
        );
        println!(
            "  bewaard omdat ze nog nodig zijn: {} niet bevestigd in een inbox, {} nog niet bezorgd, {} onbezorgbaar (mislukt)",
            v.bewaard_onbevestigd, v.bewaard_onbezorgd, v.bewaard_mislukt
        );
        println!(
            "  het dossier van {} cliënten {zou} verwijderd {is}({} sleutels; alles afgelopen voor {}), en {} declaraties zonder prestaties",
            v.dossiers,
            v.dossier_sleutels,
            &v.dossier_grens[..10.min(v.dossier_grens.len())],
            v.declaraties
        );
        println!(
            "  dossiers bewaard: {} nog lopend of open, {} met iets na de grens, {} gedeeld met een andere cliënt",
            v.dossier_open, v.dossier_recent, v.dossier_gedeeld
        );
        println!(
            "  {} blokken stuurinformatie {zouden} verwijderd {is}({} berichten, ontvangen voor {})",
            v.stroom_blokken,
            v.stroom_berichten,
            &v.dossier_grens[..10.min(v.dossier_grens.len())]
        );
    }
    println!(
        "  {} auditregels {zouden} opgeschoond {is}(geschreven voor {}){}",
        v.audit,
        &v.audit_grens[..10.min(v.audit_grens.len())],
        v.audit_anker
            .map(|a| format!("; de keten begint na regel {a}"))
            .unwrap_or_default()
    );
    println!(
        "  opslag op schijf: {} (sled geeft ruimte geleidelijk terug); {} ms",
        mb(v.bytes_op_schijf),
        v.ms
    );
}
