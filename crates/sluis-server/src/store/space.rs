//! Free space in the data directory.
//!
//! sled latches the first failed write for good (every later write and flush of that database
//! fails until it is opened again), so the store must not run into a full disk at all. Writes
//! are refused ([`StoreError::Full`]) while less than `min_free` bytes are free, long before
//! sled's own writes fail; the audit entries of reads and refusals still fit in what is left.
//!
//! Against a disk filled to the last byte by something else, the store keeps a ballast file
//! (`sluis.reserve`, half of `min_free`) that it deletes the moment space runs out, so sled has
//! room for the writes it is doing anyway. Writes come back only once the ballast is written
//! again and `min_free` is free besides: no flapping between full and not full.

use super::StoreError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The ballast file in the data directory.
pub const BALLAST: &str = "sluis.reserve";

/// What is refused below by default: 64 MiB.
pub const DEFAULT_MIN_FREE: u64 = 64 * 1024 * 1024;

/// How often the watcher looks (and gives the ballast back once space returns).
const TICK: Duration = Duration::from_millis(200);

/// The data directory's free space, shared by every clone of the store.
#[derive(Clone)]
pub struct Space {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    min_free: AtomicU64,
    /// Set when less than `min_free` was free; cleared by the watcher only.
    full: AtomicBool,
}

/// Bytes the current user may still write on the file system of `dir`.
pub fn available(dir: &Path) -> std::io::Result<u64> {
    fs2::available_space(dir)
}

impl Space {
    /// Watch `dir`; the watcher thread ends when the last clone is dropped.
    pub fn start(dir: &Path) -> std::io::Result<Space> {
        let inner = Arc::new(Inner {
            dir: dir.to_path_buf(),
            min_free: AtomicU64::new(DEFAULT_MIN_FREE),
            full: AtomicBool::new(false),
        });
        inner.tick();
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("sluis-space".into())
            .spawn(move || watch(weak))?;
        Ok(Space { inner })
    }

    /// Refuse writes while fewer than `bytes` are free (the setting `server.min_free_mb`).
    pub fn set_min_free(&self, bytes: u64) {
        self.inner.min_free.store(bytes, Ordering::Relaxed);
        self.inner.tick();
    }

    /// Whether a write may go ahead: an error while the disk is (nearly) full. One `statvfs`,
    /// so a filling disk is noticed at the write that would have been too much.
    pub fn writable(&self) -> Result<(), StoreError> {
        if self.inner.full.load(Ordering::Relaxed) {
            return Err(StoreError::Full);
        }
        match available(&self.inner.dir) {
            Ok(free) if free < self.inner.min_free.load(Ordering::Relaxed) => {
                self.inner.become_full(free);
                Err(StoreError::Full)
            }
            // A file system that cannot say how full it is: let sled find out.
            _ => Ok(()),
        }
    }

    /// Whether writes are refused for want of space.
    pub fn is_full(&self) -> bool {
        self.inner.full.load(Ordering::Relaxed)
    }
}

fn watch(inner: Weak<Inner>) {
    loop {
        std::thread::sleep(TICK);
        match inner.upgrade() {
            Some(inner) => inner.tick(),
            None => return,
        }
    }
}

impl Inner {
    fn ballast_bytes(&self) -> u64 {
        self.min_free.load(Ordering::Relaxed) / 2
    }

    fn ballast(&self) -> PathBuf {
        self.dir.join(BALLAST)
    }

    fn become_full(&self, free: u64) {
        if !self.full.swap(true, Ordering::Relaxed) {
            tracing::error!(
                free_bytes = free,
                min_free_bytes = self.min_free.load(Ordering::Relaxed),
                dir = %self.dir.display(),
                "disk (nearly) full: messages are refused (503) until space is freed"
            );
        }
        // Room for what sled writes meanwhile (audit entries of reads and refusals).
        if self.ballast().exists() {
            match std::fs::remove_file(self.ballast()) {
                Ok(()) => tracing::warn!("ballast {BALLAST} released"),
                Err(e) => tracing::error!(error = %e, "ballast {BALLAST} not released"),
            }
        }
    }

    fn tick(&self) {
        let Ok(free) = available(&self.dir) else {
            return;
        };
        let min_free = self.min_free.load(Ordering::Relaxed);
        if free < min_free {
            self.become_full(free);
            return;
        }
        let want = self.ballast_bytes();
        let have = std::fs::metadata(self.ballast()).map_or(0, |m| m.len());
        if have < want {
            // Only with the reserve free besides it; else try again next tick.
            if free < min_free + (want - have) {
                if self.full.load(Ordering::Relaxed) {
                    return;
                }
                // Not full, but no room for the ballast (a small disk): carry on without.
            } else if let Err(e) = write_ballast(&self.ballast(), want) {
                tracing::warn!(error = %e, "ballast {BALLAST} not written");
                let _ = std::fs::remove_file(self.ballast());
                return;
            }
        }
        if self.full.swap(false, Ordering::Relaxed) {
            tracing::warn!(free_bytes = free, "space is back: messages are taken again");
        }
    }
}

/// Really allocated (`fallocate`, synced), not sparse: a sparse file would free nothing when
/// deleted. Allocating writes no data, so it costs nothing at every start.
fn write_ballast(path: &Path, bytes: u64) -> std::io::Result<()> {
    use fs2::FileExt;
    let f = File::create(path)?;
    f.allocate(bytes)?;
    f.sync_all()
}
