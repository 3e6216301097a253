//! The flows' message records on disk: tree `stromen`, key the message id (big-endian), value
//! the record's bytes (`sluis_core::stuurinformatie::encode`, sealed like every record: it
//! holds BSNs and toewijzingnummers). A new message's record is written in the message's own
//! transaction ([`super::Writes::stroom`]), so the tree holds a record for every message stored
//! since; an empty record marks a message that is left out of the figures (not readable).
//!
//! Every message this build stores has its record, and the migration writes them in the
//! order of the ids, so the messages without one are always those after the last record: a store from before the tree (all of them), one whose migration was
//! interrupted, or one an older build wrote to. At start-up (`gateway/stromen.rs`) those are
//! read again from their messages and their records written here, once; from then on start-up
//! reads only this tree, never a message's payload.

use super::{be, Store, StoreError};

/// The tree's name (also the sealing context of its values).
pub(super) const TREE: &str = "stromen";

fn id_of(key: &[u8]) -> u64 {
    key.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

impl Store {
    /// A record's bytes as stored (sealed).
    pub(super) fn seal_stroom(&self, id: u64, bytes: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        self.sealer.seal(TREE, &be(id), bytes)
    }

    /// Every stored record with an id above `after`, oldest first, opened: `(id, bytes)`.
    pub fn stroom_records(
        &self,
        after: u64,
    ) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_ {
        self.stromen
            .range(be(after.saturating_add(1))..)
            .map(move |item| {
                let (k, v) = item?;
                let id = id_of(&k);
                let opened = self
                    .sealer
                    .open(TREE, &k, &v)
                    .map_err(|e| StoreError::Corrupt(id, e))?;
                Ok((id, opened))
            })
    }

    /// Write (or replace) the record of a stored message outside its transaction: the
    /// migration, or a record that could not be read and was made again.
    pub fn put_stroom(&self, id: u64, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.space.writable()?;
        let v = self.seal_stroom(id, bytes)?;
        self.stromen.insert(be(id), v)?;
        Ok(())
    }

    /// The id of the last record, and of the last message (0: none).
    pub fn stroom_ends(&self) -> Result<(u64, u64), StoreError> {
        let last = |t: &sled::Tree| -> Result<u64, StoreError> {
            Ok(t.last()?.map_or(0, |(k, _)| id_of(&k)))
        };
        Ok((last(&self.stromen)?, last(&self.berichten)?))
    }

    /// Remove every record (tests: a store as from before the tree).
    #[doc(hidden)]
    pub fn clear_stroom(&self) -> Result<(), StoreError> {
        self.stromen.clear()?;
        Ok(())
    }
}
