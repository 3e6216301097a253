//! A backup of the store as one file, and its restore into a new data directory
//! (docs/operations.md, "Backup and restore").
//!
//! The file holds every sled tree, key by key, as stored: sealed records stay sealed, so a
//! backup is no more readable than the data directory without the master key (which is never
//! in it). It also holds sled's id counter, which lives outside the trees: a restored store
//! must not hand out a message id or inbox cursor again. Layout, all numbers big-endian:
//!
//! ```text
//! "SLUISBAK1\n"  u32 len, header JSON ({"sluis":"0.1.0","created":"…","next_id":N})
//! 'T' u32 len, tree name            (then that tree's entries)
//! 'E' u32 len, key, u32 len, value
//! …
//! 'Z' u32 trees, u64 entries, 32 bytes SHA-256 of everything before this record
//! 'X' u32 len, message              (instead of 'Z': the writer failed; the file is void)
//! ```
//!
//! Consistency is the caller's: [`export`] reads the trees one after another, so the
//! running gateway pauses its writers while it runs ([`crate::gateway::Gateway::backup`]).

use super::{hwm, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8] = b"SLUISBAK1\n";

/// The header of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// The version of Sluis that wrote it.
    pub sluis: String,
    /// When it was taken (RFC 3339, UTC).
    pub created: String,
    /// sled's id counter at the time: every id in the store is below it.
    pub next_id: u64,
}

/// What a backup holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub trees: u32,
    pub entries: u64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("not a Sluis backup, or damaged: {0}")]
    Format(String),
    /// The writer reported a failure inside the file.
    #[error("the backup failed while it was written: {0}")]
    Failed(String),
}

impl From<sled::Error> for BackupError {
    fn from(e: sled::Error) -> BackupError {
        BackupError::Store(StoreError::Sled(e))
    }
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn field(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let len =
            u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("a value above 4 GiB"))?;
        self.put(&len.to_be_bytes())?;
        self.put(bytes)
    }
}

/// Write every tree of `db` to `out`. Not a snapshot by itself (see the module).
pub fn export(db: &sled::Db, out: &mut dyn Write) -> Result<Summary, BackupError> {
    let header = Header {
        sluis: env!("CARGO_PKG_VERSION").to_string(),
        created: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        next_id: db.generate_id()?,
    };
    let mut w = Hashing {
        inner: out,
        hash: Sha256::new(),
        bytes: 0,
    };
    w.put(MAGIC)?;
    w.field(&serde_json::to_vec(&header).map_err(std::io::Error::other)?)?;
    let mut summary = Summary::default();
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        w.put(b"T")?;
        w.field(&name)?;
        summary.trees += 1;
        for kv in tree.iter() {
            let (k, v) = kv?;
            w.put(b"E")?;
            w.field(&k)?;
            w.field(&v)?;
            summary.entries += 1;
        }
    }
    let digest = w.hash.clone().finalize();
    w.put(b"Z")?;
    w.put(&summary.trees.to_be_bytes())?;
    w.put(&summary.entries.to_be_bytes())?;
    w.put(&digest)?;
    w.inner.flush()?;
    summary.bytes = w.bytes;
    Ok(summary)
}

/// Write the failure record: a reader of the stream learns why it ended.
pub fn fail(out: &mut dyn Write, why: &str) -> std::io::Result<()> {
    out.write_all(b"X")?;
    out.write_all(&(why.len() as u32).to_be_bytes())?;
    out.write_all(why.as_bytes())?;
    out.flush()
}

/// One record of a backup file.
enum Record {
    Tree(Vec<u8>),
    Entry(Vec<u8>, Vec<u8>),
}

/// Reads a backup, checking as it goes; the end record's hash is checked by [`Reader::end`].
struct Reader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, n: usize) -> Result<Vec<u8>, BackupError> {
        let mut buf = vec![0u8; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| BackupError::Format(format!("it ends early ({e})")))?;
        self.hash.update(&buf);
        Ok(buf)
    }

    fn field(&mut self) -> Result<Vec<u8>, BackupError> {
        let len = self.exact(4)?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        self.exact(len)
    }

    fn open(inner: R) -> Result<(Reader<R>, Header), BackupError> {
        let mut r = Reader {
            inner,
            hash: Sha256::new(),
        };
        if r.exact(MAGIC.len())? != MAGIC {
            return Err(BackupError::Format("no Sluis backup header".into()));
        }
        let header = serde_json::from_slice(&r.field()?)
            .map_err(|e| BackupError::Format(format!("header: {e}")))?;
        Ok((r, header))
    }

    /// The next record, or `None` at a verified end.
    fn next(&mut self, seen: &mut Summary) -> Result<Option<Record>, BackupError> {
        let before = self.hash.clone();
        let tag = self.exact(1)?;
        match tag[0] {
            b'T' => {
                seen.trees += 1;
                Ok(Some(Record::Tree(self.field()?)))
            }
            b'E' => {
                seen.entries += 1;
                let k = self.field()?;
                Ok(Some(Record::Entry(k, self.field()?)))
            }
            b'Z' => {
                let digest = before.finalize();
                let counts = self.exact(12)?;
                let trees = u32::from_be_bytes([counts[0], counts[1], counts[2], counts[3]]);
                let mut e = [0u8; 8];
                e.copy_from_slice(&counts[4..]);
                let entries = u64::from_be_bytes(e);
                let hash = self.exact(32)?;
                if hash != digest.as_slice() {
                    return Err(BackupError::Format("its checksum does not match".into()));
                }
                if trees != seen.trees || entries != seen.entries {
                    return Err(BackupError::Format(format!(
                        "it says {trees} trees and {entries} entries, it holds {} and {}",
                        seen.trees, seen.entries
                    )));
                }
                Ok(None)
            }
            b'X' => {
                let why = self.field()?;
                Err(BackupError::Failed(
                    String::from_utf8_lossy(&why).into_owned(),
                ))
            }
            other => Err(BackupError::Format(format!("unknown record {other:#04x}"))),
        }
    }
}

/// Read a whole backup and check it (structure, counts, checksum) without writing anything.
pub fn verify(input: impl Read) -> Result<(Header, Summary), BackupError> {
    let (mut r, header) = Reader::open(input)?;
    let mut seen = Summary::default();
    while r.next(&mut seen)?.is_some() {}
    Ok((header, seen))
}

/// Restore a backup into `dir`, which must not hold a store yet. The caller verifies the file
/// first ([`verify`]); a failure here leaves a partial store behind, which the caller removes.
/// Writes the high-water mark of what was restored, so the next start checks against it.
pub fn restore(input: impl Read, dir: &Path) -> Result<(Header, Summary), BackupError> {
    if super::Store::exists(dir) {
        return Err(BackupError::Io(std::io::Error::other(format!(
            "{} already holds a store; restore into a new directory",
            dir.display()
        ))));
    }
    std::fs::create_dir_all(dir)?;
    let (mut r, header) = Reader::open(input)?;
    // No background flusher (the restore flushes itself): its thread would hold the directory's
    // lock for a moment after the drop below, and the caller opens the store right after.
    let db = sled::Config::new().path(dir).flush_every_ms(None).open()?;
    let mut seen = Summary::default();
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0usize;
    while let Some(record) = r.next(&mut seen)? {
        match record {
            Record::Tree(name) => {
                if let Some(t) = tree.take() {
                    t.apply_batch(std::mem::take(&mut batch))?;
                    pending = 0;
                }
                tree = Some(db.open_tree(name)?);
            }
            Record::Entry(k, v) => {
                if tree.is_none() {
                    return Err(BackupError::Format("an entry before any tree".into()));
                }
                batch.insert(k, v);
                pending += 1;
                if pending >= 10_000 {
                    if let Some(t) = &tree {
                        t.apply_batch(std::mem::take(&mut batch))?;
                    }
                    pending = 0;
                }
            }
        }
    }
    if let Some(t) = &tree {
        t.apply_batch(batch)?;
    }
    // sled's id counter is not in any tree: move it past every id the backup holds.
    while db.generate_id()? < header.next_id {}
    db.flush()?;
    let mark = hwm::observe(&db)?;
    drop(db);
    hwm::write(dir, &mark)?;
    seen.bytes = 0;
    Ok((header, seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> sled::Db {
        let db = sled::open(dir).expect("db");
        db.insert(b"plain", b"default tree").expect("insert");
        let t = db.open_tree("berichten").expect("tree");
        for i in 0u64..2500 {
            t.insert(i.to_be_bytes(), format!("record {i}").as_bytes())
                .expect("insert");
        }
        db.open_tree("leeg").expect("tree");
        for _ in 0..1234 {
            db.generate_id().expect("id");
        }
        db
    }

    #[test]
    fn a_backup_restores_every_tree_key_for_key_and_the_id_counter() {
        let from = tempfile::tempdir().expect("dir");
        let db = sample(from.path());
        let mut file = Vec::new();
        let made = export(&db, &mut file).expect("export");
        assert_eq!(made.bytes, file.len() as u64);
        let (header, seen) = verify(&file[..]).expect("verifies");
        assert_eq!((seen.trees, seen.entries), (made.trees, made.entries));
        assert!(header.next_id >= 1234);
        let to = tempfile::tempdir().expect("dir");
        let target = to.path().join("nieuw");
        restore(&file[..], &target).expect("restores");
        // sled may hold the lock a moment after the restore's close (as `Store::open` allows).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let back = loop {
            match sled::open(&target) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("opens: {e}"),
            }
        };
        let names = back.tree_names();
        for name in db.tree_names() {
            assert!(names.contains(&name), "{}", String::from_utf8_lossy(&name));
            let a: Vec<_> = db.open_tree(&name).expect("t").iter().flatten().collect();
            let b: Vec<_> = back.open_tree(&name).expect("t").iter().flatten().collect();
            assert_eq!(a, b, "tree {}", String::from_utf8_lossy(&name));
        }
        assert!(back.generate_id().expect("id") >= header.next_id);
        assert!(hwm::read(&target).expect("mark").is_some());
        drop(back);
        assert!(
            restore(&file[..], &target).is_err(),
            "never into a directory that holds a store"
        );
    }

    #[test]
    fn a_damaged_or_cut_or_failed_backup_is_refused() {
        let from = tempfile::tempdir().expect("dir");
        let db = sample(from.path());
        let mut file = Vec::new();
        export(&db, &mut file).expect("export");
        let mut flipped = file.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x40;
        assert!(verify(&flipped[..]).is_err(), "a flipped byte");
        assert!(verify(&file[..file.len() - 10]).is_err(), "cut short");
        assert!(verify(&b"not a backup"[..]).is_err());
        // A failure record only counts at a record boundary; write one after the header.
        let mut head = Vec::new();
        head.extend_from_slice(MAGIC);
        let json = br#"{"sluis":"x","created":"y","next_id":1}"#;
        head.extend_from_slice(&(json.len() as u32).to_be_bytes());
        head.extend_from_slice(json);
        fail(&mut head, "disk full").expect("written");
        match verify(&head[..]) {
            Err(BackupError::Failed(why)) => assert_eq!(why, "disk full"),
            other => panic!("{other:?}"),
        }
    }
}
