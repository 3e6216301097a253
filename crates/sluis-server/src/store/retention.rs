//! Retention in the store (`docs/retention.md`): what a message still needs, taking the
//! payload out of a message record, and removing a message's records altogether. The policy
//! (terms, batches, locks, the audit entry) is `gateway::retention`; this module only does what
//! it is told, one batch per call, each batch one sled transaction.
//!
//! The removals are deliberate, so the store records them where the high-water mark looks
//! ([`super::hwm`]): `meta` counts the records removed (`verwijderd`) and the highest id removed
//! (`verwijderd_tot`), written in the same transaction as the removal. The message counter itself
//! keeps counting every message ever stored, so it never goes down.

use super::{be, decode, encode, Store, StoreError, StoredBericht, COUNT};
use crate::delivery::{DeliveryState, DeliveryStatus};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// `meta`: how many message records the retention policy removed.
pub const REMOVED: &[u8] = b"verwijderd";
/// `meta`: the highest message id the retention policy removed.
pub const REMOVED_UP_TO: &[u8] = b"verwijderd_tot";
/// `meta`: every message id up to this one was looked at by the payload step (stripped, or
/// put in [`WAITING`] because something still needs it).
const PAYLOAD_CURSOR: &[u8] = b"bewaren_payload";
/// The tree of messages whose payload is due but still needed (key: id): looked at again on
/// every run, so the payload walk itself never goes back.
const WAITING: &str = "bewaren_wacht";

/// One batch's terms: what was received before `before` is due, at most `max` messages, written
/// only when `apply` (else a dry run), a stripped payload stamped `at` (RFC 3339).
#[derive(Debug, Clone, Copy)]
pub struct Pass<'a> {
    pub before: OffsetDateTime,
    pub max: usize,
    pub apply: bool,
    pub at: &'a str,
}

/// Why a message's payload (and record) is still kept past its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needed {
    /// A push delivery not delivered yet (waiting or retrying).
    Undelivered,
    /// An inbox entry its party has not acknowledged.
    Unacknowledged,
    /// A push delivery that became a dead letter: an operator re-drives it.
    DeadLetter,
}

/// The messages something still needs, with the strongest reason for each.
pub type Pending = BTreeMap<u64, Needed>;

/// What one batch did or found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Messages whose payload was removed (or would be, in a dry run) / whose records were.
    pub done: Vec<u64>,
    /// Messages past the term kept because something still needs them.
    pub kept: BTreeMap<Needed, u64>,
    /// Bytes of record values this batch removed (sealed, compressed: as on disk).
    pub bytes: u64,
    /// Inbox entries and delivery statuses removed with the records.
    pub rows: u64,
    /// Whether the walk reached messages within their term (nothing more to do now).
    pub finished: bool,
}

fn u64_of(v: Option<sled::IVec>) -> u64 {
    v.and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0)
}

fn abort(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

/// When a record was received; a record whose time does not read is treated as new (kept).
fn received(b: &StoredBericht) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(
        &b.received_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}

fn due(b: &StoredBericht, before: OffsetDateTime) -> bool {
    received(b).is_some_and(|t| t < before)
}

impl Store {
    /// Wait until everything written so far is on disk, off the async runtime (a retention
    /// run on the blocking pool or the control socket's thread).
    pub fn durable_blocking(&self) -> Result<(), StoreError> {
        self.committer
            .durable_blocking()
            .map_err(StoreError::Durability)
    }

    /// Records removed by the retention policy so far, and the highest id removed.
    pub fn removed(&self) -> (u64, u64) {
        (
            u64_of(self.meta.get(REMOVED).ok().flatten()),
            u64_of(self.meta.get(REMOVED_UP_TO).ok().flatten()),
        )
    }

    /// Messages in the store now: every message stored, less the records removed.
    pub fn held(&self) -> u64 {
        self.count().saturating_sub(self.removed().0)
    }

    /// Every message something still needs: an undelivered push delivery or a dead letter
    /// (the outbox holds only those), or an inbox entry after its party's acknowledgement.
    /// Reads the backlog only, not the whole store.
    pub fn pending(&self) -> Result<Pending, StoreError> {
        let mut out = Pending::new();
        let mut need = |id: u64, why: Needed| {
            let e = out.entry(id).or_insert(why);
            *e = (*e).max(why);
        };
        for item in self.outbox.iter() {
            let (_, skey) = item?;
            let id = skey
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| StoreError::Corrupt(0, "outbox entry without status key".into()))?;
            let dead = match self.deliveries.get(&skey)? {
                Some(v) => serde_json::from_slice::<DeliveryStatus>(&v)
                    .map(|s| s.state == DeliveryState::Mislukt)
                    .map_err(|e| StoreError::Corrupt(id, format!("bezorging: {e}")))?,
                None => false,
            };
            need(
                id,
                if dead {
                    Needed::DeadLetter
                } else {
                    Needed::Undelivered
                },
            );
        }
        self.inbox_unacknowledged(|id| need(id, Needed::Unacknowledged))?;
        Ok(out)
    }

    fn waiting(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(WAITING)?)
    }

    /// The payload step, one batch: the messages received before `before` whose payload is
    /// still there, oldest first, at most `max`: those in the waiting list that nothing needs
    /// any more (when `recheck`, the first batch of a run), then onwards from where the last
    /// batch stopped. With `apply` false nothing is written (a dry run; the walk then starts
    /// from `from` and the caller carries it on).
    pub fn strip_payloads(
        &self,
        pass: Pass<'_>,
        pending: &Pending,
        recheck: bool,
        from: &mut Option<u64>,
    ) -> Result<Batch, StoreError> {
        let Pass {
            before,
            max,
            apply,
            at,
        } = pass;
        let waiting = self.waiting()?;
        let mut batch = Batch::default();
        // (id, new value, old length) of the records to rewrite; ids that start waiting.
        let mut rewrite: Vec<(u64, Vec<u8>, usize)> = Vec::new();
        let mut unwait: Vec<u64> = Vec::new();
        let mut wait: Vec<u64> = Vec::new();
        let mut strip =
            |b: StoredBericht, old: usize, batch: &mut Batch| -> Result<(), StoreError> {
                let mut b = b;
                b.body = String::new();
                b.canonical = String::new();
                if let Some(r) = b.retour.as_mut() {
                    r.xml = String::new();
                }
                b.payload_verwijderd = Some(at.to_string());
                let value = encode(&b, &self.sealer)?;
                batch.bytes += old.saturating_sub(value.len()) as u64;
                batch.done.push(b.id);
                rewrite.push((b.id, value, old));
                Ok(())
            };
        if recheck {
            for item in waiting.iter() {
                let (k, _) = item?;
                let id = u64_of(Some(k));
                if let Some(why) = pending.get(&id) {
                    *batch.kept.entry(*why).or_default() += 1;
                    continue;
                }
                unwait.push(id);
                if let Some(v) = self.berichten.get(be(id))? {
                    let b = decode(id, &v, &self.sealer)?;
                    if b.payload_verwijderd.is_none() {
                        strip(b, v.len(), &mut batch)?;
                    }
                }
            }
        }
        let cursor = match from {
            Some(c) => *c,
            None => u64_of(self.meta.get(PAYLOAD_CURSOR)?),
        };
        let mut last = cursor;
        batch.finished = true;
        for item in self.berichten.range(be(cursor.saturating_add(1))..) {
            if batch.done.len() >= max {
                batch.finished = false;
                break;
            }
            let (k, v) = item?;
            let id = u64_of(Some(k));
            let b = decode(id, &v, &self.sealer)?;
            if !due(&b, before) {
                break;
            }
            last = id;
            if b.payload_verwijderd.is_some() {
                continue;
            }
            if let Some(why) = pending.get(&id) {
                *batch.kept.entry(*why).or_default() += 1;
                wait.push(id);
                continue;
            }
            strip(b, v.len(), &mut batch)?;
        }
        *from = Some(last);
        if !apply {
            return Ok(batch);
        }
        (&self.berichten, &self.meta, &waiting)
            .transaction(|(berichten, meta, w)| {
                for (id, value, _) in &rewrite {
                    berichten.insert(&be(*id), value.as_slice())?;
                }
                for id in &unwait {
                    w.remove(&be(*id))?;
                }
                for id in &wait {
                    w.insert(&be(*id), &[][..])?;
                }
                meta.insert(PAYLOAD_CURSOR, &be(last))?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(abort)?;
        Ok(batch)
    }

    /// The records step, one batch: the messages received before `before`, oldest first, at
    /// most `max`, removed with everything that is theirs alone: the record, the identificatie
    /// it claimed, its acknowledged inbox entries, its delivery statuses. A message something
    /// still needs is kept (and counted), and so is the newest record of all (the high-water
    /// mark names it). The history the rules read and the client facts stay (the trajectory's
    /// dossier, `docs/retention.md`). With `apply` false nothing is written.
    pub fn remove_records(
        &self,
        pass: Pass<'_>,
        pending: &Pending,
        from: &mut Option<u64>,
    ) -> Result<Batch, StoreError> {
        let Pass {
            before, max, apply, ..
        } = pass;
        let mut batch = Batch::default();
        let newest = u64_of(self.berichten.last()?.map(|(k, _)| k));
        let mut records: Vec<StoredBericht> = Vec::new();
        let mut bytes = 0u64;
        batch.finished = true;
        let start = from.map_or(0, |f| f.saturating_add(1));
        let mut last = from.unwrap_or(0);
        for item in self.berichten.range(be(start)..) {
            if records.len() >= max {
                batch.finished = false;
                break;
            }
            let (k, v) = item?;
            let id = u64_of(Some(k));
            if id >= newest {
                break;
            }
            let b = decode(id, &v, &self.sealer)?;
            if !due(&b, before) {
                break;
            }
            last = id;
            if let Some(why) = pending.get(&id) {
                *batch.kept.entry(*why).or_default() += 1;
                continue;
            }
            bytes += v.len() as u64;
            records.push(b);
        }
        // The next batch goes on after this one (past the kept messages: counted once).
        *from = Some(last);
        batch.done = records.iter().map(|b| b.id).collect();
        batch.bytes = bytes;
        if records.is_empty() {
            return Ok(batch);
        }
        let gone: std::collections::BTreeSet<u64> = batch.done.iter().copied().collect();
        // Each party's acknowledged entries from the front, while they point at a message
        // removed now or before, or at one still needed (`inbox::Store::inbox_removable`).
        let (inbox_cursors, inbox_rows) =
            self.inbox_removable(&gone, |id| pending.contains_key(&id))?;
        // Every delivery status of the message, whatever its kind (a terugvordering signal's
        // key also holds the party): they all start with the message id.
        let mut status_keys: Vec<Vec<u8>> = Vec::new();
        for id in &batch.done {
            for k in self.deliveries.scan_prefix(be(*id)).keys() {
                status_keys.push(k?.to_vec());
            }
        }
        batch.rows = inbox_rows + status_keys.len() as u64;
        if !apply {
            return Ok(batch);
        }
        let waiting = self.waiting()?;
        let up_to = batch.done.iter().copied().max().unwrap_or(0);
        let n = batch.done.len() as u64;
        let trees = [
            self.berichten.clone(),
            self.identificaties.clone(),
            self.inbox.clone(),
            self.meta.clone(),
            self.deliveries.clone(),
            waiting,
        ];
        trees
            .as_slice()
            .transaction(|t| {
                let (berichten, identificaties, inbox, meta, deliveries, waiting) =
                    (&t[0], &t[1], &t[2], &t[3], &t[4], &t[5]);
                for b in &records {
                    berichten.remove(&be(b.id))?;
                    waiting.remove(&be(b.id))?;
                    let ik = super::ident_key(&b.afzender, &b.bericht, &b.identificatie);
                    if identificaties.get(&ik)?.as_deref() == Some(&be(b.id)[..]) {
                        identificaties.remove(ik)?;
                    }
                }
                super::inbox::remove_in(inbox, &self.sealer, &inbox_cursors)?;
                for k in &status_keys {
                    deliveries.remove(k.as_slice())?;
                }
                let removed = u64_of(meta.get(REMOVED)?);
                meta.insert(REMOVED, &be(removed + n))?;
                let top = u64_of(meta.get(REMOVED_UP_TO)?).max(up_to);
                meta.insert(REMOVED_UP_TO, &be(top))?;
                // Never more removed than stored: the counter and the tree stay consistent.
                if removed + n > u64_of(meta.get(COUNT)?) {
                    return Err(ConflictableTransactionError::Abort(StoreError::Corrupt(
                        0,
                        "retention would remove more records than were stored".into(),
                    )));
                }
                Ok(())
            })
            .map_err(abort)?;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OutboxWrite, Writes};
    use std::time::Duration;

    fn record(store: &Store, n: u32) -> StoredBericht {
        StoredBericht {
            id: store.next_id().expect("id"),
            received_at: "2026-01-15T10:00:00Z".into(),
            format: "xml".into(),
            bericht: "JW305".into(),
            afzender: "12345678".into(),
            ontvanger: "0599".into(),
            identificatie: format!("S{n}"),
            dagtekening: "2026-01-14".into(),
            content_hash: format!("h{n}"),
            // Not repetitive, so it does not compress to nothing.
            body: (0..60u64)
                .map(|i| format!("<r{i}>{}</r{i}>", (i + 1) * 7919 * u64::from(n + 3)))
                .collect(),
            canonical: "<bericht/>".into(),
            accepted: true,
            findings: Vec::new(),
            retour: None,
            conflicts_with: None,
            granted: false,
            payload_verwijderd: None,
        }
    }

    fn pushed(client: &str) -> Writes {
        Writes {
            inbox: vec![(
                "0599".to_string(),
                sluis_core::intake::DeliveryKind::Bericht,
            )],
            outbox: vec![OutboxWrite {
                party: "0599".into(),
                kind: "bericht",
                client: client.into(),
                signaal: None,
            }],
            ..Writes::default()
        }
    }

    #[test]
    fn delivered_payloads_go_dead_letters_and_undelivered_stay_and_go_later() {
        let dir = tempfile::tempdir().expect("dir");
        let keys = std::sync::Arc::new(crate::security::crypto::Keys::generate().expect("keys"));
        let store =
            Store::open_with(dir.path(), Duration::from_millis(1), Some(keys)).expect("store");
        // Three messages in three lanes: delivered, dead letter, still waiting; a fourth, newest.
        let ids: Vec<u64> = (0..4u32)
            .map(|n| {
                let r = record(&store, n);
                store
                    .insert(&r, true, None, &pushed(&format!("c{n}")))
                    .expect("insert");
                r.id
            })
            .collect();
        let status = |id: u64| store.deliveries_of(id).expect("status").remove(0);
        store.set_delivered(&status(ids[0]), 1).expect("delivered");
        store.set_delivered(&status(ids[3]), 1).expect("delivered");
        let mut dead = status(ids[1]);
        dead.state = DeliveryState::Mislukt;
        store.set_delivery(&dead).expect("dead letter");
        let last = store
            .inbox("0599", None, 10)
            .expect("inbox")
            .last()
            .expect("entries")
            .cursor;
        store.ack("0599", last).expect("ack");

        let pending = store.pending().expect("pending");
        assert_eq!(
            pending.into_iter().collect::<Vec<_>>(),
            vec![(ids[1], Needed::DeadLetter), (ids[2], Needed::Undelivered)]
        );
        let later = OffsetDateTime::parse(
            "2026-06-01T00:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .expect("t");
        let run = |recheck: bool, apply: bool| {
            let pending = store.pending().expect("pending");
            store
                .strip_payloads(
                    Pass {
                        before: later,
                        max: 10,
                        apply,
                        at: "2026-06-01T00:00:00Z",
                    },
                    &pending,
                    recheck,
                    &mut None,
                )
                .expect("strip")
        };
        let dry = run(true, false);
        assert_eq!(dry.done, vec![ids[0], ids[3]]);
        assert!(store
            .get(ids[0])
            .expect("get")
            .expect("there")
            .payload_verwijderd
            .is_none());
        let b = run(true, true);
        assert_eq!(b.done, vec![ids[0], ids[3]]);
        assert_eq!(b.kept.get(&Needed::DeadLetter), Some(&1));
        assert_eq!(b.kept.get(&Needed::Undelivered), Some(&1));
        assert!(b.bytes > 0);
        let stripped = store.get(ids[0]).expect("get").expect("there");
        assert_eq!(
            (stripped.body.as_str(), stripped.canonical.as_str()),
            ("", "")
        );
        assert_eq!(stripped.identificatie, "S0");
        assert!(!store
            .get(ids[1])
            .expect("get")
            .expect("there")
            .body
            .is_empty());

        // The waiting one is delivered: the next run takes it from the waiting list.
        store.set_delivered(&status(ids[2]), 2).expect("delivered");
        let b = run(true, true);
        assert_eq!(b.done, vec![ids[2]]);
        assert_eq!(b.kept.get(&Needed::DeadLetter), Some(&1));

        // Records: the dead letter and the newest stay; the counter and the tree agree.
        let pending = store.pending().expect("pending");
        let r = store
            .remove_records(
                Pass {
                    before: later,
                    max: 10,
                    apply: true,
                    at: "",
                },
                &pending,
                &mut None,
            )
            .expect("remove");
        assert_eq!(r.done, vec![ids[0], ids[2]]);
        assert_eq!(store.held(), 2);
        assert_eq!(store.removed(), (2, ids[2]));
        assert_eq!(
            store
                .by_identificatie("12345678", "JW305", "S0")
                .expect("ident"),
            None
        );
        assert!(store.deliveries_of(ids[0]).expect("statuses").is_empty());
        assert!(store
            .inbox("0599", Some(0), 10)
            .expect("inbox")
            .iter()
            .all(|e| e.bericht_id == ids[1] || e.bericht_id == ids[3]));
        store.durable_blocking().expect("durable");
        let mark = super::super::hwm::observe(&store.db).expect("mark");
        assert_eq!(super::super::hwm::check(&store.db, &mark), Ok(()));
    }
}
