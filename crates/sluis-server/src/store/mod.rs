//! The durable store: sled trees for messages as received, their verdicts and retourberichten,
//! the identificaties per sender (idempotency) and the inbox of every party.
//!
//! Every message is written in one sled transaction (record, index, inbox entries) and
//! acknowledged only after [`durable::Committer`] has synced it to disk.
//!
//! Opening checks the store against its high-water mark ([`hwm`]) and refuses a store that lost
//! acknowledged data; writes are refused while the disk is nearly full ([`space`]).

pub mod backup;
pub mod compact;
pub mod durable;
pub mod guard;
mod history;
pub mod hwm;
pub mod outbox;
pub mod retention;
mod seal;
pub mod space;
mod stroom;
#[cfg(test)]
mod tests;

pub use history::{SledHistory, SledPlans, SledView, TreeKind};
pub use outbox::OutboxWrite;
pub use seal::Sealer;
pub use stroom::ChunkFault;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sluis_core::doelbereik::{PlanEffect, PlanEffects, PlanTree, Terugvordering};
use sluis_core::validate::history::{Effect, Effects, Tree};
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
    /// The message exactly as received (for the audit; receivers get `canonical`).
    pub body: String,
    /// Sluis's own serialisation of the judged message, in the form it came in: what its
    /// receivers get. Records from before it was kept read as empty and are written anew
    /// from `body` when delivered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub canonical: String,
    /// Accepted: no findings; the message goes on to its Ontvanger.
    pub accepted: bool,
    pub findings: Vec<StoredFinding>,
    pub retour: Option<StoredRetour>,
    /// Set when this is a different message under an identificatie already used by the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicts_with: Option<u64>,
    /// A declaratie of which some prestaties were granted (the routing rule reads it again on
    /// a replay). Records from before it was kept read as `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub granted: bool,
    /// When the retention policy removed the payload (body, canonical form, retourbericht XML;
    /// `docs/retention.md`), RFC 3339; the rest of the record stays until its own term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_verwijderd: Option<String>,
}

/// One finding, as answered (`errors` of a problem, a message or a validation). In the OpenAPI
/// document: `Finding`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(
    as = Finding,
    description = "Eén bevinding: de code van de regel (`XSD`, `TR101` …), de retourcode als de standaard er een geeft, het pad van het element en wat er mis is (Nederlands, nooit een BSN)."
)]
pub struct StoredFinding {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retourcode: Option<String>,
    pub path: String,
    pub message: String,
}

impl StoredBericht {
    /// It has a finding of levels 1–2 (XSD or an in-message rule: no retourcode, or `0001`),
    /// as `Finding::is_technisch` says of a finding not yet stored.
    pub fn technisch(&self) -> bool {
        self.findings.iter().any(|f| {
            f.retourcode
                .as_deref()
                .is_none_or(|c| c == sluis_core::codes::Retourcode::TECHNISCH_AFGEKEURD)
        })
    }
}

impl From<&sluis_core::Finding> for StoredFinding {
    fn from(f: &sluis_core::Finding) -> Self {
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
    /// `bericht`: a message for this party; `retour`: the answer to one it sent;
    /// `terugvordering`: Sluis's signal that the message `bericht_id` (a beoordeling) changed
    /// what is to be recovered, with the signal itself.
    pub kind: String,
    /// The signal of a `terugvordering` entry, opened (see `sealed`).
    #[serde(skip)]
    pub signaal: Option<Terugvordering>,
    /// The signal as stored: sealed like every record (amounts and toewijzingnummer are care
    /// data), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
}

/// The sealing context of a signal in an inbox entry.
const SIGNAAL: &str = "inbox_signaal";

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
    /// A view of the history could not be read while judging: the judgement is void.
    #[error("store: {0}")]
    Read(#[from] sluis_core::validate::history::ReadFault),
    /// Too little free space in the data directory: nothing was written; try again later.
    #[error("store: disk full: writes are refused until space is freed")]
    Full,
    /// The store on disk lost what it is known to have held, or cannot be opened: one line for
    /// the operator, with what to do.
    /// The data directory's lock is held: another process has the store open.
    #[error("the data directory {dir} is in use: another Sluis is running on it (its lock is held); stop that one first, or choose another data directory")]
    Locked { dir: String },
    #[error("the store in {dir} is damaged: {what}; restore the data directory from the last backup (docs/security.md, \"Operations\") and start again")]
    Damaged { dir: String, what: String },
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

/// sled's page cache, counted in the pages' bytes on disk; in memory a cached page takes two
/// to three times that. Records are written once and rarely read, the rules' lookups hit
/// recent pages: 4 MiB (was 32, before that 64) keeps a million-message gateway under 300 MB
/// RSS with room (`docs/performance.md`).
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    berichten: sled::Tree,
    identificaties: sled::Tree,
    inbox: sled::Tree,
    acks: sled::Tree,
    /// Counters kept in the message's transaction (`sled::Tree::len` walks the whole tree).
    meta: sled::Tree,
    /// Client facts ([`ClientInfo`]) by gemeente and BSN.
    clienten: sled::Tree,
    /// The flows' record of every message ([`stroom`]).
    stromen: sled::Tree,
    /// The cross-message rules' state, one sled tree per [`Tree`], in `Tree::ALL` order.
    history: Vec<sled::Tree>,
    /// The plan history, one sled tree per [`PlanTree`], in `PlanTree::ALL` order.
    plans: Vec<sled::Tree>,
    /// Push delivery: the undelivered entries per lane, and every delivery's status
    /// ([`outbox`]).
    outbox: sled::Tree,
    deliveries: sled::Tree,
    committer: durable::Committer,
    /// Encryption at rest and pseudonymised keys (identity without keys).
    sealer: Sealer,
    /// Free space in the data directory: writes are refused before the disk is full.
    space: space::Space,
    /// Where it is, and how long a group commit gathers writers: to reopen it.
    dir: std::path::PathBuf,
    commit_wait: Duration,
}

/// A message record as stored: JSON, LZ4-compressed (messages are XML and compress about
/// fourfold, which is most of the store's size per message), then sealed.
fn encode(record: &StoredBericht, sealer: &Sealer) -> Result<Vec<u8>, StoreError> {
    let json =
        serde_json::to_vec(record).map_err(|e| StoreError::Corrupt(record.id, e.to_string()))?;
    sealer.seal(
        "berichten",
        &be(record.id),
        lz4_flex::compress_prepend_size(&json),
    )
}

fn decode(id: u64, bytes: &[u8], sealer: &Sealer) -> Result<StoredBericht, StoreError> {
    let opened = sealer
        .open("berichten", &be(id), bytes)
        .map_err(|e| StoreError::Corrupt(id, e))?;
    let json = lz4_flex::decompress_size_prepended(&opened)
        .map_err(|e| StoreError::Corrupt(id, e.to_string()))?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt(id, e.to_string()))
}

/// What a client is known by besides its toewijzingen: the postcode of its address, its name
/// and birth date in the latest JW301/WMO301, and the gebiedsteam the back office assigned it to (which prevails over
/// the postcode areas of the configuration).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClientInfo {
    /// The client's BSN (the record is sealed; its key holds only the pseudonym).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bsn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The name in the latest toewijzing: special personal data, so only ever in this sealed
    /// record (never in a key, a log or an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naam: Option<sluis_core::intake::ClientNaam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geboortedatum: Option<sluis_core::standard::types::Datum>,
}

/// Everything a message changes besides its own record, written in its transaction.
#[derive(Debug, Default)]
pub struct Writes {
    /// (party, kind): inbox entries to add.
    pub inbox: Vec<(String, &'static str)>,
    /// (party, signal): `terugvordering` entries to add after them.
    pub signalen: Vec<(String, Terugvordering)>,
    /// Changes to the standard's history.
    pub effects: Effects,
    /// Changes to the plan history.
    pub plans: PlanEffects,
    /// (key of gemeente and BSN, info): client facts to set.
    pub clienten: Vec<(Vec<u8>, ClientInfo)>,
    /// Push deliveries to add to the outbox (parties with an endpoint).
    pub outbox: Vec<OutboxWrite>,
    /// Now, ms since the epoch: when the deliveries were accepted.
    pub now_ms: i64,
    /// The message's record for the flows (`stuurinformatie::encode`; empty: left out of the
    /// figures), written to [`stroom`]'s tree (its chunk) in the same transaction. `None`:
    /// none written.
    pub stroom: Option<Vec<u8>>,
}

/// The key of a client in `clienten`.
pub fn client_key(gemeente: &str, bsn: &str) -> Vec<u8> {
    sluis_core::validate::history::state::key(&[gemeente, bsn])
}

/// The transaction's trees before the history trees: berichten, identificaties, inbox, meta,
/// clienten.
const FIXED_TREES: usize = 5;

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

fn open_family<T: TreeKind>(db: &sled::Db) -> Result<Vec<sled::Tree>, sled::Error> {
    T::all()
        .iter()
        .map(|t| db.open_tree(t.sled_name()))
        .collect()
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|err| StoreError::Corrupt(0, err.to_string()))
}

impl Store {
    /// Open (or create) the store in `dir`. sled recovers a crashed store itself: what was
    /// synced is there, a transaction is there whole or not at all.
    /// Without keys: for tools that read only the token and audit trees (message data does not
    /// open without the keys).
    /// Write every tree to `out` ([`backup::export`]). Not a snapshot by itself: the
    /// gateway pauses its writers around it ([`crate::gateway::Gateway::backup`]).
    pub fn export(
        &self,
        out: &mut dyn std::io::Write,
    ) -> Result<backup::Summary, backup::BackupError> {
        backup::export(&self.db, out)
    }

    /// Whether `dir` holds a store (sled writes `conf` when it makes one).
    pub fn exists(dir: &Path) -> bool {
        dir.join("conf").is_file()
    }

    pub fn open(dir: &Path, commit_wait: Duration) -> Result<Store, StoreError> {
        Store::open_with(dir, commit_wait, None)
    }

    /// Open with the keys for encryption at rest (the gateway).
    pub fn open_with(
        dir: &Path,
        commit_wait: Duration,
        keys: Option<std::sync::Arc<crate::security::crypto::Keys>>,
    ) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let db = Store::open_sled(dir, hwm::Walk::Whole)?;
        Store::over(
            db,
            dir,
            commit_wait,
            Sealer::new(keys),
            space::Space::start(dir)?,
        )
    }

    /// Close sled and open it again, so the memory that reading the whole store left behind
    /// goes back to the system (the gateway's start-up: the integrity walk, the trajectory
    /// index and the flows' book read every page, and sled 0.34 keeps fresh bookkeeping for
    /// each page it read and evicted, scattered through the heap; measured in
    /// `docs/performance.md`, "Restart"). The high-water mark is checked again, without the
    /// walk it just did.
    ///
    /// This must be the only handle on the database: a tree opened from it elsewhere keeps
    /// sled open, and the reopen then fails as [`StoreError::Locked`] after two seconds
    /// (sled's file lock refuses a second open, also in this process), never with two
    /// databases over the same files.
    pub fn reopen(self) -> Result<Store, StoreError> {
        let (sealer, space) = (self.sealer.clone(), self.space.clone());
        let (dir, commit_wait) = (self.dir.clone(), self.commit_wait);
        // Every handle on sled goes here, the trees with it.
        drop(self);
        crate::memory::trim();
        let db = Store::open_sled(&dir, hwm::Walk::MarkOnly)?;
        Store::over(db, &dir, commit_wait, sealer, space)
    }

    /// sled's database in `dir`, checked against the high-water mark (reading the whole store
    /// or only the mark's records).
    fn open_sled(dir: &Path, reads: hwm::Walk) -> Result<sled::Db, StoreError> {
        let damaged = |what: String| StoreError::Damaged {
            dir: dir.display().to_string(),
            what,
        };
        let mark = hwm::read(dir).map_err(damaged)?;
        // sled's page cache defaults to 1 GiB; the records are read rarely once written, so a
        // small cache keeps the server's memory flat however many messages it holds.
        let opened = guard::quietly(|| {
            // A store closed a moment ago in this process (a restart, a CLI command after the
            // gateway) keeps its lock until sled's flusher thread has seen the close: wait for
            // that (at most 2 s) before calling the directory taken.
            let config = sled::Config::new().path(dir).cache_capacity(CACHE_BYTES);
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            let db = loop {
                match config.open() {
                    Err(sled::Error::Io(e))
                        if e.to_string().contains("could not acquire lock")
                            && std::time::Instant::now() < deadline =>
                    {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    other => break other?,
                }
            };
            let checked = match &mark {
                Some(mark) => hwm::check_with(&db, mark, reads),
                None => Ok(()),
            };
            Ok::<_, sled::Error>((db, checked))
        })
        .map_err(|panic| damaged(format!("it cannot be opened ({panic})")))?;
        let (db, checked) = match opened {
            Ok(x) => x,
            // Held by another process: say so, and by whom it is likely held.
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                return Err(StoreError::Locked {
                    dir: dir.display().to_string(),
                })
            }
            // No permission …: not damage.
            Err(sled::Error::Io(e))
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
                ) =>
            {
                return Err(sled::Error::Io(e).into())
            }
            Err(e) => return Err(damaged(format!("it cannot be opened ({e})"))),
        };
        checked.map_err(damaged)?;
        if mark.is_none() && db.open_tree("meta")?.get(COUNT)?.is_some() {
            // A store from before the mark, or one whose mark was removed on purpose.
            tracing::warn!(dir = %dir.display(), "no high-water mark ({}) for a store with messages: it cannot be checked for lost data this time", hwm::FILE);
        }
        Ok(db)
    }

    /// The store over an opened database.
    fn over(
        db: sled::Db,
        dir: &Path,
        commit_wait: Duration,
        sealer: Sealer,
        space: space::Space,
    ) -> Result<Store, StoreError> {
        let committer = durable::Committer::start(db.clone(), dir, commit_wait)?;
        let history = open_family::<Tree>(&db)?;
        let plans = open_family::<PlanTree>(&db)?;
        Ok(Store {
            history,
            plans,
            clienten: db.open_tree("clienten")?,
            stromen: db.open_tree(stroom::TREE)?,
            berichten: db.open_tree("berichten")?,
            identificaties: db.open_tree("identificaties")?,
            inbox: db.open_tree("inbox")?,
            outbox: db.open_tree("outbox")?,
            deliveries: db.open_tree("bezorging")?,
            acks: db.open_tree("inbox_acks")?,
            meta: db.open_tree("meta")?,
            db,
            committer,
            sealer,
            space,
            dir: dir.to_path_buf(),
            commit_wait,
        })
    }

    /// The data directory's free space (the gateway sets its reserve from the settings).
    pub fn space(&self) -> &space::Space {
        &self.space
    }

    /// A fresh id for a message (monotonic, survives restarts; gaps are possible).
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()? + 1)
    }

    /// Store a message with everything it changes ([`Writes`]: inbox entries, history and plan
    /// effects, client facts) in one transaction, unless its sender already used its
    /// identificatie for another message (then nothing is written). `claim` false stores it
    /// without claiming the identificatie (a conflicting duplicate or a rejected doelbereik
    /// message, kept for the audit); `replaces` lets it take over the identificatie of that
    /// earlier message (one the standard counts as never sent).
    pub fn insert(
        &self,
        record: &StoredBericht,
        claim: bool,
        replaces: Option<u64>,
        writes: &Writes,
    ) -> Result<Inserted, StoreError> {
        self.space.writable()?;
        let value = encode(record, &self.sealer)?;
        let key = ident_key(&record.afzender, &record.bericht, &record.identificatie);
        let mut inbox = Vec::with_capacity(writes.inbox.len());
        for (party, kind) in &writes.inbox {
            let cursor = self.db.generate_id()? + 1;
            let entry = InboxEntry {
                cursor,
                bericht_id: record.id,
                kind: (*kind).to_string(),
                signaal: None,
                sealed: None,
            };
            inbox.push((inbox_key(party, cursor), json(&entry)?));
        }
        for (party, signaal) in &writes.signalen {
            let cursor = self.db.generate_id()? + 1;
            let key = inbox_key(party, cursor);
            let sealed = self.sealer.seal(SIGNAAL, &key, json(signaal)?)?;
            let entry = InboxEntry {
                cursor,
                bericht_id: record.id,
                kind: "terugvordering".to_string(),
                signaal: None,
                sealed: Some(hex::encode(sealed)),
            };
            inbox.push((key, json(&entry)?));
        }
        let outbox = self.outbox_entries(record.id, &writes.outbox, writes.now_ms)?;
        let stroom = match &writes.stroom {
            Some(bytes) => Some(self.stroom_chunk(record.id, bytes)?),
            None => None,
        };
        // (tree, key, value or removal), trees numbered as in the transaction; keys as stored
        // (pseudonymised), records sealed, index entries pointing at stored primary keys.
        let mut puts: Vec<(usize, Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        let plan_base = FIXED_TREES + self.history.len();
        let sealer = &self.sealer;
        for e in &writes.effects.0 {
            puts.push(match e {
                Effect::Put { tree, key, record } => {
                    let k = sealer.key(key);
                    let v = sealer.seal(&tree.sled_name(), &k, json(record)?)?;
                    (FIXED_TREES + history::position(*tree), k, Some(v))
                }
                Effect::Index { tree, key, primary } => (
                    FIXED_TREES + history::position(*tree),
                    sealer.key(key),
                    Some(sealer.key(primary)),
                ),
                Effect::Remove { tree, key } => (
                    FIXED_TREES + history::position(*tree),
                    sealer.key(key),
                    None,
                ),
            });
        }
        for e in &writes.plans.0 {
            puts.push(match e {
                PlanEffect::Put { tree, key, record } => {
                    let k = sealer.key(key);
                    let v = sealer.seal(&tree.sled_name(), &k, json(record)?)?;
                    (plan_base + history::position(*tree), k, Some(v))
                }
                PlanEffect::Index { tree, key, primary } => (
                    plan_base + history::position(*tree),
                    sealer.key(key),
                    Some(sealer.key(primary)),
                ),
            });
        }
        for (k, info) in &writes.clienten {
            let k = sealer.key(k);
            let v = sealer.seal("clienten", &k, json(info)?)?;
            puts.push((4, k, Some(v)));
        }
        let mut trees = vec![
            self.berichten.clone(),
            self.identificaties.clone(),
            self.inbox.clone(),
            self.meta.clone(),
            self.clienten.clone(),
        ];
        trees.extend(self.history.iter().cloned());
        trees.extend(self.plans.iter().cloned());
        let outbox_at = trees.len();
        trees.push(self.outbox.clone());
        trees.push(self.deliveries.clone());
        let stroom_at = trees.len();
        trees.push(self.stromen.clone());
        let result = trees.as_slice().transaction(|t| {
            let (berichten, identificaties, inboxes, meta) = (&t[0], &t[1], &t[2], &t[3]);
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
            if let Some((k, v)) = &stroom {
                t[stroom_at].insert(k, v.as_slice())?;
            }
            let count = meta
                .get(COUNT)?
                .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(0);
            meta.insert(COUNT, &be(count + 1))?;
            for (k, v) in &inbox {
                inboxes.insert(k.as_slice(), v.as_slice())?;
            }
            for (key, skey, status) in &outbox {
                t[outbox_at].insert(key.as_slice(), skey.as_slice())?;
                t[outbox_at + 1].insert(skey.as_slice(), status.as_slice())?;
            }
            for (i, k, v) in &puts {
                let tree = &t[*i];
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

    /// What is known of a client (postcode, team set by the back office).
    pub fn client(&self, gemeente: &str, bsn: &str) -> Result<Option<ClientInfo>, StoreError> {
        let k = self.sealer.key(&client_key(gemeente, bsn));
        match self.clienten.get(&k)? {
            None => Ok(None),
            Some(v) => self.client_info(&k, &v).map(Some),
        }
    }

    fn client_info(&self, stored: &[u8], v: &[u8]) -> Result<ClientInfo, StoreError> {
        let plain = self
            .sealer
            .open("clienten", stored, v)
            .map_err(|e| StoreError::Corrupt(0, e))?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(0, e.to_string()))
    }

    /// Every client's facts, with its gemeente (the first key part) and BSN (from the record:
    /// the key holds only the pseudonym).
    pub fn clients(&self) -> Result<Vec<(String, String, ClientInfo)>, StoreError> {
        let mut out = Vec::new();
        for item in self.clienten.iter() {
            let (k, v) = item?;
            let g = k.split(|b| *b == 0).next().unwrap_or_default();
            let info = self.client_info(&k, &v)?;
            if let Some(b) = info.bsn.clone() {
                out.push((String::from_utf8_lossy(g).into_owned(), b, info));
            }
        }
        Ok(out)
    }

    /// Set a client's team (the back office's override), keeping what else is known of it.
    pub fn set_client_team(
        &self,
        gemeente: &str,
        bsn: &str,
        team: Option<String>,
    ) -> Result<ClientInfo, StoreError> {
        // Under the gateway's judging lock: read, change, write.
        self.space.writable()?;
        let k = self.sealer.key(&client_key(gemeente, bsn));
        let mut info = match self.clienten.get(&k)? {
            Some(v) => self.client_info(&k, &v)?,
            None => ClientInfo::default(),
        };
        info.bsn = Some(bsn.to_string());
        info.team = team;
        let v = self.sealer.seal("clienten", &k, json(&info)?)?;
        self.clienten.insert(k, v)?;
        Ok(info)
    }

    /// Another tree of the same database (tokens, audit), written outside the message
    /// transactions and made durable by the same group commit ([`Store::durable`]).
    pub fn open_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// The doelbereik checks' view of the store.
    pub fn plans(&self) -> SledPlans<'_> {
        SledPlans::new(&self.plans, &self.sealer)
    }

    /// The cross-message rules' view of the store.
    pub fn history(&self) -> SledHistory<'_> {
        SledHistory::new(&self.history, &self.sealer)
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
            Some(v) => decode(id, &v, &self.sealer).map(Some),
        }
    }

    /// The id under which a sender's identificatie of a message type is stored.
    pub fn by_identificatie(
        &self,
        afzender: &str,
        bericht: &str,
        identificatie: &str,
    ) -> Result<Option<u64>, StoreError> {
        match self
            .identificaties
            .get(ident_key(afzender, bericht, identificatie))?
        {
            None => Ok(None),
            // A damaged index entry is an error, never "not used before".
            Some(v) => v
                .as_ref()
                .try_into()
                .map(|b| Some(u64::from_be_bytes(b)))
                .map_err(|_| StoreError::Corrupt(0, "identificatie index entry".into())),
        }
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
            let b = decode(id, &v, &self.sealer)?;
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
            let (k, v) = item?;
            let mut entry: InboxEntry =
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(0, e.to_string()))?;
            if let Some(sealed) = &entry.sealed {
                let corrupt = |e: String| StoreError::Corrupt(entry.bericht_id, e);
                let bytes = hex::decode(sealed).map_err(|e| corrupt(e.to_string()))?;
                let plain = self.sealer.open(SIGNAAL, &k, &bytes).map_err(corrupt)?;
                entry.signaal =
                    Some(serde_json::from_slice(&plain).map_err(|e| corrupt(e.to_string()))?);
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// Put a stored message in these inboxes again (an operator's replay): new entries at the
    /// end, nothing else changes.
    pub fn requeue(
        &self,
        bericht_id: u64,
        inbox: &[(String, &'static str)],
    ) -> Result<Vec<u64>, StoreError> {
        self.space.writable()?;
        let mut cursors = Vec::with_capacity(inbox.len());
        let mut batch = sled::Batch::default();
        for (party, kind) in inbox {
            let cursor = self.db.generate_id()? + 1;
            let entry = InboxEntry {
                cursor,
                bericht_id,
                kind: (*kind).to_string(),
                signaal: None,
                sealed: None,
            };
            batch.insert(inbox_key(party, cursor), json(&entry)?);
            cursors.push(cursor);
        }
        self.inbox.apply_batch(batch)?;
        Ok(cursors)
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
        self.space.writable()?;
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

    /// Messages stored ever, from the counter kept with every insert (records the retention
    /// policy removed included: [`Store::held`] is what is there now).
    pub fn count(&self) -> u64 {
        self.meta
            .get(COUNT)
            .ok()
            .flatten()
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0)
    }

    /// Whether the store takes messages: a cheap read works, the last sync did, and the disk
    /// is not full.
    pub fn ready(&self) -> bool {
        !self.space.is_full() && self.committer.healthy() && self.berichten.first().is_ok()
    }
}
