//! `sluis restore`: a backup into a new data directory, checked (docs/operations.md).

use super::{load_settings, Failure, Outcome};
use sluis::store::backup;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Configuration of the gateway that will run on the restored directory (its key file).
    #[arg(long, default_value = "config/sluis.toml")]
    config: PathBuf,
    /// The new data directory; one that holds a store already is refused.
    #[arg(long)]
    data_dir: PathBuf,
    /// The master key to place for this directory (copied to `security.key_file`, else
    /// DIR/sluis.key, when nothing is there yet). A backup never holds the key.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The backup file (`sluis backup`).
    file: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let fail = |code: u8, e: String| Failure::new(code, format!("restore: {e}"));
    let settings =
        load_settings(&args.config, Some(args.data_dir.clone())).map_err(|e| fail(2, e))?;
    let dir = settings.server.data_dir.clone();
    if sluis::store::Store::exists(&dir) {
        return Err(fail(
            2,
            format!(
                "{} already holds a store; restore into a new directory",
                dir.display()
            ),
        ));
    }
    let open = || {
        std::fs::File::open(&args.file)
            .map(std::io::BufReader::new)
            .map_err(|e| fail(2, format!("{}: {e}", args.file.display())))
    };
    // The whole file is checked before anything is written.
    let (header, summary) = backup::verify(open()?).map_err(|e| fail(1, e.to_string()))?;
    let created_dir = !dir.exists();
    if let Err(e) = backup::restore(open()?, &dir) {
        // What was begun is removed: a half store must never be started.
        if created_dir {
            let _ = std::fs::remove_dir_all(&dir);
        } else {
            remove_store_files(&dir);
        }
        return Err(fail(1, e.to_string()));
    }
    println!(
        "teruggezet in {}: {} bomen, {} sleutels, uit een back-up van {} (Sluis {})",
        dir.display(),
        summary.trees,
        summary.entries,
        header.created,
        header.sluis
    );
    let key_path = settings
        .security
        .key_file
        .clone()
        .unwrap_or_else(|| dir.join("sluis.key"));
    if let Some(key) = &args.key {
        place_key(key, &key_path).map_err(|e| fail(1, e))?;
    }
    // The audit chain: no key needed.
    {
        let store = sluis::store::Store::open(&dir, std::time::Duration::from_millis(2))
            .map_err(|e| fail(1, e.to_string()))?;
        let audit = sluis::security::audit::AuditLog::new(
            store
                .open_tree("audit")
                .map_err(|e| fail(1, e.to_string()))?,
        )
        .map_err(|e| fail(1, e.to_string()))?;
        match audit.verify() {
            Ok(v) => println!("auditlog intact: {} regels", v.entries),
            Err(b) => {
                return Err(fail(
                    1,
                    format!(
                        "the restored audit log is broken at entry {}: {}",
                        b.seq, b.reason
                    ),
                ))
            }
        }
    }
    if !key_path.exists() {
        println!(
            "LET OP: de hoofdsleutel staat niet in {}. Zet daar de sleutel van de oorspronkelijke \
             gateway neer (of geef --key) voordat u `sluis serve` start; een back-up bevat de \
             sleutel nooit, en zonder de juiste sleutel is de opslag onleesbaar.",
            key_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    // With the key: open the store as the gateway does (reads every trajectory, sealed).
    let mut offline = settings.clone();
    offline.security.create_key_if_missing = false;
    match sluis::startup::offline_gateway(offline) {
        Ok(gw) => {
            println!(
                "gecontroleerd met de sleutel in {}: {} trajecten leesbaar",
                key_path.display(),
                gw.trajectory_count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(fail(
            1,
            format!(
                "the store does not open with the key in {} ({e}); is it the key of the gateway that made the backup?",
                key_path.display()
            ),
        )),
    }
}

/// Copy the key to where the gateway will look, mode 0600, never over another file.
fn place_key(from: &Path, to: &Path) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if to.exists() {
        let same = std::fs::read(from).ok() == std::fs::read(to).ok();
        return if same {
            Ok(())
        } else {
            Err(format!(
                "{} exists and is another key; left as it is",
                to.display()
            ))
        };
    }
    let bytes = std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(|e| format!("{}: {e}", to.display()))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: {e}", to.display()))
}

/// sled's files and the high-water mark, in a directory that was there before.
fn remove_store_files(dir: &Path) {
    for name in ["conf", "db", "blobs", "snap", sluis::store::hwm::FILE] {
        let p = dir.join(name);
        let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("snap.") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
