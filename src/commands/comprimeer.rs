//! `sluis comprimeer`: write the store of a stopped gateway anew with only its live data, so
//! the disk space that retention freed is given back (docs/retention.md, "Disk space").

use super::{current_thread, Failure, Outcome, StoreDir};
use sluis::store::compact::{self, CompactError};
use sluis::store::StoreError;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreDir,
    /// Keep the original beside it as DIR.voor-comprimeren (remove it yourself once the
    /// gateway runs on the new one).
    #[arg(long)]
    bewaar_oud: bool,
}

pub fn run(args: Args) -> Outcome {
    let fail = |code: u8, e: String| Failure::new(code, format!("comprimeer: {e}"));
    let settings = args.store.settings().map_err(|e| fail(2, e))?;
    let dir = settings.server.data_dir;
    let started = Instant::now();
    let done = compact::compact(&dir, args.bewaar_oud).map_err(|e| match e {
        CompactError::NoStore(_) => fail(
            2,
            format!("{e} (check --data-dir, SLUIS_DATA_DIR or server.data_dir)"),
        ),
        CompactError::Store(StoreError::Locked { .. }) => fail(
            2,
            format!("{e}: stop the gateway first; compaction needs the store to itself"),
        ),
        CompactError::InTheWay(_) => fail(2, e.to_string()),
        e => fail(1, e.to_string()),
    })?;
    // In the audit of the new store, as every operator action on the store is.
    let store = sluis::store::Store::open(&dir, std::time::Duration::from_millis(2))
        .map_err(|e| fail(1, e.to_string()))?;
    let audit = sluis::security::audit::AuditLog::new(
        store
            .open_tree("audit")
            .map_err(|e| fail(1, e.to_string()))?,
    )
    .map_err(|e| fail(1, e.to_string()))?;
    let user = std::env::var("USER").unwrap_or_default();
    audit
        .append(sluis::control::compact_event(
            &format!("cli:{user}"),
            done.entries,
            done.before,
            done.after,
        ))
        .map_err(|e| fail(1, format!("audit: {e}")))?;
    current_thread("comprimeer")?
        .block_on(store.durable())
        .map_err(|e| fail(1, e.to_string()))?;
    println!(
        "opslag gecomprimeerd: {:.1} MB → {:.1} MB ({} sleutels) in {:.1} s",
        done.before as f64 / 1e6,
        done.after as f64 / 1e6,
        done.entries,
        started.elapsed().as_secs_f64()
    );
    if let Some(old) = done.old {
        println!(
            "de oude opslag staat nog in {}; verwijder die zodra de gateway op de nieuwe draait",
            old.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
