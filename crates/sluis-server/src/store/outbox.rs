//! The outbox of push delivery (`docs/delivery.md`). Two trees:
//!
//! - `outbox`: what is still to be delivered, one ordered queue ("lane") per party and client:
//!   key `party \0 client \0 seq` (the client part pseudonymised like every BSN in a key; empty
//!   for a message about no single client), value the key of its status. The head of a lane is
//!   its first key, and the heads of a party are found by jumping from lane to lane, so the
//!   worker never reads more than one entry per lane. A delivered entry is removed.
//! - `bezorging`: the status of every delivery ([`DeliveryStatus`]), key `bericht id · kind`
//!   (and the party, for a terugvordering signal, which goes to two parties), kept after delivery
//!   (the message's API answer shows it). A signal's delivery carries its own sealed copy of the
//!   signal until it is delivered.
//!
//! The entries of a message are written in its own transaction ([`super::Store::insert`]); the
//! state changes of the worker are small single writes made durable by the next group commit
//! (a change lost in a crash only means an idempotent second offer).

use super::{be, json, Store, StoreError};
use crate::delivery::{DeliveryState, DeliveryStatus};
use sled::transaction::{ConflictableTransactionError, Transactional};
use sluis_core::doelbereik::Terugvordering;
use sluis_core::intake::DeliveryKind;

/// One delivery a message's transaction adds: to `party`, of `kind`, in the lane of `client`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxWrite {
    pub party: String,
    pub kind: &'static str,
    /// The client the message is about (a BSN, pseudonymised before it is stored), or a
    /// trajectory; empty for none.
    pub client: String,
    /// The signal of a `terugvordering` delivery (sealed before it is stored).
    pub signaal: Option<Terugvordering>,
}

/// The sealing context of the signal in a delivery's status.
const SIGNAAL: &str = "bezorging_signaal";

/// The key of a delivery's status: the message id and the kind's first letter; for a
/// terugvordering signal, which one message sends to two parties, also the party.
pub fn status_key(bericht_id: u64, kind: &str, party: &str) -> Vec<u8> {
    let mut k = be(bericht_id).to_vec();
    k.push(kind.as_bytes().first().copied().unwrap_or(b'?'));
    if kind == DeliveryKind::Terugvordering.as_str() {
        k.extend_from_slice(party.as_bytes());
    }
    k
}

/// The key of this delivery's status.
pub fn key_of(d: &DeliveryStatus) -> Vec<u8> {
    status_key(d.bericht_id, &d.kind, &d.party)
}

/// The prefix of all lanes of a party.
fn party_prefix(party: &str) -> Vec<u8> {
    [party.as_bytes(), b"\0"].concat()
}

/// The first key after every key of a lane (`prefix` ends in 0; lane parts hold no 0 byte).
fn after_lane(prefix: &[u8]) -> Vec<u8> {
    let mut k = prefix.to_vec();
    if let Some(last) = k.last_mut() {
        *last = 1;
    }
    k
}

/// The lane of an outbox key: everything but the sequence number.
pub fn lane_of(key: &[u8]) -> &[u8] {
    &key[..key.len().saturating_sub(8)]
}

fn decode(v: &[u8]) -> Result<DeliveryStatus, StoreError> {
    serde_json::from_slice(v).map_err(|e| StoreError::Corrupt(0, format!("bezorging: {e}")))
}

/// An outbox entry of a new message: its key, its status key, its status (JSON).
pub(super) type NewEntry = (Vec<u8>, Vec<u8>, Vec<u8>);

/// A lane's first entry: its key and status.
pub type Head = (Vec<u8>, DeliveryStatus);

impl Store {
    /// The stored lane prefix of a party and client.
    pub fn lane_prefix(&self, party: &str, client: &str) -> Vec<u8> {
        self.sealer
            .key(&sluis_core::validate::history::state::key(&[party, client]))
    }

    /// The outbox entries and statuses of a new message, for its transaction.
    pub(super) fn outbox_entries(
        &self,
        bericht_id: u64,
        writes: &[OutboxWrite],
        now_ms: i64,
    ) -> Result<Vec<NewEntry>, StoreError> {
        let mut out = Vec::with_capacity(writes.len());
        for w in writes {
            let seq = self.db.generate_id()? + 1;
            let mut key = self.lane_prefix(&w.party, &w.client);
            key.extend_from_slice(&be(seq));
            let skey = status_key(bericht_id, w.kind, &w.party);
            let signaal = match &w.signaal {
                Some(t) => Some(hex::encode(self.sealer.seal(SIGNAAL, &skey, json(t)?)?)),
                None => None,
            };
            let status = DeliveryStatus {
                bericht_id,
                party: w.party.clone(),
                kind: w.kind.to_string(),
                state: DeliveryState::Ontvangen,
                attempts: 0,
                last_error: None,
                created_ms: now_ms,
                next_ms: now_ms,
                window_ms: now_ms,
                delivered_ms: None,
                outbox_key: key.clone(),
                signaal,
            };
            out.push((key, skey, json(&status)?));
        }
        Ok(out)
    }

    /// The head of every lane of a party, in lane order.
    pub fn outbox_heads(&self, party: &str) -> Result<Vec<Head>, StoreError> {
        self.heads(party_prefix(party), Some(after_lane(&party_prefix(party))))
    }

    /// The heads of the lanes from `from` to `end` (none: to the last): one read per lane,
    /// jumping from a lane's first key to the next lane.
    fn heads(&self, mut from: Vec<u8>, end: Option<Vec<u8>>) -> Result<Vec<Head>, StoreError> {
        let mut out = Vec::new();
        loop {
            let next = match &end {
                Some(end) => self.outbox.range(from.clone()..end.clone()).next(),
                None => self.outbox.range(from.clone()..).next(),
            };
            let Some(item) = next else { break };
            let (k, v) = item?;
            from = after_lane(lane_of(&k));
            out.push(self.head(&k, &v)?);
        }
        Ok(out)
    }

    /// The head of one lane.
    pub fn lane_head(&self, lane: &[u8]) -> Result<Option<Head>, StoreError> {
        let Some(item) = self.outbox.range(lane.to_vec()..after_lane(lane)).next() else {
            return Ok(None);
        };
        let (k, v) = item?;
        self.head(&k, &v).map(Some)
    }

    /// An outbox entry (key, value: the status key) with its status.
    fn head(&self, key: &[u8], status_key: &[u8]) -> Result<Head, StoreError> {
        let status = self
            .deliveries
            .get(status_key)?
            .map(|s| decode(&s))
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt(0, "outbox entry without status".into()))?;
        Ok((key.to_vec(), status))
    }

    /// The deliveries of one message.
    pub fn deliveries_of(&self, bericht_id: u64) -> Result<Vec<DeliveryStatus>, StoreError> {
        self.deliveries
            .scan_prefix(be(bericht_id))
            .map(|item| decode(&item?.1))
            .collect()
    }

    /// The signal a `terugvordering` delivery carries, opened.
    pub fn delivery_signal(
        &self,
        status: &DeliveryStatus,
    ) -> Result<Option<Terugvordering>, StoreError> {
        let Some(sealed) = &status.signaal else {
            return Ok(None);
        };
        let corrupt = |e: String| StoreError::Corrupt(status.bericht_id, e);
        let bytes = hex::decode(sealed).map_err(|e| corrupt(e.to_string()))?;
        let plain = self
            .sealer
            .open(SIGNAAL, &key_of(status), &bytes)
            .map_err(corrupt)?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    /// Write a delivery's new state (still in the outbox).
    pub fn set_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError> {
        self.space.writable()?;
        self.deliveries.insert(key_of(status), json(status)?)?;
        Ok(())
    }

    /// A delivery the party accepted: out of the outbox, `bezorgd`, in one transaction.
    pub fn set_delivered(&self, status: &DeliveryStatus, at_ms: i64) -> Result<(), StoreError> {
        self.space.writable()?;
        let mut done = status.clone();
        let key = std::mem::take(&mut done.outbox_key);
        done.state = DeliveryState::Bezorgd;
        done.delivered_ms = Some(at_ms);
        done.last_error = None;
        // The inbox keeps the signal; the copy for push is no longer needed.
        done.signaal = None;
        let value = json(&done)?;
        let skey = key_of(status);
        (&self.outbox, &self.deliveries)
            .transaction(|(outbox, deliveries)| {
                outbox.remove(key.as_slice())?;
                deliveries.insert(skey.as_slice(), value.as_slice())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Durability("delivery transaction aborted".into())
                }
            })
    }

    /// A party's backlog: undelivered deliveries and the acceptance time of the oldest
    /// (the smallest sequence number is the first entry of some lane: heads only).
    pub fn backlog(&self, party: &str) -> Result<(u64, Option<i64>), StoreError> {
        let count = self.outbox.scan_prefix(party_prefix(party)).keys().count() as u64;
        let oldest = self
            .outbox_heads(party)?
            .iter()
            .map(|(_, s)| s.created_ms)
            .min();
        Ok((count, oldest))
    }

    /// The head of every lane of every party.
    pub fn all_heads(&self) -> Result<Vec<Head>, StoreError> {
        self.heads(Vec::new(), None)
    }

    /// The deliveries recorded as `aangeboden` (only a lane's head is ever offered).
    pub fn offered(&self) -> Result<Vec<DeliveryStatus>, StoreError> {
        Ok(self
            .all_heads()?
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| s.state == DeliveryState::Aangeboden)
            .collect())
    }

    /// After a stop of the worker: the party's offers it cut off wait again, the attempt not
    /// counted (the stop was ours, not the message's failure).
    pub fn give_back_offered(&self, party: &str, now_ms: i64) -> Result<usize, StoreError> {
        let mut n = 0;
        for (_, mut s) in self.outbox_heads(party)? {
            if s.state == DeliveryState::Aangeboden {
                s.state = DeliveryState::Ontvangen;
                s.attempts = s.attempts.saturating_sub(1);
                s.next_ms = now_ms;
                self.set_delivery(&s)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_bounded_by_their_prefix() {
        let lane = b"12345678\0abc\0".to_vec();
        let other = b"12345678\0abcd\0".to_vec();
        let mut k = lane.clone();
        k.extend_from_slice(&be(u64::MAX));
        assert!(k < after_lane(&lane));
        assert!(after_lane(&lane) < other);
        assert_eq!(lane_of(&k), lane.as_slice());
        assert!(status_key(7, "bericht", "0599") != status_key(7, "retour", "0599"));
        assert_eq!(
            status_key(7, "bericht", "0599"),
            status_key(7, "bericht", "1")
        );
        assert!(
            status_key(7, "terugvordering", "0599") != status_key(7, "terugvordering", "12345678"),
            "a signal goes to two parties"
        );
        assert!(status_key(7, "terugvordering", "0599").starts_with(&be(7)));
    }
}
