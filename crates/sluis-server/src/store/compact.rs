//! Compaction: the store of a stopped gateway written anew with only its live data
//! (docs/retention.md, "Disk space").
//!
//! sled 0.34 reuses the space of removed and rewritten values only when a whole segment falls
//! below its cleanup threshold, so what the retention policy removes leaves the file as large
//! as before. A backup holds only live keys; restoring it gives a store of the live size. This
//! does that in one step, beside the data directory, checks the copy, and only then swaps the
//! two directories — a failure at any step leaves the original as it was.

use super::{backup, hwm, Store, StoreError};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    /// Bytes of the data directory's files before and after.
    pub before: u64,
    pub after: u64,
    /// Keys copied.
    pub entries: u64,
    /// Where the original was kept (`keep_old`), else `None` (removed).
    pub old: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("there is no Sluis store in {0}")]
    NoStore(String),
    #[error("{0} exists (left from an earlier compaction?): remove it first")]
    InTheWay(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Backup(#[from] backup::BackupError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the compacted copy does not hold what the store holds ({0}); the store is unchanged")]
    Mismatch(String),
}

/// The bytes on disk of every file under `dir` (allocated blocks, as `du` counts: sled's
/// files can have holes), without the fixed disk-full reserve.
pub fn dir_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_bytes(&e.path()),
                Ok(_) if e.file_name() == super::space::BALLAST => {}
                Ok(m) => total += m.blocks() * 512,
                Err(_) => {}
            }
        }
    }
    total
}

/// sled's own files in a data directory, and the disk-full reserve (the gateway makes it again
/// at start); everything else (the key, the high-water mark) is Sluis's and moves to the new
/// directory as it is.
fn not_carried(name: &str) -> bool {
    matches!(name, "conf" | "db" | "blobs" | super::space::BALLAST) || name.starts_with("snap.")
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "data".into());
    name.push(suffix);
    dir.with_file_name(name)
}

/// Compact the store in `dir` (its gateway stopped: a running one gives
/// [`StoreError::Locked`]). `keep_old`: keep the original beside it as `DIR.voor-comprimeren`.
pub fn compact(dir: &Path, keep_old: bool) -> Result<Compacted, CompactError> {
    if !Store::exists(dir) {
        return Err(CompactError::NoStore(dir.display().to_string()));
    }
    let fresh = sibling(dir, ".comprimeren");
    let file = sibling(dir, ".comprimeren.sluisbak");
    let old = sibling(dir, ".voor-comprimeren");
    for p in [&fresh, &file, &old] {
        if p.exists() {
            return Err(CompactError::InTheWay(p.display().to_string()));
        }
    }
    let before = dir_bytes(dir);
    let done = copy_live(dir, &fresh, &file);
    let _ = std::fs::remove_file(&file);
    let entries = match done {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(e);
        }
    };
    // The swap: two renames in one directory. Between them the data directory is missing for
    // a moment (a gateway started then finds nothing and says so); the original is kept
    // under its new name until the copy is in place.
    std::fs::rename(dir, &old)?;
    if let Err(e) = std::fs::rename(&fresh, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(e.into());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent)?.sync_all()?;
    }
    let after = dir_bytes(dir);
    let old = if keep_old {
        Some(old)
    } else {
        std::fs::remove_dir_all(&old)?;
        None
    };
    Ok(Compacted {
        before,
        after,
        entries,
        old,
    })
}

/// Write the live keys of `dir` into `fresh` through a backup `file`, carry Sluis's own files
/// over, and check the copy: the same keys, a store that opens against the same high-water
/// mark. Returns the number of keys.
fn copy_live(dir: &Path, fresh: &Path, file: &Path) -> Result<u64, CompactError> {
    let exported = {
        let store = Store::open(dir, Duration::from_millis(2))?;
        let mut out = BufWriter::new(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(file)?,
        );
        let summary = store.export(&mut out)?;
        out.flush()?;
        summary
    };
    let (_, restored) = backup::restore(BufReader::new(std::fs::File::open(file)?), fresh)?;
    if restored.entries != exported.entries || restored.trees != exported.trees {
        return Err(CompactError::Mismatch(format!(
            "{} trees and {} keys written, {} and {} read back",
            exported.trees, exported.entries, restored.trees, restored.entries
        )));
    }
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if not_carried(name) || !e.file_type()?.is_file() {
            continue;
        }
        // `copy` keeps the mode: the key stays 0600.
        std::fs::copy(e.path(), fresh.join(name))?;
    }
    // The copy opens, and holds at least what the high-water mark says the original held.
    let mark = hwm::read(fresh).map_err(|e| CompactError::Mismatch(e.to_string()))?;
    if mark.is_none() && hwm::read(dir).ok().flatten().is_some() {
        return Err(CompactError::Mismatch(
            "the high-water mark was not carried".into(),
        ));
    }
    let store = Store::open(fresh, Duration::from_millis(2))?;
    if let Some(mark) = &mark {
        if store.count() < mark.count {
            return Err(CompactError::Mismatch(format!(
                "{} messages counted, the mark says {}",
                store.count(),
                mark.count
            )));
        }
    }
    Ok(restored.entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compacted_store_holds_the_same_keys_in_fewer_bytes() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("data");
        {
            let db = sled::open(&dir).expect("db");
            let t = db.open_tree("proef").expect("tree");
            let big = vec![7u8; 8_000];
            for i in 0u32..3_000 {
                t.insert(i.to_be_bytes(), big.as_slice()).expect("insert");
            }
            // What retention does: most of it rewritten small.
            for i in 0u32..2_900 {
                t.insert(i.to_be_bytes(), &b"klein"[..]).expect("insert");
            }
            db.flush().expect("flush");
        }
        std::fs::write(dir.join("sluis.key"), b"sleutel").expect("key");
        let keys: Vec<_> = {
            let db = open_when_free(&dir);
            let t = db.open_tree("proef").expect("tree");
            t.iter().flatten().collect()
        };
        let done = compact(&dir, false).expect("compacted");
        assert!(
            done.after * 2 < done.before,
            "{} bytes after, {} before",
            done.after,
            done.before
        );
        assert_eq!(
            std::fs::read(dir.join("sluis.key")).expect("key"),
            b"sleutel"
        );
        let db = open_when_free(&dir);
        let t = db.open_tree("proef").expect("tree");
        let again: Vec<_> = t.iter().flatten().collect();
        assert_eq!(keys, again);
        assert!(!sibling(&dir, ".voor-comprimeren").exists());
        assert!(!sibling(&dir, ".comprimeren").exists());
    }

    /// sled in `dir`, once the handle closed a moment ago in this process has let go of its
    /// lock (sled's flusher thread sees the close within its flush interval: at most 2 s).
    fn open_when_free(dir: &Path) -> sled::Db {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match sled::open(dir) {
                Ok(db) => return db,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("db: {e}"),
            }
        }
    }

    #[test]
    fn nothing_changes_when_something_is_in_the_way() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("data");
        sled::open(&dir).expect("db").flush().expect("flush");
        std::fs::create_dir(sibling(&dir, ".comprimeren")).expect("dir");
        let e = compact(&dir, false).expect_err("refused");
        assert!(matches!(e, CompactError::InTheWay(_)), "{e}");
        assert!(Store::exists(&dir));
    }
}
