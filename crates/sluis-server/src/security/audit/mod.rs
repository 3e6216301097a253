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
/// The last entry the retention policy pruned (`docs/retention.md`): the chain is verified
/// from it on.
const ANCHOR_KEY: &[u8] = b"anker";
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
    /// The retention policy removed what had passed its term (`docs/retention.md`).
    Delete,
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
            Action::Delete => "delete",
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
    /// Run `f` while no entry can be appended: a backup's consistent moment.
    pub fn paused<T>(&self, f: impl FnOnce() -> T) -> T {
        let _head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        f()
    }

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
        // Entries the retention policy pruned: the chain goes on from the last one.
        let anchor =
            read_key(&self.tree, ANCHOR_KEY).map_err(|_| broken(1, "anchor unreadable"))?;
        let mut expected_seq = anchor.as_ref().map_or(1, |a| a.seq + 1);
        let mut prev_hash = anchor
            .as_ref()
            .map_or_else(|| GENESIS.to_string(), |a| a.hash.clone());
        let mut last: Option<Head> = anchor.clone();
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
            entries: expected_seq - 1 - anchor.as_ref().map_or(0, |a| a.seq),
            head: last,
        })
    }

    /// The last entry pruned by the retention policy, if any: the chain starts after it.
    pub fn anchor(&self) -> Result<Option<Head>, AuditError> {
        read_key(&self.tree, ANCHOR_KEY)
    }

    /// Remove the oldest entries written before `before`, at most `max` and never the newest
    /// (the head), in one sled batch with the new anchor: the seq and hash of the last entry
    /// removed, from which [`AuditLog::verify`] goes on. Appends wait meanwhile. With `apply`
    /// false only counts. Returns how many (would) go and the anchor.
    pub fn prune_before(
        &self,
        before: OffsetDateTime,
        max: usize,
        apply: bool,
    ) -> Result<(u64, Option<Head>), AuditError> {
        self.injected()?;
        let head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let Some(newest) = head.as_ref().map(|h| h.seq) else {
            return Ok((0, None));
        };
        let cutoff = timestamp(before);
        let mut batch = sled::Batch::default();
        let mut anchor: Option<Head> = None;
        let mut n = 0u64;
        for e in self.entries(0) {
            let e = e?;
            if n as usize >= max || e.seq >= newest || e.timestamp >= cutoff {
                break;
            }
            batch.remove(&entry_key(e.seq)[..]);
            anchor = Some(Head {
                seq: e.seq,
                hash: e.hash(),
            });
            n += 1;
        }
        let Some(a) = anchor.as_ref().filter(|_| apply) else {
            return Ok((n, anchor));
        };
        let value = serde_json::to_vec(a).map_err(|e| AuditError::Corrupt {
            seq: a.seq,
            message: e.to_string(),
        })?;
        batch.insert(ANCHOR_KEY, value);
        self.tree.apply_batch(batch)?;
        Ok((n, anchor))
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
        // An anchor at or before the retention policy's own: that entry's hash is kept, the
        // earlier ones are gone on purpose.
        if let Some(pruned) = self.anchor().ok().flatten() {
            if anchor.seq == pruned.seq && anchor.hash == pruned.hash {
                return Ok(v);
            }
            if anchor.seq <= pruned.seq {
                return Err(Broken {
                    seq: anchor.seq,
                    reason: format!(
                        "the retention policy pruned the entries up to {}: anchor a later entry",
                        pruned.seq
                    ),
                });
            }
        }
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
        self.export_jsonl_window(filter, Window::ALL, out)
    }

    /// [`Self::export_jsonl`] of a window of the selection: after a seq, at most so many.
    pub fn export_jsonl_window(
        &self,
        filter: &Filter,
        window: Window,
        out: &mut impl std::io::Write,
    ) -> Result<u64, ExportError> {
        self.export(filter, window, |e| {
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
        self.export_csv_window(filter, Window::ALL, out)
    }

    /// [`Self::export_csv`] of a window of the selection: after a seq, at most so many rows.
    pub fn export_csv_window(
        &self,
        filter: &Filter,
        window: Window,
        out: &mut impl std::io::Write,
    ) -> Result<u64, ExportError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(CSV_HEADER)?;
        let n = self.export(filter, window, |e| {
            w.write_record(csv_row(e))?;
            Ok(())
        })?;
        w.flush()?;
        Ok(n)
    }

    /// Every entry of a window of the selection, oldest first, to `each`; how many.
    pub fn export(
        &self,
        filter: &Filter,
        window: Window,
        mut each: impl FnMut(&Entry) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        let from = filter.from.map(timestamp);
        let until = filter.until.map(timestamp);
        let mut n = 0;
        for e in self.entries(window.after) {
            if window.limit.is_some_and(|l| n >= l as u64) {
                break;
            }
            let e = e?;
            if filter.admits(&e, &from, &until) {
                each(&e)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Which part of a selection an export writes: the entries after seq `after` (0: from the
/// first), at most `limit` of them (`None`: all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub after: u64,
    pub limit: Option<usize>,
}

impl Window {
    /// The whole selection.
    pub const ALL: Window = Window {
        after: 0,
        limit: None,
    };
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

/// The cells of an entry in the order of [`CSV_HEADER`]. A cell that a spreadsheet would run
/// as a formula gets a leading `'`.
pub fn csv_row(e: &Entry) -> [String; 13] {
    let cell = |s: &str| {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    [
        e.seq.to_string(),
        cell(&e.timestamp),
        cell(&e.actor),
        cell(e.role.map_or("", Role::as_str)),
        cell(e.on_behalf_of.as_deref().unwrap_or("")),
        cell(e.action.as_str()),
        cell(&e.object.kind),
        cell(e.object.id.as_deref().unwrap_or("")),
        cell(e.client.as_ref().map_or("", ClientPseudonym::as_str)),
        cell(e.outcome.as_str()),
        cell(e.source.as_deref().unwrap_or("")),
        cell(&e.prev),
        cell(e.detail.as_deref().unwrap_or("")),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("export: {0}")]
    Io(#[from] std::io::Error),
    #[error("export: {0}")]
    Csv(#[from] csv::Error),
}

fn read_head(tree: &sled::Tree) -> Result<Option<Head>, AuditError> {
    read_key(tree, HEAD_KEY)
}

fn read_key(tree: &sled::Tree, key: &[u8]) -> Result<Option<Head>, AuditError> {
    match tree.get(key)? {
        None => Ok(None),
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| AuditError::Corrupt {
                seq: 0,
                message: format!("head: {e}"),
            }),
    }
}

mod writer;
pub use writer::{spawn_writer, AuditSender, Queued};

#[cfg(test)]
mod tests;
