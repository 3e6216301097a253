//! The flows' message records on disk: tree `stromen_blokken`. A record is the message's
//! `sluis_core::stuurinformatie::encode` bytes (empty: a message left out of the figures, not
//! readable). A new message's record is written in the message's own transaction
//! ([`super::Writes::stroom`]), so the tree holds a record for every message stored since.
//!
//! Records are kept in chunks of [`CHUNK`] consecutive ids, one sled key per chunk (the chunk
//! number, big-endian), sealed like every record (they hold BSNs and toewijzingnummers). sled
//! keeps some 150 bytes of bookkeeping in memory for every page of every tree, and a page
//! holds at most 16 keys, so one key per message would cost about 20 MB at a million
//! messages; a chunk costs that per some fifteen messages. A chunk's value is its entries in
//! the order written: the id's low bits, the record's length (varint) and the record.
//!
//! Every message this build stores has its record, and the migration writes them in the
//! order of the ids, so the messages without one are always those after the last record: a
//! store from before the tree (all of them), one whose migration was interrupted, or one an
//! older build wrote to. At start-up (`gateway/stromen.rs`) those are read again from their
//! messages and their records written here, once; from then on start-up reads only this tree,
//! never a message's payload.
//!
//! A chunk is read, extended and written whole: every writer holds the gateway's judging lock
//! (the messages' transactions) or runs before the gateway takes messages (the migration).

use super::{be, Store, StoreError};

/// The tree's name (also the sealing context of its values).
pub(super) const TREE: &str = "stromen_blokken";

/// A chunk of records that does not read, and the ids it covers.
#[derive(Debug)]
pub struct ChunkFault {
    pub ids: std::ops::Range<u64>,
    pub error: StoreError,
}

/// Ids per chunk (a power of two). Ids also number inbox entries, so a chunk holds the
/// records of some fifteen messages.
pub(super) const CHUNK: u64 = 64;

fn chunk_key(id: u64) -> [u8; 8] {
    be(id / CHUNK)
}

pub(super) fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(super) fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

/// The entries of chunk `chunk`: `(id, record)`, in the order written.
pub(super) fn chunk_entries(chunk: u64, value: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    entries(chunk, value)
}

fn entries(chunk: u64, value: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let damaged = || StoreError::Corrupt(chunk * CHUNK, "stromen: chunk does not read".into());
    let mut out = Vec::new();
    let mut at = 0;
    while at < value.len() {
        let low = read_varint(value, &mut at).filter(|l| *l < CHUNK);
        let len = read_varint(value, &mut at).and_then(|l| usize::try_from(l).ok());
        let (Some(low), Some(len)) = (low, len) else {
            return Err(damaged());
        };
        let record = value.get(at..at + len).ok_or_else(damaged)?;
        at += len;
        out.push((chunk * CHUNK + low, record.to_vec()));
    }
    Ok(out)
}

fn append(value: &mut Vec<u8>, id: u64, record: &[u8]) {
    varint(value, id % CHUNK);
    varint(value, record.len() as u64);
    value.extend_from_slice(record);
}

impl Store {
    /// The chunk of `id` as stored now, opened (empty when there is none).
    fn open_chunk(&self, id: u64) -> Result<Vec<u8>, StoreError> {
        let key = chunk_key(id);
        match self.stromen.get(key)? {
            None => Ok(Vec::new()),
            Some(v) => self
                .sealer
                .open(TREE, &key, &v)
                .map_err(|e| StoreError::Corrupt(id, e)),
        }
    }

    /// The chunk of message `id` with its record added, sealed: `(key, value)` to write in
    /// the message's transaction.
    pub(super) fn stroom_chunk(
        &self,
        id: u64,
        record: &[u8],
    ) -> Result<([u8; 8], Vec<u8>), StoreError> {
        let key = chunk_key(id);
        let mut value = self.open_chunk(id)?;
        append(&mut value, id, record);
        Ok((key, self.sealer.seal(TREE, &key, value)?))
    }

    /// Every stored record with an id above `after`, oldest first: `(id, bytes)`. A chunk
    /// that does not read is a [`ChunkFault`] with the ids it covers (its records can be made
    /// again: [`Store::put_stroom_chunk`]).
    pub fn stroom_records(
        &self,
        after: u64,
    ) -> impl Iterator<Item = Result<(u64, Vec<u8>), ChunkFault>> + '_ {
        let first = after.saturating_add(1);
        self.stromen
            .range(chunk_key(first)..)
            .flat_map(move |item| {
                let chunk = match item {
                    Err(e) => Err(ChunkFault {
                        ids: 0..0,
                        error: e.into(),
                    }),
                    Ok((k, v)) => {
                        let n = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
                        let ids = n * CHUNK..(n + 1) * CHUNK;
                        let fault = |error| ChunkFault {
                            ids: ids.clone(),
                            error,
                        };
                        self.sealer
                            .open(TREE, &k, &v)
                            .map_err(|e| fault(StoreError::Corrupt(n * CHUNK, e)))
                            .and_then(|opened| entries(n, &opened).map_err(fault))
                    }
                };
                let list: Vec<Result<(u64, Vec<u8>), ChunkFault>> = match chunk {
                    Ok(mut list) => {
                        // Written in the order the messages were stored, which may differ
                        // from the order of their ids; read by id, like the messages. (A
                        // record made again replaces its entry: ids are unique in a chunk.)
                        list.sort_by_key(|(id, _)| *id);
                        list.into_iter().map(Ok).collect()
                    }
                    Err(fault) => vec![Err(fault)],
                };
                list
            })
            .filter(move |r| r.as_ref().map_or(true, |(id, _)| *id >= first))
    }

    /// Write (or replace) the record of a stored message outside its transaction: a record
    /// that could not be read and was made again.
    pub fn put_stroom(&self, id: u64, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.put_stroom_chunk(&[(id, bytes)], false)
    }

    /// Write the records of messages of one chunk outside their transactions (the migration,
    /// records made again), in one write. The chunk's other records stay, unless `fresh` (a
    /// chunk that did not read, made again whole). Records of ids outside the first one's
    /// chunk are an error.
    pub fn put_stroom_chunk(
        &self,
        records: &[(u64, Vec<u8>)],
        fresh: bool,
    ) -> Result<(), StoreError> {
        let Some((first, _)) = records.first() else {
            return Ok(());
        };
        let n = first / CHUNK;
        if let Some((id, _)) = records.iter().find(|(id, _)| id / CHUNK != n) {
            return Err(StoreError::Corrupt(
                *id,
                "stromen: records of two chunks".into(),
            ));
        }
        self.space.writable()?;
        let key = chunk_key(*first);
        let mut value = Vec::new();
        if !fresh {
            for (other, record) in entries(n, &self.open_chunk(*first)?)? {
                if !records.iter().any(|(id, _)| *id == other) {
                    append(&mut value, other, &record);
                }
            }
        }
        for (id, record) in records {
            append(&mut value, *id, record);
        }
        let sealed = self.sealer.seal(TREE, &key, value)?;
        self.stromen.insert(key, sealed)?;
        Ok(())
    }

    /// The id of the last record, and of the last message (0: none).
    pub fn stroom_ends(&self) -> Result<(u64, u64), StoreError> {
        let last_record = match self.stromen.last()? {
            None => 0,
            Some((k, v)) => {
                let n = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
                let opened = self
                    .sealer
                    .open(TREE, &k, &v)
                    .map_err(|e| StoreError::Corrupt(n * CHUNK, e))?;
                entries(n, &opened)?
                    .iter()
                    .map(|(id, _)| *id)
                    .max()
                    .unwrap_or(0)
            }
        };
        let last_message = self.berichten.last()?.map_or(0, |(k, _)| {
            k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0)
        });
        Ok((last_record, last_message))
    }

    /// Remove every record (tests: a store as from before the tree).
    #[doc(hidden)]
    pub fn clear_stroom(&self) -> Result<(), StoreError> {
        self.stromen.clear()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_the_records_in_the_order_of_their_ids() {
        let dir = tempfile::tempdir().expect("dir");
        let keys = std::sync::Arc::new(crate::security::crypto::Keys::generate().expect("keys"));
        let store = Store::open_with(dir.path(), std::time::Duration::from_millis(1), Some(keys))
            .expect("store");
        // Out of order within a chunk, across chunks, an empty record, a large id.
        let ids = [5u64, 3, 64, 200, 130, 1 << 40];
        for id in ids {
            let record = if id == 64 {
                Vec::new()
            } else {
                vec![id as u8; (id % 300) as usize]
            };
            let (key, value) = store.stroom_chunk(id, &record).expect("chunk");
            store.stromen.insert(key, value).expect("insert");
        }
        let read: Vec<(u64, Vec<u8>)> = store.stroom_records(0).map(|r| r.expect("read")).collect();
        let mut sorted = ids.to_vec();
        sorted.sort();
        assert_eq!(read.iter().map(|(id, _)| *id).collect::<Vec<_>>(), sorted);
        assert!(read.iter().any(|(id, r)| *id == 64 && r.is_empty()));
        assert_eq!(read[0].1, vec![3u8; 3]);
        // From an id on.
        let after: Vec<u64> = store.stroom_records(64).map(|r| r.expect("r").0).collect();
        assert_eq!(after, vec![130, 200, 1 << 40]);
        // A damaged chunk says which ids it covers, and can be written again whole.
        let (key, _) = store.stroom_chunk(130, &[1]).expect("chunk");
        store.stromen.insert(key, &b"damaged"[..]).expect("damage");
        let faults: Vec<_> = store.stroom_records(0).filter_map(|r| r.err()).collect();
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].ids, 128..192);
        store
            .put_stroom_chunk(&[(130, vec![7]), (131, vec![8])], true)
            .expect("made again");
        assert!(store.stroom_records(0).all(|r| r.is_ok()));
        assert!(store
            .put_stroom_chunk(&[(1, vec![]), (70, vec![])], false)
            .is_err());
        // Replaced: the record made again is the one read.
        store.put_stroom(3, vec![9, 9]).expect("put");
        let three: Vec<Vec<u8>> = store
            .stroom_records(0)
            .filter_map(|r| r.ok().filter(|(id, _)| *id == 3).map(|(_, b)| b))
            .collect();
        assert_eq!(three, vec![vec![9, 9]]);
        assert_eq!(store.stroom_ends().expect("ends").0, 1 << 40);
        // The records hold no BSN in the clear: sealed.
        for chunk in store.stromen.iter() {
            let raw = chunk.expect("read").1;
            assert!(!raw.windows(16).any(|w| w.iter().all(|b| *b == 200)));
        }
    }
}
