//! The audit log (NEN 7513): one entry per access or denial, append-only in a sled tree,
//! hash-chained.
//!
//! Each entry holds the SHA-256 of the previous entry's canonical form, and the tree keeps the
//! latest `(seq, hash)` as its head, written in the same transaction as the entry. [`AuditLog::verify`]
//! walks the chain and reports the first bad seq: a modified, removed, inserted or reordered
//! entry breaks it, and a removed tail no longer matches the head.
//!
//! The limit: whoever can write the store can also rewrite the whole chain and the head
//! consistently. Only a copy of [`AuditLog::head`] kept elsewhere (an anchor: printed, mailed,
//! in another system) shows that; [`AuditLog::verify_anchor`] checks the log against one.

use crate::security::access::Role;
use crate::security::crypto::ClientPseudonym;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// Timestamps with fixed width (microseconds, `Z`), so that text order is time order.
const STAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

const ENTRY_PREFIX: u8 = b'e';
const HEAD_KEY: &[u8] = b"head";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An RFC 3339 UTC timestamp in the log's fixed form.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(STAMP)
        .unwrap_or_default()
}

/// What was done (or attempted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Read,
    Search,
    Update,
    Export,
    Replay,
    /// Refused before the action was known (no credentials, unknown route).
    Deny,
    TokenCreate,
    TokenRevoke,
    /// Someone ran `verify` on this log.
    Verify,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::Search => "search",
            Action::Update => "update",
            Action::Export => "export",
            Action::Replay => "replay",
            Action::Deny => "deny",
            Action::TokenCreate => "token_create",
            Action::TokenRevoke => "token_revoke",
            Action::Verify => "verify",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// 401: no valid credentials.
    Unauthenticated,
    /// 403: not allowed.
    Denied,
    /// Allowed, but it failed (invalid input, not found, store error).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// The object acted on: a kind (`bericht`, `inbox`, `toewijzing`, `behandelplan`, `audit`,
/// `token` …) and its id. A client is never an object id: use [`Event::client`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub kind: String,
    pub id: Option<String>,
}

impl Object {
    /// An object; an id that looks like a BSN (nine digits passing the elfproef) is masked,
    /// a safety net against a client's number slipping in as an id.
    pub fn new(kind: &str, id: Option<&str>) -> Object {
        let id = id.map(|id| {
            if looks_like_bsn(id) {
                "*********".to_string()
            } else {
                id.to_string()
            }
        });
        Object {
            kind: kind.to_string(),
            id,
        }
    }
}

fn looks_like_bsn(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: i64 = b
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let w = if i == 8 { -1 } else { 9 - i as i64 };
            w * i64::from(d - b'0')
        })
        .sum();
    sum % 11 == 0
}

/// What a handler reports; the log adds seq, time and the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `token:<id>`, `cert:<fingerprint prefix>`, `anonymous`, or a user name.
    pub actor: String,
    pub role: Option<Role>,
    pub on_behalf_of: Option<String>,
    pub action: Action,
    pub object: Object,
    pub client: Option<ClientPseudonym>,
    pub outcome: Outcome,
    /// The peer's address.
    pub source: Option<String>,
    /// What else the entry says, in words: the role and scope of a created token, the number
    /// of refusals an aggregated entry stands for. Never a secret or a BSN.
    pub detail: Option<String>,
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// RFC 3339, UTC, microseconds.
    pub timestamp: String,
    pub actor: String,
    pub role: Option<Role>,
    pub on_behalf_of: Option<String>,
    pub action: Action,
    pub object: Object,
    pub client: Option<ClientPseudonym>,
    pub outcome: Outcome,
    pub source: Option<String>,
    /// See [`Event::detail`]; absent in entries written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// SHA-256 (hex) of the previous entry's canonical form; zeros for the first.
    pub prev: String,
}

impl Entry {
    /// The entry of `event` at `seq`, after the entry whose hash is `prev`.
    fn chained(seq: u64, prev: String, event: Event, at: OffsetDateTime) -> Entry {
        Entry {
            seq,
            timestamp: timestamp(at),
            actor: event.actor,
            role: event.role,
            on_behalf_of: event.on_behalf_of,
            action: event.action,
            object: event.object,
            client: event.client,
            outcome: event.outcome,
            source: event.source,
            detail: event.detail,
            prev,
        }
    }

    /// The canonical form the chain hashes: every field in a fixed order, each length-prefixed,
    /// `None` distinct from an empty string. Independent of the JSON the entry is stored as.
    fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"sluis-audit-v1");
        let mut field = |v: Option<&str>| match v {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        };
        let seq = self.seq.to_string();
        field(Some(&seq));
        field(Some(&self.timestamp));
        field(Some(&self.actor));
        field(self.role.map(Role::as_str));
        field(self.on_behalf_of.as_deref());
        field(Some(self.action.as_str()));
        field(Some(&self.object.kind));
        field(self.object.id.as_deref());
        field(self.client.as_ref().map(ClientPseudonym::as_str));
        field(Some(self.outcome.as_str()));
        field(self.source.as_deref());
        field(Some(&self.prev));
        // Only when present, so entries written before the field existed keep their hash.
        if let Some(d) = &self.detail {
            field(Some(d));
        }
        out
    }

    /// This entry's hash (hex), which the next entry carries as `prev`.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical()))
    }
}

/// The latest entry: keep a copy elsewhere to detect a rewritten or truncated log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit store: {0}")]
    Store(#[from] sled::Error),
    #[error("audit entry {seq} cannot be read: {message}")]
    Corrupt { seq: u64, message: String },
}

/// Why verification failed, with the first seq that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log broken at seq {seq}: {reason}")]
pub struct Broken {
    pub seq: u64,
    pub reason: String,
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub head: Option<Head>,
}

/// Which entries a query returns; every set field must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// From this time on (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this time (exclusive).
    pub until: Option<OffsetDateTime>,
    pub actor: Option<String>,
    pub action: Option<Action>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub client: Option<ClientPseudonym>,
}

impl Filter {
    fn admits(&self, e: &Entry, from: &Option<String>, until: &Option<String>) -> bool {
        from.as_ref().is_none_or(|f| e.timestamp >= *f)
            && until.as_ref().is_none_or(|u| e.timestamp < *u)
            && self.actor.as_ref().is_none_or(|a| e.actor == *a)
            && self.action.is_none_or(|a| e.action == a)
            && self
                .object_kind
                .as_ref()
                .is_none_or(|k| e.object.kind == *k)
            && self
                .object_id
                .as_ref()
                .is_none_or(|i| e.object.id.as_deref() == Some(i))
            && self
                .client
                .as_ref()
                .is_none_or(|c| e.client.as_ref() == Some(c))
    }
}

/// The audit log over one sled tree. Clones share the append lock: open it once per tree.
#[derive(Clone)]
pub struct AuditLog {
    tree: sled::Tree,
    /// Serialises appends (the chain needs one order) and caches the head.
    head: Arc<Mutex<Option<Head>>>,
    /// Tests: make appends fail as a full or broken disk would (the audit fails closed).
    failing: Arc<std::sync::atomic::AtomicBool>,
}

fn entry_key(seq: u64) -> [u8; 9] {
    let mut k = [ENTRY_PREFIX; 9];
    k[1..].copy_from_slice(&seq.to_be_bytes());
    k
}

impl AuditLog {
    /// Use `tree` (the integrator opens `db.open_tree("audit")`).
    pub fn new(tree: sled::Tree) -> Result<AuditLog, AuditError> {
        let head = read_head(&tree)?;
        Ok(AuditLog {
            tree,
            head: Arc::new(Mutex::new(head)),
            failing: Arc::default(),
        })
    }

    /// For tests of the fail-closed path: while `on`, every append fails.
    #[doc(hidden)]
    pub fn inject_write_failure(&self, on: bool) {
        self.failing.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    fn injected(&self) -> Result<(), AuditError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(AuditError::Corrupt {
                seq: 0,
                message: "write failure injected".into(),
            });
        }
        Ok(())
    }

    /// Append an event now. Safe from many threads: appends are serialised.
    pub fn append(&self, event: Event) -> Result<Entry, AuditError> {
        self.append_at(event, OffsetDateTime::now_utc())
    }

    /// Append an event with a given time (tests, imports).
    pub fn append_at(&self, event: Event, at: OffsetDateTime) -> Result<Entry, AuditError> {
        self.injected()?;
        // A panic elsewhere while holding the lock leaves a valid head: recover it.
        let mut head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let (seq, prev) = match &*head {
            Some(h) => (h.seq + 1, h.hash.clone()),
            None => (1, GENESIS.to_string()),
        };
        let entry = Entry::chained(seq, prev, event, at);
        let new_head = Head {
            seq,
            hash: entry.hash(),
        };
        let value = serde_json::to_vec(&entry).map_err(|e| AuditError::Corrupt {
            seq,
            message: e.to_string(),
        })?;
        let head_value = serde_json::to_vec(&new_head).map_err(|e| AuditError::Corrupt {
            seq,
            message: e.to_string(),
        })?;
        let key = entry_key(seq);
        self.tree
            .transaction(|t| {
                t.insert(&key[..], value.as_slice())?;
                t.insert(HEAD_KEY, head_value.as_slice())?;
                Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => AuditError::Store(e),
                sled::transaction::TransactionError::Abort(()) => AuditError::Corrupt {
                    seq,
                    message: "transaction aborted".into(),
                },
            })?;
        *head = Some(new_head);
        Ok(entry)
    }

    /// Append several events in order, as one atomic sled batch (entries and the new head).
    /// Returns how many were written. The background writer ([`spawn_writer`]) uses this.
    pub fn append_batch(&self, events: Vec<(Event, OffsetDateTime)>) -> Result<u64, AuditError> {
        if events.is_empty() {
            return Ok(0);
        }
        self.injected()?;
        let mut head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let (mut seq, mut prev) = match &*head {
            Some(h) => (h.seq, h.hash.clone()),
            None => (0, GENESIS.to_string()),
        };
        let mut batch = sled::Batch::default();
        let n = events.len() as u64;
        for (event, at) in events {
            seq += 1;
            let entry = Entry::chained(seq, prev, event, at);
            prev = entry.hash();
            let value = serde_json::to_vec(&entry).map_err(|e| AuditError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            batch.insert(&entry_key(seq)[..], value);
        }
        let new_head = Head { seq, hash: prev };
        let head_value = serde_json::to_vec(&new_head).map_err(|e| AuditError::Corrupt {
            seq,
            message: e.to_string(),
        })?;
        batch.insert(HEAD_KEY, head_value);
        self.tree.apply_batch(batch)?;
        *head = Some(new_head);
        Ok(n)
    }

    /// The latest `(seq, hash)`, for anchoring outside the store.
    pub fn head(&self) -> Option<Head> {
        self.head.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn entries(&self, after: u64) -> impl Iterator<Item = Result<Entry, AuditError>> + '_ {
        let end = entry_key(u64::MAX);
        self.tree
            .range(entry_key(after.saturating_add(1))..=end)
            .map(|item| {
                let (k, v) = item?;
                let seq = k
                    .get(1..9)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u64::from_be_bytes);
                serde_json::from_slice::<Entry>(&v).map_err(|e| AuditError::Corrupt {
                    seq,
                    message: e.to_string(),
                })
            })
    }

    /// Entries after seq `after` that pass `filter`, oldest first, at most `limit`.
    pub fn query(
        &self,
        filter: &Filter,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, AuditError> {
        let from = filter.from.map(timestamp);
        let until = filter.until.map(timestamp);
        let mut out = Vec::new();
        for e in self.entries(after) {
            let e = e?;
            if filter.admits(&e, &from, &until) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Walk the chain from the first entry; the first bad seq if any.
    pub fn verify(&self) -> Result<Verified, Broken> {
        let broken = |seq, reason: &str| Broken {
            seq,
            reason: reason.to_string(),
        };
        let mut expected_seq = 1u64;
        let mut prev_hash = GENESIS.to_string();
        let mut last: Option<Head> = None;
        for item in self.tree.range(entry_key(0)..=entry_key(u64::MAX)) {
            let (k, v) = item.map_err(|e| broken(expected_seq, &format!("unreadable: {e}")))?;
            let key_seq = k
                .get(1..9)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_be_bytes);
            let e: Entry = serde_json::from_slice(&v)
                .map_err(|_| broken(key_seq, "entry is not a valid audit entry"))?;
            if e.seq != key_seq {
                return Err(broken(key_seq, "entry stored under another seq (moved)"));
            }
            if key_seq != expected_seq {
                return Err(broken(
                    expected_seq,
                    &format!("missing; the next entry is {key_seq}"),
                ));
            }
            if e.prev != prev_hash {
                // Either the previous entry was changed, or this one (its `prev`). If the
                // successor still vouches for this entry as stored, the previous one changed.
                let vouched = self.vouched_for(&e);
                let seq = if vouched { key_seq - 1 } else { key_seq };
                return Err(broken(seq.max(1), "hash chain broken: entry changed"));
            }
            prev_hash = e.hash();
            last = Some(Head {
                seq: e.seq,
                hash: prev_hash.clone(),
            });
            expected_seq += 1;
        }
        let stored = read_head(&self.tree).map_err(|_| broken(expected_seq, "head unreadable"))?;
        match (&stored, &last) {
            (None, None) => {}
            (Some(h), Some(l)) if h == l => {}
            (Some(h), Some(l)) if h.seq > l.seq => {
                return Err(broken(l.seq + 1, "entries after this were removed (tail)"))
            }
            (Some(_), None) => return Err(broken(1, "all entries were removed")),
            _ => {
                return Err(broken(
                    last.as_ref().map_or(1, |l| l.seq),
                    "the head does not match the last entry",
                ))
            }
        }
        Ok(Verified {
            entries: expected_seq - 1,
            head: last,
        })
    }

    /// Whether the next entry (or, for the last, the head) carries this entry's hash.
    fn vouched_for(&self, e: &Entry) -> bool {
        let hash = e.hash();
        match self.tree.get(entry_key(e.seq + 1)) {
            Ok(Some(v)) => serde_json::from_slice::<Entry>(&v).is_ok_and(|n| n.prev == hash),
            _ => read_head(&self.tree)
                .ok()
                .flatten()
                .is_some_and(|h| h.seq == e.seq && h.hash == hash),
        }
    }

    /// Verify, and check the log against an anchor kept elsewhere: the entry at the anchor's
    /// seq must still exist with the anchor's hash.
    pub fn verify_anchor(&self, anchor: &Head) -> Result<Verified, Broken> {
        let v = self.verify()?;
        let at = self
            .tree
            .get(entry_key(anchor.seq))
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_slice::<Entry>(&v).ok());
        match at {
            Some(e) if e.hash() == anchor.hash => Ok(v),
            Some(_) => Err(Broken {
                seq: anchor.seq,
                reason: "differs from the anchor: the log was rewritten".into(),
            }),
            None => Err(Broken {
                seq: anchor.seq,
                reason: "the anchored entry is gone: the log was truncated or rewritten".into(),
            }),
        }
    }

    /// Export as JSON lines (one entry per line), oldest first.
    pub fn export_jsonl(
        &self,
        filter: &Filter,
        out: &mut impl std::io::Write,
    ) -> Result<u64, ExportError> {
        self.export(filter, |e| {
            let line =
                serde_json::to_string(e).map_err(|e| ExportError::Io(std::io::Error::other(e)))?;
            writeln!(out, "{line}")?;
            Ok(())
        })
    }

    /// Export as CSV (RFC 4180, with a header line), oldest first. Cells that a spreadsheet
    /// would run as a formula get a leading `'`.
    pub fn export_csv(
        &self,
        filter: &Filter,
        out: &mut impl std::io::Write,
    ) -> Result<u64, ExportError> {
        writeln!(out, "{}", CSV_HEADER.join(","))?;
        self.export(filter, |e| {
            let seq = e.seq.to_string();
            let cells = [
                seq.as_str(),
                &e.timestamp,
                &e.actor,
                e.role.map_or("", Role::as_str),
                e.on_behalf_of.as_deref().unwrap_or(""),
                e.action.as_str(),
                &e.object.kind,
                e.object.id.as_deref().unwrap_or(""),
                e.client.as_ref().map_or("", ClientPseudonym::as_str),
                e.outcome.as_str(),
                e.source.as_deref().unwrap_or(""),
                &e.prev,
                e.detail.as_deref().unwrap_or(""),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            writeln!(out, "{}", line.join(","))?;
            Ok(())
        })
    }

    fn export(
        &self,
        filter: &Filter,
        mut each: impl FnMut(&Entry) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        let from = filter.from.map(timestamp);
        let until = filter.until.map(timestamp);
        let mut n = 0;
        for e in self.entries(0) {
            let e = e?;
            if filter.admits(&e, &from, &until) {
                each(&e)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

pub const CSV_HEADER: [&str; 13] = [
    "seq",
    "timestamp",
    "actor",
    "role",
    "on_behalf_of",
    "action",
    "object_type",
    "object_id",
    "client_pseudonym",
    "outcome",
    "source",
    "prev_hash",
    "detail",
];

fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("export: {0}")]
    Io(#[from] std::io::Error),
}

fn read_head(tree: &sled::Tree) -> Result<Option<Head>, AuditError> {
    match tree.get(HEAD_KEY)? {
        None => Ok(None),
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| AuditError::Corrupt {
                seq: 0,
                message: format!("head: {e}"),
            }),
    }
}

/// Hands events to a background thread that appends them in order, many per sled batch
/// (appending one entry in its own transaction cost a third of the gateway's throughput).
/// A request waits for its entry ([`AuditSender::append`]) and then for the store's group
/// commit, so its entry is on disk before it is answered; concurrent requests share both.
#[derive(Clone)]
pub struct AuditSender(std::sync::mpsc::SyncSender<Queued>);

/// Told whether an entry made it into the log.
type Written = tokio::sync::oneshot::Sender<Result<(), String>>;

/// What the writer's queue holds: an event stamped when it happened (with whoever waits for
/// it), or a reader waiting until everything queued before it is written.
pub enum Queued {
    Event(Box<Event>, OffsetDateTime, Option<Written>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

fn stopped() -> AuditError {
    AuditError::Corrupt {
        seq: 0,
        message: "the audit writer has stopped".into(),
    }
}

impl AuditSender {
    /// Queue an event, stamped now. Blocks only when the writer is far behind (back pressure).
    pub fn send(&self, event: Event) -> Result<(), AuditError> {
        self.0
            .send(Queued::Event(
                Box::new(event),
                OffsetDateTime::now_utc(),
                None,
            ))
            .map_err(|_| stopped())
    }

    /// Queue an event and wait until it is in the log (in sled; the caller then waits for the
    /// store's commit). `Err`: it was not written, and the request must not be served.
    pub async fn append(&self, event: Event) -> Result<(), AuditError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0
            .send(Queued::Event(
                Box::new(event),
                OffsetDateTime::now_utc(),
                Some(tx),
            ))
            .map_err(|_| stopped())?;
        rx.await
            .map_err(|_| stopped())?
            .map_err(|message| AuditError::Corrupt { seq: 0, message })
    }

    /// Wait until everything queued so far is in the log (before reading it).
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.send(Queued::Flush(tx)).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }
}

/// Start the writer of `log`; it ends (after writing what was queued) when every sender is
/// dropped. Join the handle at shutdown.
pub fn spawn_writer(log: AuditLog) -> std::io::Result<(AuditSender, std::thread::JoinHandle<()>)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Queued>(65_536);
    let handle = std::thread::Builder::new()
        .name("sluis-audit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut events = Vec::new();
                let mut writers = Vec::new();
                let mut waiting = Vec::new();
                let mut next = Some(first);
                while let Some(q) = next.take() {
                    match q {
                        Queued::Event(e, at, w) => {
                            events.push((*e, at));
                            writers.extend(w);
                        }
                        Queued::Flush(w) => waiting.push(w),
                    }
                    if events.len() < 4096 {
                        next = rx.try_recv().ok();
                    }
                }
                let result = log.append_batch(events).map(|_| ()).map_err(|e| {
                    tracing::error!(error = %e, "audit entries not written");
                    e.to_string()
                });
                // A request that gave up waiting is no reason to stop.
                for w in writers {
                    let _ = w.send(result.clone());
                }
                for w in waiting {
                    let _ = w.send(());
                }
            }
        })?;
    Ok((AuditSender(tx), handle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::crypto::Keys;
    use sluis_core::standard::types::Bsn;

    fn log() -> (AuditLog, sled::Db) {
        let db = sled::Config::new().temporary(true).open().expect("db");
        let tree = db.open_tree("audit").expect("tree");
        (AuditLog::new(tree).expect("log"), db)
    }

    fn event(actor: &str, action: Action) -> Event {
        Event {
            actor: actor.to_string(),
            role: Some(Role::Aanbieder),
            on_behalf_of: None,
            action,
            object: Object::new("bericht", Some("17")),
            client: None,
            outcome: Outcome::Success,
            source: Some("127.0.0.1".into()),
            detail: None,
        }
    }

    fn fill(log: &AuditLog, n: u64) {
        for i in 0..n {
            log.append(event(&format!("token:{i}"), Action::Read))
                .expect("append");
        }
    }

    fn raw(log: &AuditLog, seq: u64) -> Entry {
        let v = log.tree.get(entry_key(seq)).expect("get").expect("there");
        serde_json::from_slice(&v).expect("entry")
    }

    fn put(log: &AuditLog, seq: u64, e: &Entry) {
        log.tree
            .insert(entry_key(seq), serde_json::to_vec(e).expect("json"))
            .expect("insert");
    }

    #[test]
    fn an_intact_log_verifies() {
        let (log, _db) = log();
        assert_eq!(
            log.verify(),
            Ok(Verified {
                entries: 0,
                head: None
            })
        );
        fill(&log, 5);
        let v = log.verify().expect("intact");
        assert_eq!(v.entries, 5);
        assert_eq!(v.head, log.head());
        assert_eq!(raw(&log, 1).prev, GENESIS);
        assert_eq!(raw(&log, 2).prev, raw(&log, 1).hash());
        // A reopened log continues the chain.
        let again = AuditLog::new(log.tree.clone()).expect("reopen");
        again.append(event("x", Action::Read)).expect("append");
        assert_eq!(again.verify().expect("intact").entries, 6);
    }

    #[test]
    fn a_modified_entry_is_found() {
        let (log, _db) = log();
        fill(&log, 5);
        let mut e = raw(&log, 3);
        e.outcome = Outcome::Denied;
        put(&log, 3, &e);
        assert_eq!(log.verify().expect_err("tampered").seq, 3);
        // A changed `prev` points at the entry itself, not at its predecessor.
        let (log2, _db2) = log_with(5);
        let mut e = raw(&log2, 3);
        e.prev = GENESIS.to_string();
        put(&log2, 3, &e);
        assert_eq!(log2.verify().expect_err("tampered").seq, 3);
        // The last entry, changed: only the head notices.
        let (log, _db) = log_with(5);
        let mut e = raw(&log, 5);
        e.actor = "someone else".into();
        put(&log, 5, &e);
        assert_eq!(log.verify().expect_err("tampered").seq, 5);
    }

    fn log_with(n: u64) -> (AuditLog, sled::Db) {
        let (log, db) = log();
        fill(&log, n);
        (log, db)
    }

    #[test]
    fn a_removed_entry_is_found() {
        let (log, _db) = log_with(5);
        log.tree.remove(entry_key(3)).expect("remove");
        assert_eq!(log.verify().expect_err("gap").seq, 3);
        // Renumbering the rest to close the gap breaks the chain instead.
        let (log, _db) = log_with(5);
        for seq in 3..5 {
            let mut e = raw(&log, seq + 1);
            e.seq = seq;
            put(&log, seq, &e);
        }
        log.tree.remove(entry_key(5)).expect("remove");
        assert_eq!(log.verify().expect_err("renumbered").seq, 3);
    }

    #[test]
    fn inserted_and_reordered_entries_are_found() {
        let (log, _db) = log_with(5);
        let (a, b) = (raw(&log, 2), raw(&log, 3));
        put(&log, 2, &b);
        put(&log, 3, &a);
        assert_eq!(log.verify().expect_err("swapped").seq, 2);
        let (log, _db) = log_with(5);
        let mut extra = raw(&log, 5);
        extra.seq = 6;
        put(&log, 6, &extra);
        assert!(log.verify().is_err(), "an entry slipped in at the end");
    }

    #[test]
    fn a_removed_tail_is_found_by_the_head_and_by_an_anchor() {
        let (log, _db) = log_with(5);
        let anchor = log.head().expect("head");
        log.tree.remove(entry_key(5)).expect("remove");
        assert_eq!(log.verify().expect_err("tail").seq, 5);
        // Also rewriting the head hides it from verify, but not from the anchor.
        let h4 = Head {
            seq: 4,
            hash: raw(&log, 4).hash(),
        };
        log.tree
            .insert(HEAD_KEY, serde_json::to_vec(&h4).expect("json"))
            .expect("insert");
        assert_eq!(log.verify().expect("consistent").entries, 4);
        assert_eq!(log.verify_anchor(&anchor).expect_err("anchor").seq, 5);
        assert!(log.verify_anchor(&h4).is_ok());
        // All gone, head left.
        let (log, _db) = log_with(2);
        log.tree.remove(entry_key(1)).expect("remove");
        log.tree.remove(entry_key(2)).expect("remove");
        assert_eq!(log.verify().expect_err("empty").seq, 1);
    }

    #[test]
    fn concurrent_appends_form_one_chain() {
        let (log, _db) = log();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        log.append(event(&format!("t{t}-{i}"), Action::Create))
                            .expect("append");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let v = log.verify().expect("one chain");
        assert_eq!(v.entries, 400);
        assert_eq!(
            log.query(&Filter::default(), 0, 1000).expect("all").len(),
            400
        );
    }

    #[test]
    fn query_by_time_actor_action_object_and_client() {
        let (log, _db) = log();
        let keys = Keys::generate().expect("keys");
        let client = keys.pseudonym(&Bsn::parse("999990019").expect("bsn"));
        let t0 = OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("time");
        for i in 0..10i64 {
            let mut e = event(if i % 2 == 0 { "even" } else { "odd" }, Action::Read);
            if i == 7 {
                e.action = Action::Export;
                e.client = Some(client.clone());
                e.object = Object::new("toewijzing", Some("7001"));
            }
            log.append_at(
                e,
                t0 + time::Duration::seconds(i) + time::Duration::microseconds(i),
            )
            .expect("append");
        }
        let all = |f: Filter| log.query(&f, 0, 100).expect("query");
        assert_eq!(
            all(Filter {
                actor: Some("even".into()),
                ..Filter::default()
            })
            .len(),
            5
        );
        let by_client = all(Filter {
            client: Some(client.clone()),
            ..Filter::default()
        });
        assert_eq!(by_client.len(), 1);
        assert_eq!(by_client[0].seq, 8);
        assert_eq!(
            all(Filter {
                action: Some(Action::Export),
                ..Filter::default()
            })
            .len(),
            1
        );
        let obj = Filter {
            object_kind: Some("toewijzing".into()),
            object_id: Some("7001".into()),
            ..Filter::default()
        };
        assert_eq!(all(obj).len(), 1);
        let window = Filter {
            from: Some(t0 + time::Duration::seconds(2)),
            until: Some(t0 + time::Duration::seconds(5)),
            ..Filter::default()
        };
        assert_eq!(
            all(window).iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        // Paging with `after`.
        let page = log.query(&Filter::default(), 4, 3).expect("page");
        assert_eq!(
            page.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![5, 6, 7]
        );
        assert_eq!(
            by_client[0].timestamp.len(),
            "2026-05-28T20:26:47.000007Z".len()
        );
    }

    #[test]
    fn exports_and_bsn_masking() {
        let (log, _db) = log();
        let mut e = event("=cmd|' /C calc'!A0", Action::Read);
        e.object = Object::new("client", Some("999990019"));
        log.append(e).expect("append");
        log.append(event("plain, \"quoted\"", Action::Search))
            .expect("append");
        let mut csv = Vec::new();
        assert_eq!(
            log.export_csv(&Filter::default(), &mut csv).expect("csv"),
            2
        );
        let csv = String::from_utf8(csv).expect("utf8");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert!(lines[1].contains(",'=cmd|' /C calc'!A0,"), "{}", lines[1]);
        assert!(
            lines[2].contains(",\"plain, \"\"quoted\"\"\","),
            "{}",
            lines[2]
        );
        assert!(!csv.contains("999990019"), "a BSN got into the audit");
        let mut jl = Vec::new();
        log.export_jsonl(&Filter::default(), &mut jl)
            .expect("jsonl");
        let jl = String::from_utf8(jl).expect("utf8");
        let back: Vec<Entry> = jl
            .lines()
            .map(|l| serde_json::from_str(l).expect("entry"))
            .collect();
        assert_eq!(back, log.query(&Filter::default(), 0, 10).expect("all"));
        // Numbers that fail the elfproef (message ids) are kept.
        assert_eq!(
            Object::new("bericht", Some("123456789")).id.as_deref(),
            Some("123456789")
        );
    }

    #[test]
    fn the_background_writer_keeps_one_chain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::open(dir.path()).expect("sled");
        let log = AuditLog::new(db.open_tree("audit").expect("tree")).expect("log");
        let (tx, handle) = spawn_writer(log.clone()).expect("writer");
        let tx = std::sync::Arc::new(tx);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..250 {
                        tx.send(Event {
                            actor: format!("t{t}"),
                            role: None,
                            on_behalf_of: None,
                            action: Action::Read,
                            object: Object::new("bericht", Some(&i.to_string())),
                            client: None,
                            outcome: Outcome::Success,
                            source: None,
                            detail: None,
                        })
                        .expect("sent");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("joined");
        }
        drop(tx);
        handle
            .join()
            .expect("writer ends when the senders are gone");
        let v = log.verify().expect("one unbroken chain");
        assert_eq!(v.entries, 1000);
        assert_eq!(log.head().map(|h| h.seq), Some(1000));
    }
}
