//! What the API reads and re-delivers through the gateway: messages, lists, inboxes,
//! toewijzingen, readiness and metrics. The HTTP layer calls these and never the store; every
//! read error is returned (the API answers 503), never taken for "absent".

pub use crate::store::{StoreError, StoredBericht, StoredFinding, StoredRetour};

use super::Gateway;
use serde::Serialize;
use sluis_core::codes::Berichtsoort;
use sluis_core::doelbereik::{self, Kind};
use sluis_core::intake;
use sluis_core::standard::types::{Bsn, Datum, Gemeentecode};
use sluis_core::status::ToewijzingStatus;
use sluis_core::validate::history::History;
use sluis_core::{Format, ReadError};

/// A history read that failed while answering: an error, not an absent record.
fn fault(h: &impl History) -> Result<(), StoreError> {
    h.fault().map_or(Ok(()), |f| Err(f.into()))
}

/// One page of a list: the items and, when there are more, what to pass as `after` next.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// The selection of `GET /berichten` (the caller's visibility comes on top).
#[derive(Debug, Default, Clone)]
pub struct BerichtFilter {
    /// Message code (`JW301` …), any case.
    pub bericht: Option<String>,
    pub afzender: Option<String>,
    pub ontvanger: Option<String>,
    /// Received on or after this day.
    pub van: Option<Datum>,
    /// Received on or before this day.
    pub tot: Option<Datum>,
}

impl BerichtFilter {
    pub fn admits(&self, b: &StoredBericht) -> bool {
        let day = b.received_at.get(..10).and_then(Datum::parse);
        self.bericht
            .as_ref()
            .is_none_or(|t| b.bericht.eq_ignore_ascii_case(t))
            && self.afzender.as_ref().is_none_or(|a| &b.afzender == a)
            && self.ontvanger.as_ref().is_none_or(|o| &b.ontvanger == o)
            // A record without a readable day is outside every date range.
            && self.van.is_none_or(|v| day.is_some_and(|d| d >= v))
            && self.tot.is_none_or(|t| day.is_some_and(|d| d <= t))
    }
}

/// One entry of a party's inbox with the message it points at.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(
    description = "Eén item van de inbox van een partij: `cursor` (bevestig ermee), `kind` (`bericht` of `retour`) en het bericht, als `xml` (het ontvangen bericht of het retourbericht) of `json` (een doelbereikbericht dat als JSON binnenkwam)."
)]
pub struct InboxItem {
    pub cursor: u64,
    pub kind: String,
    pub bericht_id: u64,
    pub bericht: String,
    /// The message for the party: the received message, or the retourbericht (XML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xml: Option<String>,
    /// A doelbereik message received as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
}

/// A message put in an inbox again by a replay.
#[derive(Debug, Serialize)]
pub struct Requeued {
    pub party: String,
    pub kind: &'static str,
    pub cursor: u64,
}

/// A message's gemeente: its party with a gemeentecode (four digits); the other is an
/// aanbieder (AGB-code, eight digits).
pub fn gemeente_of(b: &StoredBericht) -> Option<&str> {
    [b.afzender.as_str(), b.ontvanger.as_str()]
        .into_iter()
        .find(|p| Gemeentecode::parse(p).is_some())
}

/// A stored retourbericht in the form asked for (it is kept as XML).
pub fn retour_in(retour: &StoredRetour, format: Format) -> Result<String, ReadError> {
    match format {
        Format::Xml => Ok(retour.xml.clone()),
        Format::Json => {
            let parsed = sluis_core::parse(retour.xml.as_bytes(), &sluis_core::Limits::default())?;
            Ok(sluis_core::codec::json::to_string_pretty(
                &parsed.structured.document,
            ))
        }
    }
}

/// A terugvordering signal as the inbox gives it: the signal, with the reason the gebiedsteam
/// gave in the beoordeling that caused it (kept sealed with that message, not in the entry).
fn signaal_json(
    entry: &crate::store::InboxEntry,
    b: &StoredBericht,
) -> Result<serde_json::Value, StoreError> {
    let signaal = entry.signaal.as_ref().ok_or_else(|| {
        StoreError::Corrupt(b.id, "terugvordering entry without its signal".into())
    })?;
    signaal_value(signaal, b)
}

/// A signal with the reason from the beoordeling `b` that caused it: the inbox's `json` and
/// the body push delivers (`docs/delivery.md`).
pub(super) fn signaal_value(
    signaal: &doelbereik::Terugvordering,
    b: &StoredBericht,
) -> Result<serde_json::Value, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(b.id, e);
    let mut v = serde_json::to_value(signaal).map_err(|e| corrupt(e.to_string()))?;
    let toelichting =
        doelbereik::read_judged(Kind::Beoordeling, b.body.as_bytes(), b.format == "xml")
            .ok()
            .and_then(|(bericht, _)| match bericht {
                doelbereik::Bericht::Beoordeling(o) => o.reden,
                _ => None,
            });
    if let (Some(t), Some(map)) = (toelichting, v.as_object_mut()) {
        map.insert("toelichting".into(), serde_json::Value::String(t));
    }
    Ok(v)
}

/// Sluis's own messages (behandelplan …), which stay in the form they came in.
fn is_doelbereik(bericht: &str) -> bool {
    sluis_core::doelbereik::Kind::ALL
        .iter()
        .any(|k| k.as_str() == bericht)
}

impl Gateway {
    /// Whether the store answers a cheap read (`/readyz`).
    /// The metrics in Prometheus' text form, with the store's size and message count.
    pub fn metrics_text(&self) -> String {
        self.metrics
            .render(self.store.size_on_disk(), self.store.held())
    }

    /// Wait until everything written so far (also tokens and audit, which share the store)
    /// is on disk.
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.store.durable().await
    }

    /// One stored message.
    pub fn bericht(&self, id: u64) -> Result<Option<StoredBericht>, StoreError> {
        self.store.get(id)
    }

    /// Messages with an id above `after`, oldest first, that pass the filter and `visible`;
    /// at most `limit`.
    pub fn berichten(
        &self,
        filter: &BerichtFilter,
        after: u64,
        limit: usize,
        visible: impl Fn(&StoredBericht) -> bool,
    ) -> Result<Page<StoredBericht>, StoreError> {
        let limit = limit.max(1);
        // One more than asked tells whether there is a next page.
        let mut found = self
            .store
            .list(after, limit + 1, |b| filter.admits(b) && visible(b))?;
        let next = (found.len() > limit).then(|| found[limit - 1].id);
        found.truncate(limit);
        Ok(Page { items: found, next })
    }

    /// A party's inbox after `after` (default: after its last acknowledgement), at most
    /// `limit` entries, each with the message it points at.
    pub fn inbox(
        &self,
        party: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Page<InboxItem>, StoreError> {
        let limit = limit.max(1);
        let entries = self.store.inbox(party, after, limit + 1)?;
        let mut items = Vec::with_capacity(entries.len().min(limit));
        let removed_up_to = self.store.removed().1;
        for entry in entries.iter().take(limit) {
            let Some(b) = self.store.get(entry.bericht_id)? else {
                // An acknowledged entry whose message the retention policy removed (its entry
                // goes when the policy's walk reaches it): nothing to give.
                if entry.bericht_id <= removed_up_to {
                    continue;
                }
                return Err(StoreError::Corrupt(
                    entry.bericht_id,
                    "inbox entry without record".into(),
                ));
            };
            // Receivers get Sluis's own serialisation, never the bytes as received.
            let (bericht, xml, json) = match (entry.kind.as_str(), &b.retour) {
                ("retour", Some(r)) => (r.bericht.clone(), Some(r.xml.clone()), None),
                ("terugvordering", _) => (
                    "terugvordering".to_string(),
                    None,
                    Some(signaal_json(entry, &b)?),
                ),
                _ => match self.delivered(&b) {
                    None => (b.bericht.clone(), None, None),
                    Some(text) if b.format == "json" && is_doelbereik(&b.bericht) => {
                        let v = serde_json::from_str(&text)
                            .map_err(|e| StoreError::Corrupt(b.id, e.to_string()))?;
                        (b.bericht.clone(), None, Some(v))
                    }
                    Some(text) => (b.bericht.clone(), Some(text), None),
                },
            };
            items.push(InboxItem {
                cursor: entry.cursor,
                kind: entry.kind.as_str().to_string(),
                bericht_id: entry.bericht_id,
                bericht,
                xml,
                json,
            });
        }
        let next = (entries.len() > limit)
            .then(|| items.last().map(|i| i.cursor))
            .flatten();
        Ok(Page { items, next })
    }

    /// What a receiver gets of a stored message: Sluis's own serialisation of what it judged.
    /// Records from before that was kept are written anew from their body; one that no longer
    /// reads (say JSON with a duplicate member, accepted before those were refused) is
    /// delivered without content rather than as received, and logged.
    pub(super) fn delivered(&self, b: &StoredBericht) -> Option<String> {
        if b.payload_verwijderd.is_some() {
            return None;
        }
        if !b.canonical.is_empty() {
            return Some(b.canonical.clone());
        }
        let format = if b.format == "json" {
            Format::Json
        } else {
            Format::Xml
        };
        let bytes = b.body.as_bytes();
        let text = match Kind::ALL.iter().find(|k| k.as_str() == b.bericht) {
            Some(&kind) => doelbereik::read_judged(kind, bytes, format == Format::Xml)
                .ok()
                .map(|(bericht, _)| intake::canonical_doelbereik(&bericht, format)),
            None => sluis_core::parse(bytes, &self.limits)
                .ok()
                .map(|p| intake::canonical_standard(&p.structured.document, p.format)),
        };
        if text.is_none() {
            tracing::error!(
                id = b.id,
                "stored message no longer reads: delivered without content"
            );
        }
        text
    }

    /// Acknowledge a party's inbox up to `cursor` (never moves back), durably; the cursor
    /// acknowledged now.
    pub async fn ack(&self, party: &str, cursor: u64) -> Result<u64, StoreError> {
        let acked = {
            let _writing = self.writing();
            self.store.ack(party, cursor)?
        };
        self.store.durable().await?;
        Ok(acked)
    }

    /// The toewijzing with this number in this gateway's gemeente, in either standard.
    pub fn toewijzing(&self, nummer: &str) -> Result<Vec<ToewijzingStatus>, StoreError> {
        let h = self.store.history();
        let found = sluis_core::status::toewijzing(&h, &self.settings.gemeente.code, nummer);
        // A read that failed on the way would make a toewijzing look absent or partial.
        fault(&h)?;
        Ok(found)
    }

    /// Every toewijzing of a client in this gemeente, with any configured aanbieder.
    pub fn client_toewijzingen(&self, bsn: &Bsn) -> Result<Vec<ToewijzingStatus>, StoreError> {
        let aanbieders: Vec<String> = self
            .settings
            .aanbieders
            .iter()
            .map(|a| a.agb.clone())
            .collect();
        let h = self.store.history();
        let found =
            sluis_core::status::van_client(&h, &self.settings.gemeente.code, &aanbieders, bsn);
        fault(&h)?;
        Ok(found)
    }

    /// Deliver a stored message again (an operator's replay, for a party whose system lost
    /// what it had acknowledged), routed by the same rule as when it was judged: new inbox
    /// entries at the end, nothing else changes.
    pub async fn replay(&self, id: u64) -> Result<Replay, StoreError> {
        let (inbox, cursors) = {
            // Read under the writers' lock, which a retention batch holds while it strips
            // payloads: what is put in an inbox again still has its content when it is read.
            let _writing = self.writing();
            let b = match self.store.get(id)? {
                None => return Ok(Replay::Missing),
                Some(b) if b.payload_verwijderd.is_some() => return Ok(Replay::PayloadRemoved),
                Some(b) => b,
            };
            let routing = intake::Routing {
                soort: Berichtsoort::parse(&b.bericht),
                afzender: &b.afzender,
                ontvanger: &b.ontvanger,
                accepted: b.accepted,
                technisch: b.technisch(),
                has_retour: b.retour.is_some(),
                granted: b.granted,
                conflict: b.conflicts_with.is_some(),
            };
            let inbox: Vec<(String, intake::DeliveryKind)> = intake::deliveries(&routing)
                .into_iter()
                .map(|d| (d.party, d.kind))
                .collect();
            let cursors = self.store.requeue(id, &inbox)?;
            (inbox, cursors)
        };
        self.store.durable().await?;
        Ok(Replay::Done(
            inbox
                .into_iter()
                .zip(cursors)
                .map(|((party, kind), cursor)| Requeued {
                    party,
                    kind: kind.as_str(),
                    cursor,
                })
                .collect(),
        ))
    }
}

/// What an operator's replay did.
#[derive(Debug)]
pub enum Replay {
    /// No message with that id.
    Missing,
    /// The retention policy removed its content: nothing to deliver again.
    PayloadRemoved,
    /// Put in these inboxes again.
    Done(Vec<Requeued>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bericht(afzender: &str, ontvanger: &str, received_at: &str) -> StoredBericht {
        StoredBericht {
            id: 1,
            received_at: received_at.into(),
            format: "xml".into(),
            bericht: "JW301".into(),
            afzender: afzender.into(),
            ontvanger: ontvanger.into(),
            identificatie: "1".into(),
            dagtekening: "2026-01-01".into(),
            content_hash: String::new(),
            body: String::new(),
            canonical: String::new(),
            accepted: true,
            findings: Vec::new(),
            retour: None,
            conflicts_with: None,
            granted: false,
            payload_verwijderd: None,
        }
    }

    #[test]
    fn the_gemeente_of_a_message_is_its_party_with_a_gemeentecode() {
        assert_eq!(gemeente_of(&bericht("0599", "12345678", "")), Some("0599"));
        assert_eq!(gemeente_of(&bericht("12345678", "0599", "")), Some("0599"));
        assert_eq!(gemeente_of(&bericht("12345678", "abcd", "")), None);
    }

    #[test]
    fn the_filter_compares_days() {
        let b = bericht("0599", "12345678", "2026-03-04T10:00:00Z");
        let day = |s| Datum::parse(s);
        let f = |van, tot| BerichtFilter {
            van,
            tot,
            ..BerichtFilter::default()
        };
        assert!(f(day("2026-03-04"), day("2026-03-04")).admits(&b));
        assert!(!f(day("2026-03-05"), None).admits(&b));
        assert!(!f(None, day("2026-03-03")).admits(&b));
        let jw = BerichtFilter {
            bericht: Some("jw301".into()),
            ..BerichtFilter::default()
        };
        assert!(jw.admits(&b));
    }
}
