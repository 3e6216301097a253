//! The durable store: sled trees for messages as received, their verdicts and retourberichten,
//! the identificaties per sender (idempotency) and the inbox of every party.
//!
//! Every message is written in one sled transaction (record, index, inbox entries) and
//! acknowledged only after [`durable::Committer`] has synced it to disk.

pub mod durable;
mod history;

pub use history::SledHistory;

use crate::validate::history::{Effect, Effects, Tree};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// One message as received, with its verdict and answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredBericht {
    pub id: u64,
    /// RFC 3339, UTC.
    pub received_at: String,
    /// `xml` or `json`: the form it came in.
    pub format: String,
    /// `JW301` …
    pub bericht: String,
    pub afzender: String,
    pub ontvanger: String,
    pub identificatie: String,
    pub dagtekening: String,
    /// SHA-256 of the body, hex: the same message posted again is recognised by it.
    pub content_hash: String,
    /// The message exactly as received.
    pub body: String,
    /// Accepted: no findings; the message goes on to its Ontvanger.
    pub accepted: bool,
    pub findings: Vec<StoredFinding>,
    pub retour: Option<StoredRetour>,
    /// Set when this is a different message under an identificatie already used by the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicts_with: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredFinding {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retourcode: Option<String>,
    pub path: String,
    pub message: String,
}

impl From<&crate::Finding> for StoredFinding {
    fn from(f: &crate::Finding) -> Self {
        StoredFinding {
            code: f.code.to_string(),
            retourcode: f.retourcode.map(str::to_string),
            path: f.path.clone(),
            message: f.message.clone(),
        }
    }
}

/// The answer Sluis gave, kept as sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredRetour {
    /// `JW302` …
    pub bericht: String,
    pub identificatie: String,
    /// The retourbericht in the standard's XML.
    pub xml: String,
}

/// One entry of a party's inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InboxEntry {
    /// Position in the inbox; entries come in increasing order.
    pub cursor: u64,
    pub bericht_id: u64,
    /// `bericht`: a message for this party; `retour`: the answer to one it sent.
    pub kind: String,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Sled(#[from] sled::Error),
    #[error("store: record {0} cannot be read: {1}")]
    Corrupt(u64, String),
    #[error("store: not durable: {0}")]
    Durability(String),
    #[error("store: {0}")]
    Io(#[from] std::io::Error),
}

/// What happened to a message handed to [`Store::insert`].
#[derive(Debug)]
pub enum Inserted {
    /// Stored under this id.
    New(u64),
    /// The sender had already used this identificatie: the earlier record's id. Nothing was
    /// written; the caller decides (same content: replay the answer; other content: 9056).
    Exists(u64),
}

/// The key of the message counter in `meta`.
const COUNT: &[u8] = b"berichten";

/// sled's page cache.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    berichten: sled::Tree,
    identificaties: sled::Tree,
    inbox: sled::Tree,
    acks: sled::Tree,
    /// Counters kept in the message's transaction (`sled::Tree::len` walks the whole tree).
    meta: sled::Tree,
    /// The cross-message rules' state, one sled tree per [`Tree`], in `Tree::ALL` order.
    history: Vec<sled::Tree>,
    committer: durable::Committer,
}

/// A message record as stored: JSON, LZ4-compressed (messages are XML and compress about
/// fourfold, which is most of the store's size per message).
fn encode(record: &StoredBericht) -> Result<Vec<u8>, StoreError> {
    let json =
        serde_json::to_vec(record).map_err(|e| StoreError::Corrupt(record.id, e.to_string()))?;
    Ok(lz4_flex::compress_prepend_size(&json))
}

fn decode(id: u64, bytes: &[u8]) -> Result<StoredBericht, StoreError> {
    let json = lz4_flex::decompress_size_prepended(bytes)
        .map_err(|e| StoreError::Corrupt(id, e.to_string()))?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt(id, e.to_string()))
}

/// Where a history tree sits in `Store::history`.
fn tree_index(t: Tree) -> usize {
    Tree::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

fn be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// TR056: an identificatie is unique per sender and message type.
fn ident_key(afzender: &str, bericht: &str, identificatie: &str) -> Vec<u8> {
    [
        afzender.as_bytes(),
        b"\0",
        bericht.as_bytes(),
        b"\0",
        identificatie.as_bytes(),
    ]
    .concat()
}

fn inbox_key(party: &str, cursor: u64) -> Vec<u8> {
    [party.as_bytes(), b"\0", &be(cursor)].concat()
}

impl Store {
    /// Open (or create) the store in `dir`. sled recovers a crashed store itself: what was
    /// synced is there, a transaction is there whole or not at all.
    pub fn open(dir: &Path, commit_wait: Duration) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        // sled's page cache defaults to 1 GiB; the records are read rarely once written, so a
        // small cache keeps the server's memory flat however many messages it holds.
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()?;
        let committer = durable::Committer::start(db.clone(), dir, commit_wait)?;
        let history = Tree::ALL
            .iter()
            .map(|t| db.open_tree(format!("h_{}", t.name())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Store {
            history,
            berichten: db.open_tree("berichten")?,
            identificaties: db.open_tree("identificaties")?,
            inbox: db.open_tree("inbox")?,
            acks: db.open_tree("inbox_acks")?,
            meta: db.open_tree("meta")?,
            db,
            committer,
        })
    }

    /// A fresh id for a message (monotonic, survives restarts; gaps are possible).
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()? + 1)
    }

    /// Store a message, its inbox entries and its effects on the history in one transaction,
    /// unless its sender already used its identificatie for another message (then nothing is
    /// written). `claim` false stores it without claiming the identificatie (a conflicting
    /// duplicate, kept for the audit); `replaces` lets it take over the identificatie of that
    /// earlier message (one the standard counts as never sent).
    pub fn insert(
        &self,
        record: &StoredBericht,
        claim: bool,
        replaces: Option<u64>,
        inbox: &[(&str, &str)],
        effects: &Effects,
    ) -> Result<Inserted, StoreError> {
        let value = encode(record)?;
        let key = ident_key(&record.afzender, &record.bericht, &record.identificatie);
        let mut cursors = Vec::with_capacity(inbox.len());
        for _ in inbox {
            cursors.push(self.db.generate_id()? + 1);
        }
        let mut puts = Vec::with_capacity(effects.0.len());
        for e in &effects.0 {
            puts.push(match e {
                Effect::Put { tree, key, record } => {
                    let v = serde_json::to_vec(record)
                        .map_err(|err| StoreError::Corrupt(0, err.to_string()))?;
                    (tree_index(*tree), key.clone(), Some(v))
                }
                Effect::Index { tree, key, primary } => {
                    (tree_index(*tree), key.clone(), Some(primary.clone()))
                }
                Effect::Remove { tree, key } => (tree_index(*tree), key.clone(), None),
            });
        }
        let mut trees = vec![
            self.berichten.clone(),
            self.identificaties.clone(),
            self.inbox.clone(),
            self.meta.clone(),
        ];
        trees.extend(self.history.iter().cloned());
        let result = trees.as_slice().transaction(|t| {
            let (berichten, identificaties, inboxes) = (&t[0], &t[1], &t[2]);
            if claim {
                if let Some(existing) = identificaties.get(&key)? {
                    let id = u64::from_be_bytes(existing.as_ref().try_into().unwrap_or([0; 8]));
                    if Some(id) != replaces {
                        return Err(ConflictableTransactionError::Abort(id));
                    }
                }
                identificaties.insert(key.as_slice(), &be(record.id))?;
            }
            berichten.insert(&be(record.id), value.as_slice())?;
            let meta = &t[3];
            let count = meta
                .get(COUNT)?
                .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(0);
            meta.insert(COUNT, &be(count + 1))?;
            for ((party, kind), cursor) in inbox.iter().zip(&cursors) {
                let entry = InboxEntry {
                    cursor: *cursor,
                    bericht_id: record.id,
                    kind: (*kind).to_string(),
                };
                let v = serde_json::to_vec(&entry).unwrap_or_default();
                inboxes.insert(inbox_key(party, *cursor), v)?;
            }
            for (i, k, v) in &puts {
                let tree = &t[4 + i];
                match v {
                    Some(v) => tree.insert(k.as_slice(), v.as_slice())?,
                    None => tree.remove(k.as_slice())?,
                };
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(Inserted::New(record.id)),
            Err(TransactionError::Abort(id)) => Ok(Inserted::Exists(id)),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// The cross-message rules' view of the store.
    pub fn history(&self) -> SledHistory<'_> {
        SledHistory::new(&self.history)
    }

    /// Wait until everything written so far is on disk.
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.committer
            .durable()
            .await
            .map_err(StoreError::Durability)
    }

    pub fn get(&self, id: u64) -> Result<Option<StoredBericht>, StoreError> {
        match self.berichten.get(be(id))? {
            None => Ok(None),
            Some(v) => decode(id, &v).map(Some),
        }
    }

    /// The id under which a sender's identificatie of a message type is stored.
    pub fn by_identificatie(
        &self,
        afzender: &str,
        bericht: &str,
        identificatie: &str,
    ) -> Result<Option<u64>, StoreError> {
        Ok(self
            .identificaties
            .get(ident_key(afzender, bericht, identificatie))?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes)))
    }

    /// Messages with an id above `after`, oldest first, that pass `keep`; at most `limit`.
    pub fn list(
        &self,
        after: u64,
        limit: usize,
        mut keep: impl FnMut(&StoredBericht) -> bool,
    ) -> Result<Vec<StoredBericht>, StoreError> {
        let mut out = Vec::new();
        for item in self.berichten.range(be(after.saturating_add(1))..) {
            let (k, v) = item?;
            let id = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
            let b = decode(id, &v)?;
            if keep(&b) {
                out.push(b);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// A party's inbox entries after `after` (or after its last acknowledgement), at most `limit`.
    pub fn inbox(
        &self,
        party: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        let from = match after {
            Some(a) => a,
            None => self.acked(party)?,
        };
        let start = inbox_key(party, from.saturating_add(1));
        let end = inbox_key(party, u64::MAX);
        let mut out = Vec::new();
        for item in self.inbox.range(start..=end).take(limit) {
            let (_, v) = item?;
            out.push(
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(0, e.to_string()))?,
            );
        }
        Ok(out)
    }

    /// The cursor a party has acknowledged up to (0: nothing yet).
    pub fn acked(&self, party: &str) -> Result<u64, StoreError> {
        Ok(self
            .acks
            .get(party.as_bytes())?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// Acknowledge a party's inbox up to `cursor`; never moves back.
    pub fn ack(&self, party: &str, cursor: u64) -> Result<u64, StoreError> {
        let updated = self.acks.update_and_fetch(party.as_bytes(), |old| {
            let prev = old
                .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(0);
            Some(be(prev.max(cursor)).to_vec())
        })?;
        Ok(updated
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(cursor))
    }

    /// Bytes on disk, for the metrics.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    /// Messages stored, from the counter kept with every insert.
    pub fn count(&self) -> u64 {
        self.meta
            .get(COUNT)
            .ok()
            .flatten()
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0)
    }

    /// A cheap read that fails when the store does.
    pub fn ready(&self) -> bool {
        self.berichten.first().is_ok()
    }
}
