//! `sluis jaar afspelen`: post a generated year to a running gateway, in order, each message
//! with its sender's demo token, and compare every answer with `verwacht.csv`.

use super::{current_thread, load_settings, Failure, Outcome};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Directory written by `sluis jaar genereer`.
    dir: PathBuf,
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Configuration whose demo tokens the parties post with.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
}

/// Per expected value (`ok` or a code): messages, agreed.
type Tally = BTreeMap<String, (usize, usize)>;

pub fn run(args: Args) -> Outcome {
    let settings = load_settings(&args.config, None)
        .map_err(|e| Failure::new(2, format!("jaar afspelen: {e}")))?;
    let tokens = sluis::demo::Tokens::from_settings(&settings);
    let manifest = std::fs::read_to_string(args.dir.join("verwacht.csv")).map_err(|e| {
        Failure::new(
            2,
            format!("jaar afspelen: {}/verwacht.csv: {e}", args.dir.display()),
        )
    })?;
    let rows = sluis_testkit::jaar::lees_manifest(&manifest);
    let runtime = current_thread("jaar afspelen")?;
    let (tally, wrong) = runtime
        .block_on(post_all(&args, &rows, &tokens))
        .map_err(|e| Failure::new(2, format!("jaar afspelen: {e}")))?;
    let (mut n, mut ok) = (0, 0);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (code, (count, agreed)) in &tally {
        rows.push(vec![
            code.to_string(),
            count.to_string(),
            agreed.to_string(),
        ]);
        n += count;
        ok += agreed;
    }
    rows.push(vec!["totaal".into(), n.to_string(), ok.to_string()]);
    print!(
        "{}",
        sluis::rapport::table(&["verwacht", "berichten", "eens"], &rows)
    );
    println!(
        "{:.2} % eens",
        if n == 0 {
            100.0
        } else {
            ok as f64 * 100.0 / n as f64
        }
    );
    for (file, verwacht, got) in wrong.iter().take(40) {
        println!("  oneens: {file}: verwacht {verwacht}, kreeg {got}");
    }
    Ok(if ok == n {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn post_all(
    args: &Args,
    rows: &[(String, String, String, String)],
    tokens: &sluis::demo::Tokens,
) -> Result<(Tally, Vec<(String, String, String)>), String> {
    let base = args.url.trim_end_matches('/');
    let client = sluis::client::client().map_err(|e| e.to_string())?;
    let mut tally = Tally::new();
    let mut wrong = Vec::new();
    let bar = sluis::client::progress(rows.len() as u64, "afspelen");
    for (file, _, afzender, verwacht) in rows {
        bar.inc(1);
        let body = std::fs::read(args.dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let token = tokens.party(afzender);
        // A 429 or 503 with Retry-After is "later", not an answer to compare.
        let resp = sluis::client::send_patiently(
            sluis::demo::with_token(client.post(format!("{base}/api/v1/berichten")), token)
                .header("Content-Type", "application/xml")
                .body(body),
        )
        .await
        .map_err(|e| format!("{file}: {e}"))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let (accepted, codes) = match location {
            Some(loc) if status.is_success() => {
                let stored: serde_json::Value = sluis::client::send_patiently(
                    sluis::demo::with_token(client.get(format!("{base}{loc}")), token),
                )
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| format!("{file}: {e}"))?
                .json()
                .await
                .map_err(|e| format!("{file}: {e}"))?;
                (stored["accepted"] == true, codes_of(&stored["findings"]))
            }
            _ => {
                let problem: serde_json::Value = resp.json().await.unwrap_or_default();
                let mut codes = codes_of(&problem["errors"]);
                if codes.is_empty() {
                    codes.push(format!("HTTP{}", status.as_u16()));
                }
                (false, codes)
            }
        };
        let agreed = sluis_testkit::jaar::klopt(verwacht, accepted, &codes);
        let e = tally.entry(verwacht.clone()).or_default();
        e.0 += 1;
        if agreed {
            e.1 += 1;
        } else {
            let got = if codes.is_empty() {
                "ok".to_string()
            } else {
                codes.join("+")
            };
            wrong.push((file.clone(), verwacht.clone(), got));
        }
    }
    bar.finish_and_clear();
    Ok((tally, wrong))
}

/// The rule codes of a list of findings or problem errors, each once, in order.
fn codes_of(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
    {
        if !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    }
    out
}
