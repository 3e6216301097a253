//! Durable acknowledgement: group commit with a real fsync.
//!
//! sled 0.34's `flush()` ends in `sync_file_range` on Linux, which writes the data but neither
//! the file's metadata nor the device's write cache. A message may only be acknowledged once it
//! is on disk, so after sled's flush we `fsync` sled's files (and the directory) ourselves.
//! Writers that finish a transaction while a sync is running wait for the next one, which then
//! covers all of them: one flush + fsync per batch, not per message.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
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
}

impl Committer {
    /// Start the commit thread for `db` stored in `dir`. `gather` is how long a sync waits for
    /// more writers to join before it starts (0: start at once).
    pub fn start(db: sled::Db, dir: &Path, gather: Duration) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("sluis-commit".into())
            .spawn(move || run(dir, gather, rx))?;
        Ok(Committer { db, requests: tx })
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

fn run(dir: PathBuf, gather: Duration, rx: mpsc::Receiver<Waiter>) {
    // Ends when every Committer (and so every sender) is gone.
    while let Ok((db, first)) = rx.recv() {
        if !gather.is_zero() {
            std::thread::sleep(gather);
        }
        let mut batch = vec![first];
        batch.extend(rx.try_iter().map(|(_, w)| w));
        let result = sync(&db, &dir).map_err(|e| e.to_string());
        drop(db);
        if let Err(e) = &result {
            tracing::error!(error = %e, "group commit failed; writers are told");
        }
        for w in batch {
            // A writer that gave up waiting is no reason to stop.
            let _ = w.send(result.clone());
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
        if entry.file_type()?.is_dir() {
            fsync_tree(&path)?;
        } else {
            File::open(&path)?.sync_all()?;
        }
    }
    // The directory itself, so new files (snapshots, blobs) are found after a crash.
    File::open(dir)?.sync_all()
}
