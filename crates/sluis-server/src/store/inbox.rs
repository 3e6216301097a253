//! The parties' inboxes on disk: tree `inbox_blokken`, one sled key per party and chunk of
//! cursors (issue #14).
//!
//! Cursors are sled's ids (`generate_id`), increasing and shared by every party and message. A
//! chunk holds a party's entries whose cursors share all but the low [`SHIFT`] bits: key
//! `party \0 chunk` (the chunk number, `cursor >> SHIFT`, big-endian), so a party's chunks come
//! in cursor order and the chunk of a cursor is found without a scan. sled keeps some 150–250
//! bytes of bookkeeping in memory for every page, and a page holds at most 16 keys: one key per
//! entry (the layout before, tree `inbox`) was about a quarter of all keys. In the bench's mix a
//! message takes three ids (the message and two entries) and each of the two parties gets one
//! entry, so a chunk of 256 cursors holds some 85 entries of the gemeente and as many of the
//! aanbieder, about 300 bytes sealed; an aanbieder with a tenth of a gemeente's traffic still
//! gets some 8 per key. A larger chunk gains little more memory and costs more rewriting: every
//! entry rewrites its chunk whole.
//!
//! A chunk's value, before sealing: a format byte ([`FORMAT`]), its own key (length, bytes),
//! then its entries in cursor order, each the cursor's low byte, the kind (a byte: [`kind_byte`]),
//! `cursor - bericht_id` (a varint, small: the message's id is taken just before its cursors;
//! wrapping, so any pair encodes) and for a `terugvordering` the signal (length, JSON). The
//! value is sealed as a whole, bound to the tree and the chunk's key (party and chunk number),
//! so a signal stays sealed and bound to its party and cursor as when it was sealed on its own
//! under the entry's key; a chunk moved to another key does not open, and without keys (tools,
//! tests) the key inside the value says where it belongs.
//!
//! Writers read the chunk, add or remove entries and write it back inside their sled transaction
//! (a message's, a replay's, a retention batch's, the migration's), so a conflict retry reads
//! it again and two writers never lose each other's entries.
//!
//! A store with the old layout (tree `inbox`, one JSON entry per key) is migrated when the
//! gateway opens it ([`Store::migrate_inbox`]): one transaction per party chunk moves its
//! entries (written into the chunk, removed from `inbox`), so an interrupted migration goes on
//! where it stopped; the emptied tree is dropped.

use super::seal::Sealer;
use super::stroom::{read_varint, varint};
use super::{be, InboxEntry, Store, StoreError};
use serde::Deserialize;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, TransactionalTree,
};
use sluis_core::intake::DeliveryKind;
use std::collections::{BTreeMap, BTreeSet};

/// The tree's name (also the sealing context of its values).
pub(super) const TREE: &str = "inbox_blokken";
/// The tree of the layout before: one key per entry.
const LEGACY: &str = "inbox";
/// The sealing context of a signal in an entry of the layout before.
const LEGACY_SIGNAAL: &str = "inbox_signaal";
/// Low bits of a cursor that a chunk spans: 256 cursors.
const SHIFT: u32 = 8;
/// The value's layout version.
const FORMAT: u8 = 1;

/// The key of the chunk of `party` that holds `cursor`.
pub(super) fn chunk_key(party: &str, cursor: u64) -> Vec<u8> {
    [party.as_bytes(), b"\0", &be(cursor >> SHIFT)].concat()
}

/// The first key after every key of `party`'s inbox.
fn after_party(party: &[u8]) -> Vec<u8> {
    [party, b"\x01"].concat()
}

/// The kinds as stored: never renumber.
fn kind_byte(kind: DeliveryKind) -> u8 {
    match kind {
        DeliveryKind::Bericht => 1,
        DeliveryKind::Retour => 2,
        DeliveryKind::Terugvordering => 3,
    }
}

fn kind_of(byte: u8) -> Option<DeliveryKind> {
    match byte {
        1 => Some(DeliveryKind::Bericht),
        2 => Some(DeliveryKind::Retour),
        3 => Some(DeliveryKind::Terugvordering),
        _ => None,
    }
}

/// An entry as kept in its chunk: the signal as its JSON (empty unless `terugvordering`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Slot {
    pub cursor: u64,
    pub bericht_id: u64,
    pub kind: DeliveryKind,
    pub signaal: Vec<u8>,
}

impl Slot {
    fn entry(self) -> Result<InboxEntry, StoreError> {
        let signaal = match self.kind {
            DeliveryKind::Terugvordering => {
                Some(serde_json::from_slice(&self.signaal).map_err(|e| {
                    StoreError::Corrupt(self.bericht_id, format!("inbox: signal: {e}"))
                })?)
            }
            _ => None,
        };
        Ok(InboxEntry {
            cursor: self.cursor,
            bericht_id: self.bericht_id,
            kind: self.kind,
            signaal,
        })
    }
}

/// The chunk number of a key (its last eight bytes).
fn chunk_number(key: &[u8]) -> Option<u64> {
    let at = key.len().checked_sub(8)?;
    (key.get(at.checked_sub(1)?) == Some(&0))
        .then(|| key[at..].try_into().ok().map(u64::from_be_bytes))
        .flatten()
}

/// The entries of the chunk stored under `key`, opened value `plain`, in cursor order.
fn decode(key: &[u8], plain: &[u8]) -> Result<Vec<Slot>, StoreError> {
    let chunk = chunk_number(key);
    let base = chunk.unwrap_or(0) << SHIFT;
    let damaged = || StoreError::Corrupt(base, "inbox: chunk does not read".into());
    let chunk = chunk.ok_or_else(damaged)?;
    if plain.first() != Some(&FORMAT) {
        return Err(damaged());
    }
    let mut at = 1;
    let own = read_varint(plain, &mut at)
        .and_then(|n| usize::try_from(n).ok())
        .and_then(|n| plain.get(at..at.checked_add(n)?));
    if own != Some(key) {
        return Err(StoreError::Corrupt(
            base,
            "inbox: a chunk under another key than its own".into(),
        ));
    }
    at += key.len();
    let mut out: Vec<Slot> = Vec::new();
    while at < plain.len() {
        let low = u64::from(plain[at]);
        let kind = plain.get(at + 1).copied().and_then(kind_of);
        at += 2;
        let delta = read_varint(plain, &mut at);
        let (Some(kind), Some(delta)) = (kind, delta) else {
            return Err(damaged());
        };
        let cursor = (chunk << SHIFT) | low;
        if out.last().is_some_and(|s| s.cursor >= cursor) {
            return Err(damaged());
        }
        let signaal = if kind == DeliveryKind::Terugvordering {
            let len = read_varint(plain, &mut at)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(damaged)?;
            let bytes = plain
                .get(at..at.checked_add(len).ok_or_else(damaged)?)
                .ok_or_else(damaged)?;
            at += len;
            bytes.to_vec()
        } else {
            Vec::new()
        };
        out.push(Slot {
            cursor,
            bericht_id: cursor.wrapping_sub(delta),
            kind,
            signaal,
        });
    }
    Ok(out)
}

/// The value of chunk `key` holding `slots` (in cursor order, all of this chunk), not sealed.
fn encode(key: &[u8], slots: &[Slot]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 2 + slots.len() * 4);
    out.push(FORMAT);
    varint(&mut out, key.len() as u64);
    out.extend_from_slice(key);
    for s in slots {
        out.push((s.cursor & ((1 << SHIFT) - 1)) as u8);
        out.push(kind_byte(s.kind));
        varint(&mut out, s.cursor.wrapping_sub(s.bericht_id));
        if s.kind == DeliveryKind::Terugvordering {
            varint(&mut out, s.signaal.len() as u64);
            out.extend_from_slice(&s.signaal);
        }
    }
    out
}

fn open(sealer: &Sealer, key: &[u8], value: &[u8]) -> Result<Vec<Slot>, StoreError> {
    let plain = sealer.open(TREE, key, value).map_err(|e| {
        StoreError::Corrupt(
            chunk_number(key).unwrap_or(0) << SHIFT,
            format!("inbox: {e}"),
        )
    })?;
    decode(key, &plain)
}

fn abort(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

/// Entries to add, by chunk key.
pub(super) type Additions = BTreeMap<Vec<u8>, Vec<Slot>>;

/// Cursors to remove, by chunk key.
pub(super) type Removals = BTreeMap<Vec<u8>, BTreeSet<u64>>;

/// Add `slots` to the chunk `key` in a transaction: read, merge (an entry with the same cursor
/// is replaced: the migration run again), seal, write.
fn merge_in<E: From<StoreError>>(
    tree: &TransactionalTree,
    sealer: &Sealer,
    key: &[u8],
    slots: &[Slot],
) -> Result<(), ConflictableTransactionError<E>> {
    let fail = |e: StoreError| ConflictableTransactionError::Abort(E::from(e));
    let mut all = match tree.get(key)? {
        Some(v) => open(sealer, key, &v).map_err(fail)?,
        None => Vec::new(),
    };
    all.retain(|s| !slots.iter().any(|n| n.cursor == s.cursor));
    all.extend(slots.iter().cloned());
    all.sort_by_key(|s| s.cursor);
    let sealed = sealer.seal(TREE, key, encode(key, &all)).map_err(fail)?;
    tree.insert(key, sealed)?;
    Ok(())
}

/// Write `adds` in a transaction on the inbox tree (a message's, a replay's).
pub(super) fn add_in<E: From<StoreError>>(
    tree: &TransactionalTree,
    sealer: &Sealer,
    adds: &Additions,
) -> Result<(), ConflictableTransactionError<E>> {
    for (key, slots) in adds {
        merge_in(tree, sealer, key, slots)?;
    }
    Ok(())
}

/// Take `removals` out of their chunks in a transaction on the inbox tree (a retention batch);
/// a chunk left empty goes.
pub(super) fn remove_in<E: From<StoreError>>(
    tree: &TransactionalTree,
    sealer: &Sealer,
    removals: &Removals,
) -> Result<(), ConflictableTransactionError<E>> {
    let fail = |e: StoreError| ConflictableTransactionError::Abort(E::from(e));
    for (key, cursors) in removals {
        let Some(v) = tree.get(key)? else { continue };
        let mut all = open(sealer, key, &v).map_err(fail)?;
        all.retain(|s| !cursors.contains(&s.cursor));
        if all.is_empty() {
            tree.remove(key.as_slice())?;
        } else {
            let sealed = sealer.seal(TREE, key, encode(key, &all)).map_err(fail)?;
            tree.insert(key.as_slice(), sealed)?;
        }
    }
    Ok(())
}

/// An entry of the layout before, as its JSON was written.
#[derive(Deserialize)]
struct LegacyEntry {
    bericht_id: u64,
    kind: String,
    #[serde(default)]
    sealed: Option<String>,
}

impl Store {
    /// The entries to write for new `(party, kind, signal JSON)` entries of message
    /// `bericht_id`, each with a fresh cursor in the order given; and the cursors.
    pub(super) fn inbox_additions(
        &self,
        bericht_id: u64,
        entries: impl IntoIterator<Item = (String, DeliveryKind, Vec<u8>)>,
    ) -> Result<(Additions, Vec<u64>), StoreError> {
        let mut adds = Additions::new();
        let mut cursors = Vec::new();
        for (party, kind, signaal) in entries {
            let cursor = self.db.generate_id()? + 1;
            adds.entry(chunk_key(&party, cursor))
                .or_default()
                .push(Slot {
                    cursor,
                    bericht_id,
                    kind,
                    signaal,
                });
            cursors.push(cursor);
        }
        Ok((adds, cursors))
    }

    /// A party's inbox entries after `after` (or after its last acknowledgement), in cursor
    /// order, at most `limit`. A chunk that does not open or read is an error, never absent.
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
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let range = chunk_key(party, from.saturating_add(1))..=chunk_key(party, u64::MAX);
        for item in self.inbox.range(range) {
            let (k, v) = item?;
            for slot in open(&self.sealer, &k, &v)? {
                if slot.cursor <= from {
                    continue;
                }
                out.push(slot.entry()?);
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }

    /// Put a stored message in these inboxes again (an operator's replay): new entries at the
    /// end, nothing else changes.
    pub fn requeue(
        &self,
        bericht_id: u64,
        inbox: &[(String, DeliveryKind)],
    ) -> Result<Vec<u64>, StoreError> {
        self.space.writable()?;
        let (adds, cursors) = self.inbox_additions(
            bericht_id,
            inbox.iter().map(|(p, k)| (p.clone(), *k, Vec::new())),
        )?;
        self.inbox
            .transaction(|t| add_in::<StoreError>(t, &self.sealer, &adds))
            .map_err(abort)?;
        Ok(cursors)
    }

    /// The parties with an inbox, found by jumping from party to party (one read each).
    pub(super) fn inbox_parties(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        let mut from: Vec<u8> = Vec::new();
        while let Some(item) = self.inbox.range(from.clone()..).next() {
            let (k, _) = item?;
            let party = k.split(|b| *b == 0).next().unwrap_or_default().to_vec();
            from = after_party(&party);
            out.push(party);
        }
        Ok(out)
    }

    /// Every message with an entry after its party's acknowledgement: `need(bericht_id)`.
    pub(super) fn inbox_unacknowledged(&self, mut need: impl FnMut(u64)) -> Result<(), StoreError> {
        for party in self.inbox_parties()? {
            let name = String::from_utf8_lossy(&party).into_owned();
            let acked = self.acked(&name)?;
            let range = chunk_key(&name, acked.saturating_add(1))..after_party(&party);
            for item in self.inbox.range(range) {
                let (k, v) = item?;
                for slot in open(&self.sealer, &k, &v)? {
                    if slot.cursor > acked {
                        need(slot.bericht_id);
                    }
                }
            }
        }
        Ok(())
    }

    /// Each party's acknowledged entries from the front while they point at a message removed
    /// (`gone` now, or before: no record) or at one still needed (`keep`: a later entry of a
    /// removed message, from a replay, is taken when the front reaches it; the inbox skips it
    /// meanwhile): the cursors to remove by chunk, and how many.
    pub(super) fn inbox_removable(
        &self,
        gone: &BTreeSet<u64>,
        keep: impl Fn(u64) -> bool,
    ) -> Result<(Removals, u64), StoreError> {
        let mut out = Removals::new();
        let mut n = 0;
        for party in self.inbox_parties()? {
            let name = String::from_utf8_lossy(&party).into_owned();
            let acked = self.acked(&name)?;
            'party: for item in self
                .inbox
                .range(chunk_key(&name, 0)..=chunk_key(&name, acked))
            {
                let (k, v) = item?;
                for slot in open(&self.sealer, &k, &v)? {
                    if slot.cursor > acked {
                        break 'party;
                    }
                    let removed = gone.contains(&slot.bericht_id)
                        || !self.berichten.contains_key(be(slot.bericht_id))?;
                    if !removed {
                        // A message kept because it is still needed (a dead letter) does not
                        // hold up the cleaning of what comes after it; any other ends the walk.
                        if keep(slot.bericht_id) {
                            continue;
                        }
                        break 'party;
                    }
                    out.entry(k.to_vec()).or_default().insert(slot.cursor);
                    n += 1;
                }
            }
        }
        Ok((out, n))
    }

    /// Move the entries of the layout before (tree `inbox`, one key each) into chunks, one
    /// transaction per party chunk, and drop the emptied tree; the number moved. Needs the
    /// keys (the old entries' signals are opened and sealed again in their chunk): a store
    /// opened without them is left as it is.
    pub(super) fn migrate_inbox(&self) -> Result<u64, StoreError> {
        if !self
            .db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == LEGACY.as_bytes())
        {
            return Ok(0);
        }
        let old = self.db.open_tree(LEGACY)?;
        let mut moved = 0u64;
        // The group being gathered: its chunk key, the old keys and their entries.
        let mut chunk: Vec<u8> = Vec::new();
        let mut keys: Vec<sled::IVec> = Vec::new();
        let mut slots: Vec<Slot> = Vec::new();
        let flush = |chunk: &[u8], keys: &mut Vec<sled::IVec>, slots: &mut Vec<Slot>| {
            if keys.is_empty() {
                return Ok::<u64, StoreError>(0);
            }
            (&old, &self.inbox)
                .transaction(|(o, n)| {
                    merge_in::<StoreError>(n, &self.sealer, chunk, slots)?;
                    for k in keys.iter() {
                        o.remove(k)?;
                    }
                    Ok(())
                })
                .map_err(abort)?;
            let n = keys.len() as u64;
            keys.clear();
            slots.clear();
            Ok(n)
        };
        for item in old.iter() {
            let (k, v) = item?;
            let damaged =
                |what: String| StoreError::Corrupt(0, format!("inbox (before chunks): {what}"));
            let split = k.len().checked_sub(9).filter(|at| k[*at] == 0);
            let Some(at) = split else {
                return Err(damaged("a key that is no party and cursor".into()));
            };
            let party = std::str::from_utf8(&k[..at])
                .map_err(|_| damaged("a party that is no text".into()))?
                .to_string();
            let cursor = k[at + 1..]
                .try_into()
                .map(u64::from_be_bytes)
                .map_err(|_| damaged("a cursor that does not read".into()))?;
            let entry: LegacyEntry =
                serde_json::from_slice(&v).map_err(|e| damaged(e.to_string()))?;
            let kind = match entry.kind.as_str() {
                "bericht" => DeliveryKind::Bericht,
                "retour" => DeliveryKind::Retour,
                "terugvordering" => DeliveryKind::Terugvordering,
                _ => return Err(damaged("an entry of an unknown kind".into())),
            };
            let signaal = match (kind, &entry.sealed) {
                (DeliveryKind::Terugvordering, Some(sealed)) => {
                    let bytes = hex::decode(sealed).map_err(|e| damaged(e.to_string()))?;
                    self.sealer
                        .open(LEGACY_SIGNAAL, &k, &bytes)
                        .map_err(damaged)?
                }
                (DeliveryKind::Terugvordering, None) => {
                    return Err(damaged("a terugvordering without its signal".into()))
                }
                _ => Vec::new(),
            };
            let key = chunk_key(&party, cursor);
            if key != chunk {
                moved += flush(&chunk, &mut keys, &mut slots)?;
                chunk = key;
            }
            keys.push(k);
            slots.push(Slot {
                cursor,
                bericht_id: entry.bericht_id,
                kind,
                signaal,
            });
        }
        moved += flush(&chunk, &mut keys, &mut slots)?;
        drop(old);
        self.db.drop_tree(LEGACY)?;
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::crypto::Keys;
    use sluis_core::doelbereik::{Status, Terugvordering};
    use sluis_core::validate::history::Domein;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    fn open_store(dir: &Path, keys: Option<Arc<Keys>>) -> Store {
        Store::open_with(dir, Duration::from_millis(1), keys).expect("store")
    }

    fn keyed(dir: &Path) -> (Store, Arc<Keys>) {
        let keys = Arc::new(Keys::generate().expect("keys"));
        (open_store(dir, Some(keys.clone())), keys)
    }

    fn signaal(bedrag: i64) -> Terugvordering {
        Terugvordering {
            domein: Domein::Ijw,
            gemeente: "0599".into(),
            aanbieder: "12345678".into(),
            toewijzingnummer: "7001".into(),
            bedrag,
            eerder: 0,
            trajectprijs: 240_000,
            recht_procent: 70,
            aanspraak: 168_000,
            gedeclareerd: 240_000,
            status: Status::NietBereikt,
            reden: "niet bereikt".into(),
            melding: "Terugvordering op toewijzing 7001".into(),
        }
    }

    /// An entry at a cursor of the test's choosing, written as a message's transaction does.
    fn put(store: &Store, party: &str, cursor: u64, bericht_id: u64, kind: DeliveryKind) {
        let signaal = match kind {
            DeliveryKind::Terugvordering => {
                serde_json::to_vec(&signaal(cursor as i64)).expect("json")
            }
            _ => Vec::new(),
        };
        let mut adds = Additions::new();
        adds.insert(
            chunk_key(party, cursor),
            vec![Slot {
                cursor,
                bericht_id,
                kind,
                signaal,
            }],
        );
        store
            .inbox
            .transaction(|t| add_in::<StoreError>(t, &store.sealer, &adds))
            .map_err(abort)
            .expect("written");
    }

    fn cursors(entries: &[InboxEntry]) -> Vec<u64> {
        entries.iter().map(|e| e.cursor).collect()
    }

    #[test]
    fn entries_across_chunks_after_a_cursor_and_a_limit() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, _) = keyed(dir.path());
        // Out of order, across the boundary of chunks 0 and 1 (cursor 256), one far away;
        // another party in between.
        let mine = [258u64, 250, 255, 256, 253, 300, 1 << 20];
        for c in mine {
            put(&store, "0599", c, c - 1, DeliveryKind::Bericht);
            put(&store, "12345678", c + 1, c - 1, DeliveryKind::Retour);
        }
        put(&store, "0599", 254, 7, DeliveryKind::Terugvordering);
        let all = store.inbox("0599", Some(0), 100).expect("inbox");
        assert_eq!(cursors(&all), [250, 253, 254, 255, 256, 258, 300, 1 << 20]);
        assert!(all.iter().all(|e| e.kind != DeliveryKind::Retour));
        assert_eq!(all[2].kind, DeliveryKind::Terugvordering);
        assert_eq!(all[2].bericht_id, 7);
        assert_eq!(all[2].signaal.as_ref().map(|s| s.bedrag), Some(254));
        assert_eq!(all[0].bericht_id, 249);
        // `after` in the middle of a chunk, and the limit across the boundary.
        let page = store.inbox("0599", Some(253), 3).expect("inbox");
        assert_eq!(cursors(&page), [254, 255, 256]);
        let page = store.inbox("0599", Some(255), 2).expect("inbox");
        assert_eq!(cursors(&page), [256, 258]);
        assert_eq!(
            cursors(&store.inbox("0599", Some(258), 10).expect("inbox")),
            [300, 1 << 20]
        );
        assert!(store
            .inbox("0599", Some(1 << 20), 10)
            .expect("inbox")
            .is_empty());
        assert!(store.inbox("0599", Some(0), 0).expect("inbox").is_empty());
        // Without `after`: from the acknowledgement on.
        store.ack("0599", 255).expect("ack");
        assert_eq!(
            cursors(&store.inbox("0599", None, 2).expect("inbox")),
            [256, 258]
        );
        // The other party's entries are its own; a party that is a prefix of another's name
        // sees none of them.
        let theirs = store.inbox("12345678", Some(0), 100).expect("inbox");
        assert_eq!(theirs.len(), mine.len());
        assert!(store.inbox("1234", Some(0), 100).expect("inbox").is_empty());
        // Keys: chunks 0, 1 (256..=300) and 4096 of each party.
        assert_eq!(store.inbox.len(), 3 + 3);
    }

    #[test]
    fn many_parties_each_read_their_own_and_requeue_appends() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, _) = keyed(dir.path());
        let parties: Vec<String> = (0..40).map(|i| format!("{:08}", 10_000_000 + i)).collect();
        let mut ids = Vec::new();
        for n in 0..120usize {
            let id = store.next_id().expect("id");
            let (adds, got) = store
                .inbox_additions(
                    id,
                    [
                        ("0599".to_string(), DeliveryKind::Bericht, Vec::new()),
                        (parties[n % 40].clone(), DeliveryKind::Retour, Vec::new()),
                    ],
                )
                .expect("additions");
            assert!(got[0] > id && got[1] > got[0]);
            store
                .inbox
                .transaction(|t| add_in::<StoreError>(t, &store.sealer, &adds))
                .map_err(abort)
                .expect("written");
            ids.push(id);
        }
        let gemeente = store.inbox("0599", Some(0), 1000).expect("inbox");
        assert_eq!(
            gemeente.iter().map(|e| e.bericht_id).collect::<Vec<_>>(),
            ids
        );
        for (i, p) in parties.iter().enumerate() {
            let got = store.inbox(p, Some(0), 1000).expect("inbox");
            let want: Vec<u64> = ids.iter().skip(i).step_by(40).copied().collect();
            assert_eq!(got.iter().map(|e| e.bericht_id).collect::<Vec<_>>(), want);
        }
        assert_eq!(store.inbox_parties().expect("parties").len(), 41);
        // The gemeente's 120 entries over 360 cursors: two chunks or three, never 120 keys.
        let keys = store.inbox.scan_prefix(b"0599\0").count();
        assert!((2..=3).contains(&keys), "{keys}");
        // A replay: new entries after everything, in a chunk that may hold others.
        let last = gemeente.last().expect("entries").cursor;
        let again = store
            .requeue(
                ids[3],
                &[
                    ("0599".to_string(), DeliveryKind::Bericht),
                    (parties[3].clone(), DeliveryKind::Retour),
                ],
            )
            .expect("requeue");
        assert!(again[0] > last && again[1] > again[0]);
        let now = store.inbox("0599", Some(last), 10).expect("inbox");
        assert_eq!(cursors(&now), [again[0]]);
        assert_eq!(now[0].bericht_id, ids[3]);
        assert_eq!(
            store.inbox("0599", Some(0), 1000).expect("inbox").len(),
            121
        );
        let p3 = store.inbox(&parties[3], Some(0), 10).expect("inbox");
        assert_eq!(
            p3.last().map(|e| (e.cursor, e.bericht_id)),
            Some((again[1], ids[3]))
        );
    }

    #[test]
    fn retention_takes_part_of_a_chunk_and_an_emptied_chunk_goes() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, _) = keyed(dir.path());
        // Messages 1..=6 (no records: all count as removed before) in chunk 0; 7 in chunk 1.
        for c in 1..=6u64 {
            put(&store, "0599", 10 + c, c, DeliveryKind::Bericht);
        }
        put(&store, "0599", 300, 7, DeliveryKind::Bericht);
        // Acknowledged up to the fourth; the third is still there and needed (a dead letter).
        store.ack("0599", 14).expect("ack");
        store
            .berichten
            .insert(be(3), &b"record"[..])
            .expect("record");
        let gone: BTreeSet<u64> = [1, 2].into();
        let (removals, n) = store
            .inbox_removable(&gone, |id| id == 3)
            .expect("removable");
        assert_eq!(n, 3, "1, 2 and 4: the needed one is passed, not taken");
        assert_eq!(
            removals.values().flatten().copied().collect::<Vec<_>>(),
            [11, 12, 14]
        );
        // A replay into the same chunk meanwhile is kept: the removal reads the chunk again.
        put(&store, "0599", 20, 5, DeliveryKind::Retour);
        store
            .inbox
            .transaction(|t| remove_in::<StoreError>(t, &store.sealer, &removals))
            .map_err(abort)
            .expect("removed");
        assert_eq!(
            cursors(&store.inbox("0599", Some(0), 10).expect("inbox")),
            [13, 15, 16, 20, 300]
        );
        let mut unacked = Vec::new();
        store
            .inbox_unacknowledged(|id| unacked.push(id))
            .expect("pending");
        assert_eq!(unacked, [5, 6, 5, 7]);
        // A message still there and not needed ends the walk.
        store.ack("0599", 300).expect("ack");
        let (_, n) = store
            .inbox_removable(&BTreeSet::new(), |_| false)
            .expect("removable");
        assert_eq!(n, 0);
        // Everything acknowledged and gone: the chunks' keys go.
        store.berichten.remove(be(3)).expect("removed");
        let (removals, n) = store
            .inbox_removable(&BTreeSet::new(), |_| false)
            .expect("removable");
        assert_eq!(n, 5);
        store
            .inbox
            .transaction(|t| remove_in::<StoreError>(t, &store.sealer, &removals))
            .map_err(abort)
            .expect("removed");
        assert!(store.inbox("0599", Some(0), 10).expect("inbox").is_empty());
        assert_eq!(store.inbox.len(), 0);
        assert!(store.inbox_parties().expect("parties").is_empty());
    }

    #[test]
    fn a_chunk_under_another_key_or_damaged_is_an_error() {
        for with_keys in [true, false] {
            let dir = tempfile::tempdir().expect("dir");
            let keys = with_keys.then(|| Arc::new(Keys::generate().expect("keys")));
            let store = open_store(dir.path(), keys);
            put(&store, "0599", 5, 4, DeliveryKind::Terugvordering);
            put(&store, "0599", 300, 4, DeliveryKind::Bericht);
            let stored = store
                .inbox
                .get(chunk_key("0599", 5))
                .expect("get")
                .expect("chunk");
            if with_keys {
                // Sealed: the signal's amounts and number are not on disk in the clear.
                let text = String::from_utf8_lossy(&stored);
                assert!(!text.contains("7001") && !text.contains("240000"), "{text}");
            }
            // Moved to another party, or to another chunk of the same party.
            store
                .inbox
                .insert(chunk_key("12345678", 5), stored.clone())
                .expect("copy");
            assert!(store.inbox("12345678", Some(0), 10).is_err());
            store
                .inbox
                .insert(chunk_key("0599", 600), stored.clone())
                .expect("copy");
            assert!(store.inbox("0599", Some(400), 10).is_err());
            // A damaged value, and entries that are not in cursor order.
            store
                .inbox
                .insert(chunk_key("0599", 300), &b"damaged"[..])
                .expect("damage");
            assert!(store.inbox("0599", Some(0), 10).is_err());
            let key = chunk_key("0599", 900);
            let slot = |cursor| Slot {
                cursor,
                bericht_id: 1,
                kind: DeliveryKind::Bericht,
                signaal: Vec::new(),
            };
            let unordered = encode(&key, &[slot(901), slot(900)]);
            let sealed = store.sealer.seal(TREE, &key, unordered).expect("seal");
            store.inbox.insert(&key, sealed).expect("insert");
            assert!(store.inbox("0599", Some(800), 10).is_err());
            let mut bad_kind = encode(&key, &[slot(901)]);
            let at = bad_kind.len() - 2;
            bad_kind[at] = 9;
            let sealed = store.sealer.seal(TREE, &key, bad_kind).expect("seal");
            store.inbox.insert(&key, sealed).expect("insert");
            assert!(store.inbox("0599", Some(800), 10).is_err());
        }
    }

    /// The layout before: one key per entry in tree `inbox`, JSON, a signal sealed under the
    /// entry's key (as `Store::insert` wrote it until the chunks).
    fn put_legacy(store: &Store, party: &str, cursor: u64, bericht_id: u64, kind: &str) {
        let key = [party.as_bytes(), b"\0", &be(cursor)].concat();
        let mut entry = serde_json::json!({
            "cursor": cursor,
            "bericht_id": bericht_id,
            "kind": kind,
        });
        if kind == "terugvordering" {
            let plain = serde_json::to_vec(&signaal(cursor as i64)).expect("json");
            let sealed = store
                .sealer
                .seal(LEGACY_SIGNAAL, &key, plain)
                .expect("seal");
            entry["sealed"] = hex::encode(sealed).into();
        }
        store
            .db
            .open_tree(LEGACY)
            .expect("tree")
            .insert(key, serde_json::to_vec(&entry).expect("json"))
            .expect("insert");
    }

    #[test]
    fn the_layout_before_is_moved_into_chunks_once_at_open() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, keys) = keyed(dir.path());
        let mut want: Vec<(String, u64, u64, &str)> = Vec::new();
        for c in (3..700u64).step_by(3) {
            let (party, kind) = match c % 4 {
                0 => ("0599", "bericht"),
                1 => ("12345678", "retour"),
                2 => ("0599", "retour"),
                _ => ("23456789", "bericht"),
            };
            let kind = if c % 50 == 0 { "terugvordering" } else { kind };
            put_legacy(&store, party, c, c - 1, kind);
            want.push((party.to_string(), c, c - 1, kind));
        }
        // One entry already in its chunk (a migration interrupted after that chunk's
        // transaction cannot leave it in both trees, but a second run must not double it).
        put(&store, "0599", 3 * 4 * 10, 119, DeliveryKind::Bericht);
        store.ack("0599", 300).expect("ack");
        drop(store);
        let store = open_store(dir.path(), Some(keys.clone()));
        assert!(!store
            .db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == LEGACY.as_bytes()));
        for party in ["0599", "12345678", "23456789"] {
            let got: Vec<(u64, u64, &str)> = store
                .inbox(party, Some(0), 1000)
                .expect("inbox")
                .iter()
                .map(|e| (e.cursor, e.bericht_id, e.kind.as_str()))
                .collect();
            let mine: Vec<(u64, u64, &str)> = want
                .iter()
                .filter(|w| w.0 == party)
                .map(|w| (w.1, w.2, w.3))
                .collect();
            assert_eq!(got, mine, "{party}");
        }
        let signals: Vec<i64> = store
            .inbox("0599", Some(0), 1000)
            .expect("inbox")
            .iter()
            .filter_map(|e| e.signaal.as_ref().map(|s| s.bedrag))
            .collect();
        assert_eq!(signals, [150, 300, 450, 600]);
        // The acknowledgement is the same cursor: the rest is still waiting.
        assert_eq!(
            store.inbox("0599", None, 1).expect("inbox")[0].cursor,
            want.iter()
                .filter(|w| w.0 == "0599" && w.1 > 300)
                .map(|w| w.1)
                .next()
                .expect("one after")
        );
        // Idempotent: the old entries once more (a crash before the old tree was dropped)
        // give the same inbox, and a store opened without keys is left as it is.
        for (party, c, id, kind) in want.iter().take(20) {
            put_legacy(&store, party, *c, *id, kind);
        }
        drop(store);
        let plain = open_store(dir.path(), None);
        assert!(plain
            .db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == LEGACY.as_bytes()));
        drop(plain);
        let store = open_store(dir.path(), Some(keys.clone()));
        let total: usize = ["0599", "12345678", "23456789"]
            .iter()
            .map(|p| store.inbox(p, Some(0), 1000).expect("inbox").len())
            .sum();
        assert_eq!(total, want.len());
        // A legacy entry that does not read stops the open: never dropped silently.
        put_legacy(&store, "0599", 1000, 999, "onbekend");
        drop(store);
        let refused = Store::open_with(dir.path(), Duration::from_millis(1), Some(keys));
        assert!(
            matches!(refused, Err(StoreError::Damaged { .. })),
            "{:?}",
            refused.err()
        );
    }
}
