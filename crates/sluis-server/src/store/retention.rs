//! Retention in the store (`docs/retention.md`): what a message still needs, taking the
//! payload out of a message record, and removing a message's records altogether. The policy
//! (terms, batches, locks, the audit entry) is `gateway::retention`; this module only does what
//! it is told, one batch per call, each batch one sled transaction.
//!
//! The removals are deliberate, so the store records them where the high-water mark looks
//! ([`super::hwm`]): `meta` counts the records removed (`verwijderd`) and the highest id removed
//! (`verwijderd_tot`), written in the same transaction as the removal. The message counter itself
//! keeps counting every message ever stored, so it never goes down.

use super::history::{self, TreeKind};
use super::{be, decode, encode, Store, StoreError, StoredBericht, COUNT};
use crate::delivery::{DeliveryState, DeliveryStatus};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sluis_core::doelbereik::{PlanHistory, PlanTree};
use sluis_core::dossier::{self, Client, Dossier, Open, Traject};
use sluis_core::standard::types::{Bsn, Datum};
use sluis_core::stuurinformatie::{self, Referenties};
use sluis_core::validate::history::{
    DeclaratieRecord, Domein, Effect, Effects, History, Record, Tree,
};
use std::collections::{BTreeMap, BTreeSet};
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
    /// mark names it). With its claim goes the history's record of its identificatie (TR056);
    /// the rest of the history and the client facts are the dossier's (its own step, with its
    /// own term: [`Store::remove_dossiers`]). With `apply` false nothing is written.
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
        // The history's record of the identificatie (TR056) goes with the message's own claim.
        let h_ident: Vec<Vec<u8>> = records
            .iter()
            .map(|b| {
                self.sealer
                    .key(&sluis_core::validate::history::state::key(&[
                        &b.bericht,
                        &b.afzender,
                        &b.identificatie,
                    ]))
            })
            .collect();
        let trees = [
            self.berichten.clone(),
            self.identificaties.clone(),
            self.inbox.clone(),
            self.meta.clone(),
            self.deliveries.clone(),
            waiting,
            self.history[history::position(Tree::Identificaties)].clone(),
        ];
        trees
            .as_slice()
            .transaction(|t| {
                let (berichten, identificaties, inbox, meta, deliveries, waiting, h_idents) =
                    (&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6]);
                for (b, hk) in records.iter().zip(&h_ident) {
                    berichten.remove(&be(b.id))?;
                    waiting.remove(&be(b.id))?;
                    let ik = super::ident_key(&b.afzender, &b.bericht, &b.identificatie);
                    if identificaties.get(&ik)?.as_deref() == Some(&be(b.id)[..]) {
                        identificaties.remove(ik)?;
                        h_idents.remove(hk.as_slice())?;
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

/// What the dossier step found or did in the store.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dossiers {
    /// Clients whose dossier was removed (or would be).
    pub clients: u64,
    /// Keys removed with them (records and index entries, and their client facts).
    pub keys: u64,
    /// The trajectories they held, for the gateway's index.
    pub trajecten: Vec<Traject>,
    /// The declaraties their prestaties were in.
    pub declaraties: BTreeSet<(Domein, String, String)>,
    /// Clients kept, by why.
    pub kept: BTreeMap<Open, u64>,
}

/// The domain of a key's first part.
fn domein_of(part: &[u8]) -> Option<Domein> {
    match part {
        b"ijw" => Some(Domein::Ijw),
        b"iwmo" => Some(Domein::Iwmo),
        _ => None,
    }
}

fn parts(key: &[u8]) -> Vec<&[u8]> {
    key.split(|b| *b == 0).collect()
}

impl Store {
    /// Every client with a toewijzing or a verzoek, with the (domein, aanbieder) pairs it has
    /// them with, leaving out those `skip` says are certainly not over (the gateway's index of
    /// trajectories knows a recent one). Walks the keys of the two per-client indexes (their
    /// first four parts: domein, gemeente, aanbieder, client) and opens one record per group
    /// for the BSN (the key holds only its pseudonym).
    pub fn dossier_candidates(
        &self,
        skip: impl Fn(&str, &Bsn) -> bool,
    ) -> Result<Vec<Client>, StoreError> {
        let mut by_client: BTreeMap<(Vec<u8>, Vec<u8>), Client> = BTreeMap::new();
        let mut skipped: BTreeSet<(Vec<u8>, Vec<u8>)> = BTreeSet::new();
        for index in [Tree::ToewijzingenPerClient, Tree::VerzoekenPerClient] {
            let Some(primary) = index.primary() else {
                continue;
            };
            let tree = &self.history[history::position(index)];
            let primary_tree = &self.history[history::position(primary)];
            let mut last: Vec<u8> = Vec::new();
            for item in tree.iter() {
                let (k, v) = item?;
                let p = parts(&k);
                if p.len() < 5 {
                    continue;
                }
                let group = p[..4].join(&0u8);
                if group == last {
                    continue;
                }
                last = group;
                let (Some(domein), gemeente, aanbieder) = (
                    domein_of(p[0]),
                    String::from_utf8_lossy(p[1]).into_owned(),
                    String::from_utf8_lossy(p[2]).into_owned(),
                ) else {
                    continue;
                };
                let client = (p[1].to_vec(), p[3].to_vec());
                if skipped.contains(&client) {
                    continue;
                }
                if let Some(c) = by_client.get_mut(&client) {
                    c.delen.insert((domein, aanbieder));
                    continue;
                }
                let Some(bytes) = primary_tree.get(&v)? else {
                    return Err(StoreError::Corrupt(
                        0,
                        format!("index {} points at a missing record", index.name()),
                    ));
                };
                let plain = self
                    .sealer
                    .open(&primary.sled_name(), &v, &bytes)
                    .map_err(|e| StoreError::Corrupt(0, e))?;
                let record: Record = serde_json::from_slice(&plain)
                    .map_err(|e| StoreError::Corrupt(0, e.to_string()))?;
                let bsn = match record {
                    Record::Toewijzing(t) => t.bsn,
                    Record::Verzoek(v) => v.bsn,
                    _ => continue,
                };
                if skip(&gemeente, &bsn) {
                    skipped.insert(client);
                    continue;
                }
                by_client.insert(
                    client,
                    Client {
                        gemeente,
                        bsn,
                        delen: [(domein, aanbieder)].into(),
                    },
                );
            }
        }
        Ok(by_client.into_values().collect())
    }

    /// The dossier step for some clients: each decided over the store's views on the cut-off
    /// day `grens` and, when over and `apply`, removed in one sled transaction with its client
    /// facts. Call under the gateway's writers' locks.
    pub fn remove_dossiers(
        &self,
        clients: &[Client],
        grens: Datum,
        apply: bool,
        out: &mut Dossiers,
    ) -> Result<(), StoreError> {
        for client in clients {
            let decided = {
                let (h, p) = (self.history(), self.plans());
                let d = dossier::dossier(&h, &p, client, grens);
                if let Some(fault) = h.fault().or_else(|| p.fault()) {
                    return Err(fault.into());
                }
                d
            };
            let v = match decided {
                Dossier::Open(why) => {
                    *out.kept.entry(why).or_default() += 1;
                    continue;
                }
                Dossier::Over(v) => v,
            };
            if apply {
                self.remove_keys(&v.history, &v.plans, Some(client))?;
            }
            out.clients += 1;
            out.keys += v.len() as u64 + 1;
            out.trajecten.extend(v.trajecten);
            out.declaraties.extend(v.declaraties);
        }
        Ok(())
    }

    /// Remove history and plan keys (plain: pseudonymised here as on insert), and a client's
    /// facts, in one transaction.
    fn remove_keys(
        &self,
        history: &Effects,
        plans: &[(PlanTree, Vec<u8>)],
        client: Option<&Client>,
    ) -> Result<(), StoreError> {
        self.space.writable().or_else(|e| match e {
            // Removing frees space: a full disk does not stop it.
            StoreError::Full => Ok(()),
            other => Err(other),
        })?;
        let mut keys: Vec<(usize, Vec<u8>)> = Vec::new();
        for e in &history.0 {
            if let Effect::Remove { tree, key } = e {
                keys.push((1 + history::position(*tree), self.sealer.key(key)));
            }
        }
        let plan_base = 1 + self.history.len();
        for (tree, key) in plans {
            keys.push((plan_base + history::position(*tree), self.sealer.key(key)));
        }
        if let Some(c) = client {
            keys.push((
                0,
                self.sealer
                    .key(&super::client_key(&c.gemeente, c.bsn.as_str())),
            ));
        }
        let mut trees = vec![self.clienten.clone()];
        trees.extend(self.history.iter().cloned());
        trees.extend(self.plans.iter().cloned());
        trees
            .as_slice()
            .transaction(|t| {
                for (i, k) in &keys {
                    t[*i].remove(k.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(abort)?;
        Ok(())
    }

    /// The declaraties whose period ended before `grens` and of which no prestatie is left
    /// (after the dossier step removed prestaties): removed when `apply`. Reads every
    /// prestatie and declaratie once. Returns how many.
    pub fn remove_declaraties(&self, grens: Datum, apply: bool) -> Result<u64, StoreError> {
        let h = self.history();
        let left: BTreeSet<(Domein, String, String)> = h
            .try_scan(Tree::Prestaties, b"")?
            .into_iter()
            .filter_map(|r| match r {
                Record::Prestatie(p) => {
                    Some((p.parties.domein, p.parties.aanbieder, p.declaratienummer))
                }
                _ => None,
            })
            .collect();
        let declaraties: Vec<DeclaratieRecord> = h
            .try_scan(Tree::Declaraties, b"")?
            .into_iter()
            .filter_map(|r| match r {
                Record::Declaratie(d) => Some(d),
                _ => None,
            })
            .collect();
        let gone = dossier::declaraties_over(&declaraties, &left, grens);
        let n = gone
            .0
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Remove {
                        tree: Tree::Declaraties,
                        ..
                    }
                )
            })
            .count() as u64;
        if apply && n > 0 {
            self.remove_keys(&gone, &[], None)?;
        }
        Ok(n)
    }

    /// The bytes of every key and value in every tree (what a compaction would keep, before
    /// sled's own bookkeeping): the live data, to set beside the files' size.
    pub fn live_bytes(&self) -> Result<u64, StoreError> {
        let mut total = 0u64;
        for name in self.db.tree_names() {
            for item in self.db.open_tree(&name)?.iter() {
                let (k, v) = item?;
                total += (k.len() + v.len()) as u64;
            }
        }
        Ok(total)
    }

    /// The flow records' chunks whose every record was received before `grens`, from the
    /// oldest on, never the last chunk (its last record tells start-up where the records end):
    /// removed when `apply`. Returns the chunks and the first id still kept (the book drops
    /// the records before it).
    pub fn remove_stroom_chunks(
        &self,
        grens: Datum,
        apply: bool,
    ) -> Result<(u64, u64), StoreError> {
        let last = self.stromen.last()?.map(|(k, _)| k);
        let mut refs = Referenties::default();
        let mut gone: Vec<sled::IVec> = Vec::new();
        let mut first_kept = 0u64;
        for item in self.stromen.iter() {
            let (k, v) = item?;
            if Some(&k) == last.as_ref() {
                break;
            }
            let n = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
            let opened = self
                .sealer
                .open(super::stroom::TREE, &k, &v)
                .map_err(|e| StoreError::Corrupt(n * super::stroom::CHUNK, e))?;
            let mut recent = false;
            for (id, bytes) in super::stroom::chunk_entries(n, &opened)? {
                if bytes.is_empty() {
                    continue;
                }
                // A record this build does not read is not dated: it stays.
                match stuurinformatie::decode(id, &bytes, &mut refs) {
                    Ok(r) if r.bericht.ontvangen < grens => {}
                    _ => recent = true,
                }
                if recent {
                    break;
                }
            }
            if recent {
                break;
            }
            first_kept = (n + 1) * super::stroom::CHUNK;
            gone.push(k);
        }
        if apply && !gone.is_empty() {
            let mut batch = sled::Batch::default();
            for k in &gone {
                batch.remove(k.clone());
            }
            self.stromen.apply_batch(batch)?;
        }
        Ok((gone.len() as u64, first_kept))
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
                // The history's record of the identificatie (TR056), as an accepted message has.
                let mut writes = pushed(&format!("c{n}"));
                writes.effects.put(Record::Identificatie(
                    sluis_core::validate::history::IdentificatieRecord {
                        berichtsoort: r.bericht.clone(),
                        afzender: r.afzender.clone(),
                        identificatie: r.identificatie.clone(),
                        dagtekening: None,
                    },
                ));
                store.insert(&r, true, None, &writes).expect("insert");
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
        // The history's identificatie went with the message's claim; a kept message keeps it.
        let known = |n: u32| {
            store
                .history()
                .identificatie_bekend("JW305", "12345678", &format!("S{n}"))
        };
        assert_eq!(
            (known(0), known(1), known(2), known(3)),
            (false, true, false, true)
        );
        store.durable_blocking().expect("durable");
        let mark = super::super::hwm::observe(&store.db).expect("mark");
        assert_eq!(super::super::hwm::check(&store.db, &mark), Ok(()));
    }
}
