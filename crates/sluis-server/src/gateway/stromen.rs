//! Stuurinformatie: the compact record of every stored message (kept in memory, added under
//! the judging lock as a message is stored, rebuilt from the store at start-up), the flows over
//! them ([`Gateway::stromen`]) and the flow of one toewijzing ([`Gateway::stroom`]). The
//! figures themselves are `sluis_core::stuurinformatie`.

use super::Gateway;
use crate::store::{Store, StoreError, StoredBericht};
use sluis_core::doelbereik::{self, Kind};
use sluis_core::intake::{Message, Read};
use sluis_core::standard::types::Datum;
use sluis_core::stuurinformatie::{
    self, Berichtenboek, Bevinding, Oordeel, Referenties, Stromen, Stroom, Vraag,
};
use sluis_core::Limits;
use std::collections::HashSet;
use time::OffsetDateTime;

/// How many stored messages are read at a time while rebuilding.
const PAGE: usize = 2_000;

fn bevindingen(b: &StoredBericht) -> Vec<Bevinding<'_>> {
    b.findings
        .iter()
        .map(|f| Bevinding {
            code: &f.code,
            retourcode: f.retourcode.as_deref(),
            path: &f.path,
        })
        .collect()
}

fn oordeel<'a>(b: &StoredBericht, ontvangen: Datum, findings: &'a [Bevinding<'a>]) -> Oordeel<'a> {
    Oordeel {
        id: b.id,
        accepted: b.accepted,
        granted: b.granted,
        beantwoord: b.retour.is_some(),
        ontvangen,
        findings,
    }
}

fn received_day(b: &StoredBericht) -> Datum {
    OffsetDateTime::parse(
        &b.received_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(Datum::dutch_day)
    .unwrap_or_else(|_| Datum::today())
}

/// The record of a stored message, read again from what was kept (its canonical form, or the
/// body of a record from before that was kept). `None`: a message Sluis could not read again
/// (it is left out of the figures, and logged).
fn record_of_stored(
    b: &StoredBericht,
    limits: &Limits,
    refs: &mut Referenties,
) -> Option<stuurinformatie::Nieuw> {
    let text = if b.canonical.is_empty() {
        &b.body
    } else {
        &b.canonical
    };
    let findings = bevindingen(b);
    let o = oordeel(b, received_day(b), &findings);
    if let Some(kind) = Kind::ALL.into_iter().find(|k| k.as_str() == b.bericht) {
        let (bericht, _) =
            doelbereik::read_judged(kind, text.as_bytes(), b.format == "xml").ok()?;
        return Some(stuurinformatie::van_eigen(&bericht, &o));
    }
    let parsed = sluis_core::parse(text.as_bytes(), limits).ok()?;
    stuurinformatie::van_standaard(&parsed.structured.document, &o, refs)
}

/// How the book was made at start-up (logged).
#[derive(Debug, Default)]
pub(super) struct Opbouw {
    /// Records read from the store's tree.
    pub geladen: u64,
    /// Records read again from their messages and written to the tree (a store from before
    /// the tree, or a record that did not read).
    pub gemigreerd: u64,
}

/// The record of stored message `b` read again from its payload, interned in `boek`, and its
/// stored bytes (empty: left out).
fn rebuild(
    b: &StoredBericht,
    limits: &Limits,
    boek: &mut Berichtenboek,
) -> Result<(Option<stuurinformatie::Nieuw>, Vec<u8>), StoreError> {
    let record = record_of_stored(b, limits, &mut boek.refs);
    let bytes = match &record {
        Some(n) => stuurinformatie::encode(n, &boek.refs)
            .map_err(|e| StoreError::Corrupt(b.id, e.to_string()))?,
        None => Vec::new(),
    };
    Ok((record, bytes))
}

/// Records made again from their messages, written one chunk at a time (`fresh`: replacing a
/// chunk that did not read). On a full disk they stay in memory only (and are made again at
/// the next start) rather than keeping the gateway from starting.
struct Remade<'a> {
    store: &'a Store,
    chunk: Vec<(u64, Vec<u8>)>,
    fresh: bool,
}

impl Remade<'_> {
    fn add(&mut self, id: u64, bytes: Vec<u8>) -> Result<(), StoreError> {
        if self
            .chunk
            .first()
            .is_some_and(|(first, _)| first / 64 != id / 64)
        {
            self.flush()?;
        }
        self.chunk.push((id, bytes));
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let chunk = std::mem::take(&mut self.chunk);
        match self.store.put_stroom_chunk(&chunk, self.fresh) {
            Err(StoreError::Full) => {
                tracing::warn!(
                    records = chunk.len(),
                    "message records not written: the disk is full"
                );
                Ok(())
            }
            other => other,
        }
    }
}

/// The records of the stored messages with ids in `ids` (a chunk, or one message: read one
/// by one), or every message after `ids.start` when `ids.end` is `u64::MAX` (the migration:
/// read a page at a time), made again from their payloads into `boek` and `remade`.
fn remake(
    store: &Store,
    limits: &Limits,
    boek: &mut Berichtenboek,
    ids: std::ops::Range<u64>,
    remade: &mut Remade<'_>,
    left_out: &mut u64,
) -> Result<u64, StoreError> {
    let mut n = 0;
    let mut one = |b: &StoredBericht, boek: &mut Berichtenboek| -> Result<(), StoreError> {
        let (record, bytes) = rebuild(b, limits, boek)?;
        remade.add(b.id, bytes)?;
        n += 1;
        match record {
            Some(r) => boek.push(r),
            None => *left_out += 1,
        }
        Ok(())
    };
    if ids.end == u64::MAX {
        let mut after = ids.start;
        loop {
            let page = store.list(after, PAGE, |_| true)?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.id;
            for b in &page {
                one(b, boek)?;
            }
            if page.len() < PAGE {
                break;
            }
        }
    } else {
        for id in ids {
            if let Some(b) = store.get(id)? {
                one(&b, boek)?;
            }
        }
    }
    remade.flush()?;
    Ok(n)
}

/// The book of every stored message, oldest first: the records of the store's tree, and for
/// the messages after its last record (a store from before it) the record read again from
/// the message and written to the tree, once. Nothing else reads a message's payload (a
/// record or chunk that does not read is made again from its messages, while they still
/// have their payloads).
pub(super) fn build_boek(
    store: &Store,
    limits: &Limits,
) -> Result<(Berichtenboek, Opbouw), StoreError> {
    let mut boek = Berichtenboek::default();
    boek.reserve(usize::try_from(store.count()).unwrap_or(0));
    let mut opbouw = Opbouw::default();
    let mut left_out = 0u64;
    let (last_record, last_message) = store.stroom_ends()?;
    let mut fresh = Remade {
        store,
        chunk: Vec::new(),
        fresh: true,
    };
    let mut again = Remade {
        store,
        chunk: Vec::new(),
        fresh: false,
    };
    for item in store.stroom_records(0) {
        let (id, bytes) = match item {
            Ok(x) => x,
            Err(fault) if fault.ids.is_empty() => return Err(fault.error),
            Err(fault) => {
                tracing::warn!(error = %fault.error, "message records not readable: read again from their messages");
                // The messages after the last record are made below.
                let ids = fault.ids.start..fault.ids.end.min(last_record.saturating_add(1));
                opbouw.gemigreerd +=
                    remake(store, limits, &mut boek, ids, &mut fresh, &mut left_out)?;
                continue;
            }
        };
        if bytes.is_empty() {
            left_out += 1;
            continue;
        }
        match stuurinformatie::decode(id, &bytes, &mut boek.refs) {
            Ok(n) => {
                boek.push(n);
                opbouw.geladen += 1;
            }
            // A record this build does not read (damaged, or of a newer format): made again
            // from its message while that still has its payload.
            Err(error) => {
                tracing::warn!(id, %error, "message record not readable: read again from the message");
                opbouw.gemigreerd += remake(
                    store,
                    limits,
                    &mut boek,
                    id..id + 1,
                    &mut again,
                    &mut left_out,
                )?;
            }
        }
    }
    if last_message > last_record {
        opbouw.gemigreerd += remake(
            store,
            limits,
            &mut boek,
            last_record..u64::MAX,
            &mut again,
            &mut left_out,
        )?;
    }
    boek.shrink();
    if left_out > 0 {
        tracing::warn!(
            left_out,
            "stored messages left out of the flow figures: not readable again"
        );
    }
    Ok((boek, opbouw))
}

fn write_boek(gw: &Gateway) -> std::sync::RwLockWriteGuard<'_, Berichtenboek> {
    // Each change is one push: a panic elsewhere leaves the book consistent.
    gw.berichten.write().unwrap_or_else(|e| e.into_inner())
}

fn read_boek(gw: &Gateway) -> std::sync::RwLockReadGuard<'_, Berichtenboek> {
    gw.berichten.read().unwrap_or_else(|e| e.into_inner())
}

impl Gateway {
    /// The record of a message about to be stored (under the judging lock, before its
    /// transaction), and its bytes for the store (empty: left out of the figures). Its
    /// references are interned in the book already; it joins the book when it is stored.
    pub(super) fn record_stroom(
        &self,
        read: &Read,
        stored: &StoredBericht,
        now: OffsetDateTime,
    ) -> Result<(Option<stuurinformatie::Nieuw>, Vec<u8>), StoreError> {
        let findings = bevindingen(stored);
        let o = oordeel(stored, Datum::dutch_day(now), &findings);
        let mut boek = write_boek(self);
        let record = match &read.message {
            Message::Standard(verdict) => {
                stuurinformatie::van_standaard(&verdict.document, &o, &mut boek.refs)
            }
            Message::Doelbereik { bericht, .. } => Some(stuurinformatie::van_eigen(bericht, &o)),
        };
        let bytes = match &record {
            Some(n) => stuurinformatie::encode(n, &boek.refs)
                .map_err(|e| StoreError::Corrupt(stored.id, e.to_string()))?,
            None => {
                tracing::warn!(id = stored.id, "message left out of the flow figures");
                Vec::new()
            }
        };
        Ok((record, bytes))
    }

    /// A stored message's record joins the book.
    pub(super) fn add_stroom(&self, record: Option<stuurinformatie::Nieuw>) {
        if let Some(n) = record {
            write_boek(self).push(n);
        }
    }

    /// The flows the question asks for; `team` selects the clients of that team (their BSNs
    /// as the trajectory index knows them).
    pub fn stromen(&self, vraag: &Vraag, team: Option<&str>) -> Stromen {
        let mut vraag = vraag.clone();
        if let Some(team) = team {
            vraag.team = Some(self.team_clients(team));
        }
        let stromen = stuurinformatie::stromen(&read_boek(self), &vraag, self.clock.today());
        // Its maps over every record (tens of MB at a million messages) were served from the
        // heap's free room and stay resident after they are freed: give them back, beside the
        // answer (docs/performance.md).
        std::thread::spawn(crate::memory::trim);
        stromen
    }

    /// The flow of toewijzing `nummer` in this gemeente, per domein, aanbieder and client.
    pub fn stroom(&self, nummer: u32) -> Vec<Stroom> {
        let gemeente = self.settings.gemeente.code.parse().unwrap_or(0);
        stuurinformatie::stroom(&read_boek(self), gemeente, nummer)
    }

    /// How many message records are kept, and their bytes (with the interned texts).
    pub fn stromen_size(&self) -> (usize, usize) {
        let boek = read_boek(self);
        (boek.len(), boek.bytes())
    }

    fn team_clients(&self, team: &str) -> HashSet<u32, stuurinformatie::Fx> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index
            .all()
            .iter()
            .filter(|t| t.team.as_deref() == Some(team))
            .filter_map(|t| t.bsn.as_str().parse().ok())
            .collect()
    }
}
