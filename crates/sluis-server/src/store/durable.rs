//! Durable acknowledgement: group commit with a real fsync.
//!
//! sled 0.34's `flush()` ends in `sync_file_range` on Linux, which writes the data but neither
//! the file's metadata nor the device's write cache. A message may only be acknowledged once it
//! is on disk, so after sled's flush we `fsync` sled's files (and the directory) ourselves.
//! Writers that finish a transaction while a sync is running wait for the next one, which then
//! covers all of them: one flush + fsync per batch, not per message.
//!
//! A failed sync (a full or failing disk) is reported to every writer of its batch, who then
//! answers an error instead of an acknowledgement; the thread carries on, and the next batch
//! tries again. After a good sync it writes the high-water mark ([`super::hwm`]).

use super::hwm::{self, HighWater};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::oneshot;

/// A writer waiting for the next sync, with the database to sync. The commit thread holds no
/// database of its own between batches, so dropping the last `Store` closes sled (and
/// releases its lock) without waiting for this thread.
type Waiter = (sled::Db, oneshot::Sender<Result<(), String>>);

/// Hands out "durable now" notifications; cheap to clone.
#[derive(Clone)]
pub struct Committer {
    db: sled::Db,
    requests: mpsc::Sender<Waiter>,
    /// Whether the last sync succeeded (`/readyz`).
    healthy: Arc<AtomicBool>,
}

impl Committer {
    /// Start the commit thread for `db` stored in `dir`. `gather` is how long a sync waits for
    /// more writers to join before it starts (0: start at once).
    pub fn start(db: sled::Db, dir: &Path, gather: Duration) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let dir = dir.to_path_buf();
        let healthy = Arc::new(AtomicBool::new(true));
        let flag = healthy.clone();
        std::thread::Builder::new()
            .name("sluis-commit".into())
            .spawn(move || run(dir, gather, rx, flag))?;
        Ok(Committer {
            db,
            requests: tx,
            healthy,
        })
    }

    /// Whether the last sync succeeded.
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Wait until everything written before this call is on disk.
    pub async fn durable(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send((self.db.clone(), tx))
            .map_err(|_| "the commit thread has stopped".to_string())?;
        rx.await
            .map_err(|_| "the commit thread has stopped".to_string())?
    }

    /// The same, for code outside the async runtime (tools, tests).
    pub fn durable_blocking(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send((self.db.clone(), tx))
            .map_err(|_| "the commit thread has stopped".to_string())?;
        rx.blocking_recv()
            .map_err(|_| "the commit thread has stopped".to_string())?
    }
}

fn run(dir: PathBuf, gather: Duration, rx: mpsc::Receiver<Waiter>, healthy: Arc<AtomicBool>) {
    let mut written: Option<HighWater> = None;
    // Ends when every Committer (and so every sender) is gone.
    while let Ok((db, first)) = rx.recv() {
        if !gather.is_zero() {
            std::thread::sleep(gather);
        }
        let mut batch = vec![first];
        batch.extend(rx.try_iter().map(|(_, w)| w));
        // Read before the sync: the mark then claims nothing the sync did not cover.
        let mark = hwm::observe(&db);
        let result = sync(&db, &dir).map_err(|e| e.to_string());
        drop(db);
        healthy.store(result.is_ok(), Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, "group commit failed; writers are told");
        }
        for w in batch {
            // A writer that gave up waiting is no reason to stop.
            let _ = w.send(result.clone());
        }
        // After the answers: a mark that lags one batch behind is still a true lower bound.
        match (result, mark) {
            (Ok(()), Ok(mark)) if written.as_ref() != Some(&mark) => {
                match hwm::write(&dir, &mark) {
                    Ok(()) => written = Some(mark),
                    Err(e) => tracing::warn!(error = %e, "high-water mark not written"),
                }
            }
            (Ok(()), Err(e)) => tracing::warn!(error = %e, "high-water mark not read"),
            _ => {}
        }
    }
}

/// sled's flush, then fsync of every file sled keeps and of the directories holding them.
pub fn sync(db: &sled::Db, dir: &Path) -> std::io::Result<()> {
    db.flush().map_err(std::io::Error::other)?;
    fsync_tree(dir)
}

fn fsync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fsync_tree(&path)?;
        } else if kind.is_file() {
            File::open(&path)?.sync_all()?;
        }
        // Not data: the control socket (opening it fails with ENXIO), a fifo, a link.
    }
    // The directory itself, so new files (snapshots, blobs) are found after a crash.
    File::open(dir)?.sync_all()
}
