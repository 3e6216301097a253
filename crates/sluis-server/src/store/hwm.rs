//! The high-water mark: what the store is known to have held on disk, kept outside sled's files.
//!
//! A truncated or damaged sled file can open without complaint and with acknowledged messages
//! gone. After every group commit the committer writes `sluis.hwm` in the data directory (the
//! last message id, the message count and the audit head, as they were before the sync), so it
//! never claims more than is on disk. At start the store must hold at least that; otherwise it
//! refuses to open ([`StoreError::Damaged`]) and the operator restores from backup.

use super::{be, retention, StoreError, COUNT};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file in the data directory.
pub const FILE: &str = "sluis.hwm";

/// What the store held at the last group commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighWater {
    /// The highest message id stored.
    pub last_id: u64,
    /// Messages stored.
    pub count: u64,
    /// The audit chain's head: its last sequence number and that entry's hash.
    pub audit_seq: u64,
    pub audit_hash: String,
}

/// The audit log's head as `security::audit` stores it (tree `audit`, key `head`).
#[derive(Deserialize)]
struct AuditHead {
    seq: u64,
    hash: String,
}

const AUDIT_HEAD: &[u8] = b"head";
/// The last entry pruned by the retention policy (`security::audit`, key `anker`).
const AUDIT_ANCHOR: &[u8] = b"anker";

/// The key of audit entry `seq` (`security::audit`: `e` and the big-endian number).
fn audit_entry_key(seq: u64) -> [u8; 9] {
    let mut k = [b'e'; 9];
    k[1..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The mark as the database holds it now.
pub fn observe(db: &sled::Db) -> Result<HighWater, StoreError> {
    let meta = db.open_tree("meta")?;
    let count = meta
        .get(COUNT)?
        .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0);
    let last_id = db
        .open_tree("berichten")?
        .last()?
        .and_then(|(k, _)| k.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0);
    let (audit_seq, audit_hash) = match db.open_tree("audit")?.get(AUDIT_HEAD)? {
        None => (0, String::new()),
        Some(v) => {
            let h: AuditHead = serde_json::from_slice(&v)
                .map_err(|e| StoreError::Corrupt(0, format!("audit head: {e}")))?;
            (h.seq, h.hash)
        }
    };
    Ok(HighWater {
        last_id,
        count,
        audit_seq,
        audit_hash,
    })
}

/// The mark of the last commit; `None` in a new data directory (or one from before the mark).
pub fn read(dir: &Path) -> Result<Option<HighWater>, String> {
    match std::fs::read(path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{FILE} cannot be read ({e})")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{FILE} cannot be read ({e})")),
    }
}

/// Replace the mark atomically: a crash leaves the old one or the new one, never half.
pub fn write(dir: &Path, mark: &HighWater) -> std::io::Result<()> {
    let json = serde_json::to_vec(mark).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    let mut f = File::create(&tmp)?;
    f.write_all(&json)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path(dir))?;
    // The rename itself on disk.
    File::open(dir)?.sync_all()
}

/// Whether the database holds at least what `mark` says was on disk; else what is missing, in
/// words for the operator. Reads the whole store ([`walk`]).
pub fn check(db: &sled::Db, mark: &HighWater) -> Result<(), String> {
    check_with(db, mark, Walk::Whole)
}

/// How much of the store [`check_with`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Every entry of every tree (a store opened for the first time in this process).
    Whole,
    /// The mark's own records only: for a store reopened in the same process, which was read
    /// whole a moment before ([`super::Store::reopen`]).
    MarkOnly,
}

/// [`check`], reading the whole store or only what the mark names.
pub fn check_with(db: &sled::Db, mark: &HighWater, reads: Walk) -> Result<(), String> {
    let now = observe(db).map_err(|e| e.to_string())?;
    if now.count < mark.count {
        return Err(format!(
            "it holds {} messages where {} were stored",
            now.count, mark.count
        ));
    }
    if now.last_id < mark.last_id {
        return Err(format!(
            "its last message is {} where {} was stored",
            now.last_id, mark.last_id
        ));
    }
    let meta = db.open_tree("meta").map_err(|e| e.to_string())?;
    let meta_u64 = |key: &[u8]| -> Result<u64, String> {
        Ok(meta
            .get(key)
            .map_err(|e| e.to_string())?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    };
    // Removed on purpose by the retention policy (`docs/retention.md`), recorded with the
    // removal itself: not a loss.
    let removed = meta_u64(retention::REMOVED)?;
    let removed_up_to = meta_u64(retention::REMOVED_UP_TO)?;
    if mark.last_id > removed_up_to {
        let berichten = db.open_tree("berichten").map_err(|e| e.to_string())?;
        if berichten
            .get(be(mark.last_id))
            .map_err(|e| e.to_string())?
            .is_none()
        {
            return Err(format!("message {} is missing", mark.last_id));
        }
    }
    if now.audit_seq < mark.audit_seq {
        return Err(format!(
            "its audit log ends at entry {} where {} was written",
            now.audit_seq, mark.audit_seq
        ));
    }
    let audit = db.open_tree("audit").map_err(|e| e.to_string())?;
    let pruned = audit
        .get(AUDIT_ANCHOR)
        .map_err(|e| e.to_string())?
        .and_then(|v| serde_json::from_slice::<AuditHead>(&v).ok())
        .map_or(0, |a| a.seq);
    if mark.audit_seq > pruned {
        let entry = audit
            .get(audit_entry_key(mark.audit_seq))
            .map_err(|e| e.to_string())?
            .and_then(|v| serde_json::from_slice::<crate::security::audit::Entry>(&v).ok());
        match entry {
            Some(e) if e.hash() == mark.audit_hash => {}
            Some(_) => {
                return Err(format!(
                    "audit entry {} is not the one written",
                    mark.audit_seq
                ))
            }
            None => return Err(format!("audit entry {} is missing", mark.audit_seq)),
        }
    }
    match reads {
        Walk::Whole => walk(db, now.count.saturating_sub(removed)),
        Walk::MarkOnly => Ok(()),
    }
}

/// Read every entry of every tree once, so damage anywhere in the file (sled checks each
/// page it loads) stops the start instead of surfacing later as a missing record; and the
/// message tree must hold as many records as the counter says were stored. This reads the
/// whole store: about a second per GB on an ordinary disk (docs/store.md).
fn walk(db: &sled::Db, held: u64) -> Result<(), String> {
    for name in db.tree_names() {
        let tree = db.open_tree(&name).map_err(|e| e.to_string())?;
        let mut entries = 0u64;
        for kv in tree.iter() {
            kv.map_err(|e| format!("it cannot be read whole ({e})"))?;
            entries += 1;
        }
        if name.as_ref() == b"berichten" && entries != held {
            return Err(format!(
                "it holds {entries} message records where its counter says {held}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_replaced_whole_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(read(dir.path()), Ok(None));
        let mark = HighWater {
            last_id: 7,
            count: 5,
            audit_seq: 12,
            audit_hash: "ab".into(),
        };
        write(dir.path(), &mark).expect("written");
        assert_eq!(read(dir.path()), Ok(Some(mark)));
        assert!(!dir.path().join(format!("{FILE}.tmp")).exists());
        std::fs::write(dir.path().join(FILE), b"{half").expect("damage");
        assert!(read(dir.path()).is_err());
    }
}
