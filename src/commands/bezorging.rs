//! `sluis bezorging`: push delivery on a running gateway (operator token): the backlog per
//! party, and the re-drive of dead letters (`docs/delivery.md`).

use super::{current_thread, Failure, Outcome};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The gateway, e.g. http://127.0.0.1:8080.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An operator's bearer token. Default: env SLUIS_TOKEN.
    #[arg(long, global = true)]
    token: Option<String>,
    #[command(subcommand)]
    actie: Actie,
}

#[derive(clap::Subcommand)]
enum Actie {
    /// Per party with an endpoint: undelivered messages, dead letters, the oldest's age.
    Overzicht,
    /// Offer dead letters again with a fresh budget of attempts: of one message, of one party,
    /// or all.
    Opnieuw {
        /// The id of a message (`GET /api/v1/berichten/{id}`).
        #[arg(long, conflicts_with_all = ["partij", "alles"], required_unless_present_any = ["partij", "alles"])]
        bericht: Option<u64>,
        /// AGB-code or gemeentecode of a party with an endpoint.
        #[arg(long, conflicts_with = "alles")]
        partij: Option<String>,
        #[arg(long)]
        alles: bool,
    },
}

pub fn run(args: Args) -> Outcome {
    let token = args
        .token
        .or_else(|| std::env::var("SLUIS_TOKEN").ok())
        .ok_or_else(|| Failure::new(2, "bezorging: geen token (--token of SLUIS_TOKEN)"))?;
    let runtime = current_thread("bezorging")?;
    let base = args.url.trim_end_matches('/').to_string();
    let (method, path, body) = match args.actie {
        Actie::Overzicht => (reqwest::Method::GET, "/api/v1/bezorging", None),
        Actie::Opnieuw {
            bericht,
            partij,
            alles,
        } => {
            let body = match (bericht, partij) {
                (Some(id), _) => serde_json::json!({ "bericht": id }),
                (None, Some(p)) => serde_json::json!({ "partij": p }),
                (None, None) => serde_json::json!({ "alles": alles }),
            };
            (
                reqwest::Method::POST,
                "/api/v1/bezorging/opnieuw",
                Some(body),
            )
        }
    };
    let answer = runtime.block_on(async {
        let client = sluis::client::client().map_err(|e| e.to_string())?;
        let mut req = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&token);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.send().await.map_err(|e| e.to_string())?;
        let status = r.status();
        let v: serde_json::Value = r.json().await.unwrap_or(serde_json::Value::Null);
        Ok::<_, String>((status, v))
    });
    let (status, v) = answer.map_err(|e| Failure::new(2, format!("bezorging: {e}")))?;
    if !status.is_success() {
        let detail = v["detail"].as_str().unwrap_or_default();
        return Err(Failure::new(
            1,
            format!("bezorging: {} {detail}", status.as_u16()),
        ));
    }
    if body.is_some() {
        println!("{} bezorging(en) opnieuw aangeboden", v["opnieuw"]);
        for i in v["items"].as_array().into_iter().flatten() {
            println!(
                "  bericht {} aan {} ({})",
                i["bericht_id"],
                i["partij"].as_str().unwrap_or("?"),
                i["soort"].as_str().unwrap_or("?")
            );
        }
    } else {
        println!("partij     openstaand  mislukt  oudste (s)");
        for p in v["partijen"].as_array().into_iter().flatten() {
            println!(
                "{:<10} {:>10}  {:>7}  {:>10}",
                p["partij"].as_str().unwrap_or("?"),
                p["openstaand"],
                p["mislukt"],
                p["oudste_seconden"]
                    .as_i64()
                    .map_or("-".to_string(), |s| s.to_string())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
