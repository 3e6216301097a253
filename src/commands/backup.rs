//! `sluis backup`: a consistent copy of a data directory's store in one file, while the
//! gateway runs (through its control socket) or while it is stopped (docs/operations.md).

use super::{current_thread, Failure, Outcome, StoreDir};
use sluis::store::backup::{self, Summary};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreDir,
    /// The backup file to write; an existing file is never overwritten.
    file: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let settings = args
        .store
        .settings()
        .map_err(|e| Failure::new(2, format!("backup: {e}")))?;
    let dir = settings.server.data_dir;
    if !sluis::store::Store::exists(&dir) {
        return Err(Failure::new(
            2,
            format!(
                "backup: there is no Sluis store in {} (check --data-dir, SLUIS_DATA_DIR or server.data_dir)",
                dir.display()
            ),
        ));
    }
    if args.file.exists() {
        return Err(Failure::new(
            2,
            format!(
                "backup: {} exists; choose a new file name (a backup is never overwritten)",
                args.file.display()
            ),
        ));
    }
    // Written under a temporary name and renamed once checked: FILE is whole or absent.
    let partial = PathBuf::from(format!("{}.partial", args.file.display()));
    let started = Instant::now();
    let written = write(&dir, &partial);
    let checked = written.and_then(|how| {
        let file = std::fs::File::open(&partial).map_err(|e| e.to_string())?;
        let (header, summary) =
            backup::verify(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
        Ok((how, header, summary))
    });
    let (how, header, summary) = match checked {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(Failure::new(
                1,
                format!("backup: {e}; no backup was written"),
            ));
        }
    };
    std::fs::rename(&partial, &args.file)
        .and_then(|()| sync_dir(&args.file))
        .map_err(|e| Failure::new(1, format!("backup: {}: {e}", args.file.display())))?;
    let bytes = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    println!(
        "back-up geschreven: {} ({} bomen, {} sleutels, {:.1} MB) van een {} gateway in {:.1} s, genomen {}",
        args.file.display(),
        summary.trees,
        summary.entries,
        bytes as f64 / 1e6,
        how,
        started.elapsed().as_secs_f64(),
        header.created
    );
    println!(
        "de back-up bevat versleutelde gegevens; bewaar de hoofdsleutel apart (zonder sleutel is hij onleesbaar)"
    );
    Ok(ExitCode::SUCCESS)
}

/// Write the backup to `partial`: from the running gateway's control socket, else from the
/// store itself (the gateway is stopped). Says which.
fn write(dir: &Path, partial: &Path) -> Result<&'static str, String> {
    use std::os::unix::fs::OpenOptionsExt;
    // Sealed data, but still the whole store: for its owner only.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(partial)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let how = match sluis::control::request_backup(dir)
        .map_err(|e| format!("control socket: {e}"))?
    {
        Some(mut stream) => {
            std::io::copy(&mut stream, &mut out).map_err(|e| format!("from the gateway: {e}"))?;
            "draaiende"
        }
        None => {
            let store = sluis::store::Store::open(dir, std::time::Duration::from_millis(2))
                .map_err(|e| match e {
                    sluis::store::StoreError::Locked { .. } => format!(
                        "{e}; its control socket {} does not answer (an older Sluis, or a data directory path too long for a socket): stop the gateway and run `sluis backup` again",
                        dir.join(sluis::control::SOCKET).display()
                    ),
                    e => e.to_string(),
                })?;
            let summary: Summary = store.export(&mut out).map_err(|e| e.to_string())?;
            // In the audit, as the running gateway records it (after the copy: not in it).
            let user = std::env::var("USER").unwrap_or_default();
            let audit = sluis::security::audit::AuditLog::new(
                store.open_tree("audit").map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            audit
                .append(sluis::control::backup_event(
                    &format!("cli:{user}"),
                    &summary,
                ))
                .map_err(|e| format!("audit: {e}"))?;
            current_thread("backup")
                .map_err(|f| f.message)?
                .block_on(store.durable())
                .map_err(|e| e.to_string())?;
            "gestopte"
        }
    };
    let file = out.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())?;
    Ok(how)
}

/// The rename on disk.
fn sync_dir(file: &Path) -> std::io::Result<()> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}
