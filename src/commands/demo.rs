//! `sluis demo`: post the generated demo data set to a running gateway.

use super::{current_thread, load_settings, Failure, Outcome};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The gateway, e.g. http://127.0.0.1:8080 (with the demo configuration).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 300)]
    clients: usize,
    /// Configuration whose demo tokens (`[[security.tokens]]` with `demo_secret`) the
    /// parties post with.
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let settings =
        load_settings(&args.config, None).map_err(|e| Failure::new(2, format!("demo: {e}")))?;
    let tokens = sluis::demo::Tokens::from_settings(&settings);
    if tokens.is_empty() {
        eprintln!(
            "demo: {} has no demo tokens; the messages are posted without credentials",
            args.config.display()
        );
    }
    let set = sluis::demo::generate(args.seed, args.clients);
    let runtime = current_thread("demo")?;
    let posted = runtime
        .block_on(sluis::demo::post_all(&args.url, &set, &tokens))
        .map_err(|e| Failure::new(2, format!("demo: {e}")))?;
    println!(
        "{} berichten geplaatst: {} geaccepteerd, {} afgekeurd",
        set.messages.len(),
        posted.accepted,
        posted.rejected.len()
    );
    for (label, status) in posted.rejected.iter().take(20) {
        println!("  afgekeurd ({status}): {label}");
    }
    println!(
        "verwachte indicatoren (zie `sluis rapport indicatoren --per team`):\n{}",
        serde_json::to_string_pretty(&set.verwacht.gemeente).unwrap_or_default()
    );
    Ok(if posted.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
