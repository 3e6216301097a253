//! The retention policy (`docs/retention.md`): `[bewaren]` in the configuration, one run of
//! it ([`Gateway::bewaren`]: records past their term, then payloads, then the audit), and the
//! background task that runs it every `interval_minuten`. The store does the removing
//! (`store::retention`); this module decides what and when, holds the writers' locks per batch
//! only, writes one audit entry per run and keeps the metrics.

use super::Gateway;
use crate::security::audit::{Action, AuditLog, Event, Object, Outcome};
use crate::store::retention::{Batch, Dossiers, Needed, Pass};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use sluis_core::dossier::Open;
use sluis_core::standard::types::{Bsn, Datum};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// NEN 7513: the log of who saw which care data is kept at least five years.
pub const AUDIT_MIN_JAREN: u32 = 5;

/// `[bewaren]`: how long what is kept. Off unless the gemeente switches it on: removing is
/// for good, and the terms are its decision (`docs/retention.md`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BewaarSettings {
    #[serde(default)]
    pub aan: bool,
    /// Body, canonical form and retourbericht XML of a message: removed this many months after
    /// it was received, once every delivery of it is done.
    #[serde(default = "default_payload")]
    pub payload_maanden: u32,
    /// The rest of a message's records (metadata, identificatie, inbox entries, delivery
    /// statuses): removed this many years after it was received.
    #[serde(default = "default_gegevens")]
    pub gegevens_jaren: u32,
    /// A client's dossier (the rules' history, plans, client facts) and the flow records:
    /// removed this many years after the client's last trajectory ended and nothing of it
    /// is open (`sluis_core::dossier`); the flow records by when they were received.
    #[serde(default = "default_dossier")]
    pub dossier_jaren: u32,
    /// Audit entries: pruned this many years after they were written.
    #[serde(default = "default_audit")]
    pub audit_jaren: u32,
    /// How often the background task runs.
    #[serde(default = "default_interval")]
    pub interval_minuten: u64,
    /// Records per batch: the writers wait at most one batch.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

fn default_payload() -> u32 {
    24
}
fn default_gegevens() -> u32 {
    7
}
fn default_dossier() -> u32 {
    7
}
fn default_audit() -> u32 {
    7
}
fn default_interval() -> u64 {
    60
}
fn default_batch() -> usize {
    500
}

impl Default for BewaarSettings {
    fn default() -> Self {
        BewaarSettings {
            aan: false,
            payload_maanden: default_payload(),
            gegevens_jaren: default_gegevens(),
            dossier_jaren: default_dossier(),
            audit_jaren: default_audit(),
            interval_minuten: default_interval(),
            batch: default_batch(),
        }
    }
}

impl BewaarSettings {
    /// The terms make sense together (checked also while off: a wrong one is found early).
    pub fn check(&self) -> Result<(), String> {
        if self.payload_maanden == 0 || self.gegevens_jaren == 0 {
            return Err("bewaren: payload_maanden en gegevens_jaren zijn minstens 1".into());
        }
        if self.payload_maanden > self.gegevens_jaren.saturating_mul(12) {
            return Err(format!(
                "bewaren: payload_maanden ({}) is langer dan gegevens_jaren ({} jaar): de inhoud van een bericht kan niet langer blijven dan het bericht zelf",
                self.payload_maanden, self.gegevens_jaren
            ));
        }
        if self.dossier_jaren < self.gegevens_jaren {
            return Err(format!(
                "bewaren: dossier_jaren ({}) is korter dan gegevens_jaren ({}): het dossier van een cliënt kan niet eerder weg dan de berichten waar het uit bestaat",
                self.dossier_jaren, self.gegevens_jaren
            ));
        }
        if self.audit_jaren < AUDIT_MIN_JAREN {
            return Err(format!(
                "bewaren: audit_jaren ({}) is korter dan de {AUDIT_MIN_JAREN} jaar die NEN 7513 voor de logging vraagt",
                self.audit_jaren
            ));
        }
        if self.interval_minuten == 0 {
            return Err("bewaren: interval_minuten is minstens 1".into());
        }
        if !(1..=10_000).contains(&self.batch) {
            return Err(format!(
                "bewaren: batch ({}) ligt tussen 1 en 10000",
                self.batch
            ));
        }
        Ok(())
    }
}

/// `months` calendar months before `t` (the day clamped to the month's length).
pub fn months_before(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 - i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MIN);
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(time::Month::January);
    let day = t.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| t.replace_date(d))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// What a run did (or, dry, would do). The CLI prints it; the audit entry says it in counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Verslag {
    /// A dry run: nothing was removed.
    pub droog: bool,
    /// The cut-off moments: what was received (or written) before them is due.
    pub payload_grens: String,
    pub gegevens_grens: String,
    #[serde(default)]
    pub dossier_grens: String,
    pub audit_grens: String,
    /// Messages whose payload was removed, and the bytes that took (sealed, as stored).
    pub payloads: u64,
    pub payload_bytes: u64,
    /// Messages removed altogether, with their inbox entries and delivery statuses.
    pub berichten: u64,
    pub rijen: u64,
    pub bericht_bytes: u64,
    /// Clients whose dossier was removed, with the keys (records, index entries, client facts)
    /// that took; the declaraties that went after them; the chunks of flow records removed and
    /// the records the flow figures no longer hold.
    #[serde(default)]
    pub dossiers: u64,
    #[serde(default)]
    pub dossier_sleutels: u64,
    #[serde(default)]
    pub declaraties: u64,
    #[serde(default)]
    pub stroom_blokken: u64,
    #[serde(default)]
    pub stroom_berichten: u64,
    /// Clients looked at whose dossier stays: a trajectory or verzoek still open (no end, a
    /// start without stop, an unanswered verzoek), a record after the cut-off, or shared with
    /// another client's records.
    #[serde(default)]
    pub dossier_open: u64,
    #[serde(default)]
    pub dossier_recent: u64,
    #[serde(default)]
    pub dossier_gedeeld: u64,
    /// Audit entries pruned; the anchor's seq after the run.
    pub audit: u64,
    pub audit_anker: Option<u64>,
    /// Messages past their payload term kept because they are still needed.
    pub bewaard_onbevestigd: u64,
    pub bewaard_onbezorgd: u64,
    pub bewaard_mislukt: u64,
    /// Why the payload and records steps did not run, if they did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overgeslagen: Option<String>,
    /// The store's size on disk after the run (sled gives space back lazily).
    pub bytes_op_schijf: u64,
    pub ms: u64,
}

impl Verslag {
    fn kept(&mut self, b: &Batch) {
        for (why, n) in &b.kept {
            match why {
                Needed::Unacknowledged => self.bewaard_onbevestigd += n,
                Needed::Undelivered => self.bewaard_onbezorgd += n,
                Needed::DeadLetter => self.bewaard_mislukt += n,
            }
        }
    }

    /// The audit entry's words: counts only, never an id of a client.
    fn detail(&self) -> String {
        let mut s = format!(
            "{}payloads {}, berichten {} ({} rijen), dossiers {} ({} sleutels, {} declaraties, {} stroomblokken), audit {}, bewaard: onbevestigd {}, onbezorgd {}, mislukt {}",
            if self.droog { "proef: " } else { "" },
            self.payloads,
            self.berichten,
            self.rijen,
            self.dossiers,
            self.dossier_sleutels,
            self.declaraties,
            self.stroom_blokken,
            self.audit,
            self.bewaard_onbevestigd,
            self.bewaard_onbezorgd,
            self.bewaard_mislukt
        );
        if let Some(a) = self.audit_anker {
            s.push_str(&format!(", audit-anker {a}"));
        }
        if let Some(o) = &self.overgeslagen {
            s.push_str(&format!(", overgeslagen: {o}"));
        }
        s
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BewaarError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] crate::security::audit::AuditError),
    /// Only a dry run while the policy is off: removing is the gemeente's decision.
    #[error("het bewaarbeleid staat uit ([bewaren] aan = false): er is niets verwijderd; zet het aan in de configuratie, of kijk met --droog wat het zou doen")]
    Uit,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Gateway {
    /// The dossier step (`docs/retention.md`, "The dossier"): the clients whose dossier is
    /// over on `grens` lose it whole, in batches under the writers' locks (one transaction per
    /// client), the index of trajectories in step; then the declaraties left without
    /// prestaties, and the chunks of flow records received before `grens` (the book in step).
    fn dossiers(
        &self,
        grens: Datum,
        apply: bool,
        stop: &AtomicBool,
        v: &mut Verslag,
    ) -> Result<(), StoreError> {
        // A client the index knows a recent trajectory of is certainly not over: not read.
        // One entry per such client (tens of bytes), built without a list of the trajectories.
        let mut recent: std::collections::HashMap<String, std::collections::HashSet<Bsn>> =
            std::collections::HashMap::new();
        {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            index.for_each(|t| {
                if t.toegewezen.is_some_and(|d| d >= grens)
                    || t.ingangsdatum >= grens
                    || t.stop.as_ref().is_some_and(|s| s.einddatum >= grens)
                {
                    match recent.get_mut(t.gemeente.as_str()) {
                        Some(set) => {
                            set.insert(t.bsn);
                        }
                        None => {
                            recent.insert(t.gemeente.to_string(), [t.bsn].into());
                        }
                    }
                }
            });
        }
        let candidates = self
            .store
            .dossier_candidates(|g, b| recent.get(g).is_some_and(|set| set.contains(b)))?;
        let mut done = Dossiers::default();
        for batch in candidates.chunks(self.settings.bewaren.batch) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let before = done.trajecten.len();
            self.locked(|| {
                self.store.remove_dossiers(batch, grens, apply, &mut done)?;
                if apply {
                    // The index in step, under the same lock as the removal.
                    for (domein, gemeente, nummer) in &done.trajecten[before..] {
                        self.refresh(*domein, gemeente, std::slice::from_ref(nummer))?;
                    }
                }
                Ok(())
            })?;
        }
        v.dossiers = done.clients;
        v.dossier_sleutels = done.keys;
        for (why, n) in &done.kept {
            match why {
                Open::Recent => v.dossier_recent += n,
                Open::Gedeeld => v.dossier_gedeeld += n,
                Open::Leeg => {}
                _ => v.dossier_open += n,
            }
        }
        if apply && done.clients > 0 && !stop.load(Ordering::Relaxed) {
            v.declaraties = self.locked(|| self.store.remove_declaraties(grens, apply))?;
        }
        if !stop.load(Ordering::Relaxed) {
            (v.stroom_blokken, v.stroom_berichten) = self.locked(|| {
                let (chunks, first_kept) = self.store.remove_stroom_chunks(grens, apply)?;
                let mut dropped = 0;
                if apply && chunks > 0 {
                    // The book in step, under the lock new records join it under.
                    let mut boek = self.berichten.write().unwrap_or_else(|e| e.into_inner());
                    dropped = boek.drop_before(first_kept) as u64;
                }
                Ok((chunks, dropped))
            })?;
        }
        Ok(())
    }

    /// Whether the flow figures live apart from the payloads (tree `stromen`, `store/stroom.rs`),
    /// so that removing a payload (or a record) leaves them as they are after a restart: every
    /// message up to the last has its flow record (start-up migrates a store from before the
    /// tree; until that is done the payload and records steps wait, and the run says so).
    fn figures_kept_apart(&self) -> Result<bool, StoreError> {
        let (last_record, last_message) = self.store.stroom_ends()?;
        Ok(last_record >= last_message)
    }

    /// One run of the retention policy: records past `gegevens_jaren`, then payloads past
    /// `payload_maanden`, then audit entries past `audit_jaren`, each in batches of `batch`;
    /// judging and the other writers wait for one batch at a time, never for the run. Nothing
    /// is written when `droog`. One audit entry says what was done (`actor`: who asked).
    /// Blocking: call it off the async workers.
    pub fn bewaren(
        &self,
        audit: &AuditLog,
        actor: &str,
        droog: bool,
        stop: &AtomicBool,
    ) -> Result<Verslag, BewaarError> {
        if !droog && !self.settings.bewaren.aan {
            return Err(BewaarError::Uit);
        }
        let _one = self.bewaren.lock().unwrap_or_else(|p| p.into_inner());
        let started = Instant::now();
        let s = &self.settings.bewaren;
        let now = self.clock.now();
        let payload_grens = months_before(now, s.payload_maanden);
        let gegevens_grens = months_before(now, s.gegevens_jaren.saturating_mul(12));
        let dossier_grens = months_before(now, s.dossier_jaren.saturating_mul(12));
        let audit_grens = months_before(now, s.audit_jaren.saturating_mul(12));
        let mut v = Verslag {
            droog,
            payload_grens: rfc3339(payload_grens),
            gegevens_grens: rfc3339(gegevens_grens),
            dossier_grens: rfc3339(dossier_grens),
            audit_grens: rfc3339(audit_grens),
            ..Verslag::default()
        };
        let apply = !droog;
        if self.figures_kept_apart()? {
            let mut from = None;
            while !stop.load(Ordering::Relaxed) {
                let b = self.locked(|| {
                    let pending = self.store.pending()?;
                    let pass = Pass {
                        before: gegevens_grens,
                        max: s.batch,
                        apply,
                        at: "",
                    };
                    self.store.remove_records(pass, &pending, &mut from)
                })?;
                v.berichten += b.done.len() as u64;
                v.rijen += b.rows;
                v.bericht_bytes += b.bytes;
                if b.finished {
                    break;
                }
            }
            let (mut from, mut first) = (None, true);
            let at = rfc3339(now);
            while !stop.load(Ordering::Relaxed) {
                let b = self.locked(|| {
                    let pending = self.store.pending()?;
                    let pass = Pass {
                        before: payload_grens,
                        max: s.batch,
                        apply,
                        at: &at,
                    };
                    self.store.strip_payloads(pass, &pending, first, &mut from)
                })?;
                first = false;
                v.payloads += b.done.len() as u64;
                v.payload_bytes += b.bytes;
                v.kept(&b);
                if b.finished {
                    break;
                }
            }
        } else {
            v.overgeslagen = Some(
                "de stuurinformatie is nog niet apart bewaard (de migratie bij de start is niet af); payloads, berichten en dossiers blijven tot dan".into(),
            );
        }
        if v.overgeslagen.is_none() {
            self.dossiers(Datum::dutch_day(dossier_grens), apply, stop, &mut v)?;
        }
        // Audit entries are small: four times a batch at once; a dry run counts them all.
        let max = if droog { usize::MAX } else { s.batch * 4 };
        while !stop.load(Ordering::Relaxed) {
            let (n, anchor) = audit.prune_before(audit_grens, max, apply)?;
            v.audit += n;
            if n == 0 || droog {
                break;
            }
            v.audit_anker = anchor.map(|a| a.seq);
        }
        if v.audit_anker.is_none() {
            v.audit_anker = audit.anchor()?.map(|a| a.seq);
        }
        audit.append(Event {
            actor: actor.to_string(),
            role: None,
            on_behalf_of: None,
            action: if droog { Action::Read } else { Action::Delete },
            object: Object::new("bewaren", None),
            client: None,
            outcome: Outcome::Success,
            source: Some("local".into()),
            detail: Some(v.detail()),
        })?;
        self.store.durable_blocking()?;
        v.bytes_op_schijf = self.store.size_on_disk();
        v.ms = started.elapsed().as_millis() as u64;
        if !droog {
            self.metrics.retention(&v);
        }
        tracing::info!(
            droog,
            payloads = v.payloads,
            berichten = v.berichten,
            dossiers = v.dossiers,
            audit = v.audit,
            kept = v.bewaard_onbevestigd + v.bewaard_onbezorgd + v.bewaard_mislukt,
            bytes = v.bytes_op_schijf,
            ms = v.ms,
            "retention run"
        );
        Ok(v)
    }

    /// The store's live bytes: every key and value (the bench of `docs/performance.md` sets it
    /// beside the files' size). Reads the whole store.
    pub fn store_live_bytes(&self) -> Result<u64, StoreError> {
        self.store.live_bytes()
    }

    /// [`Gateway::bewaren`] on a stopped gateway's store (`sluis bewaren` without a running
    /// gateway), with its audit log.
    pub fn bewaren_offline(&self, actor: &str, droog: bool) -> Result<Verslag, BewaarError> {
        let audit = AuditLog::new(self.store.open_tree("audit")?)?;
        self.bewaren(&audit, actor, droog, &AtomicBool::new(false))
    }

    /// `f` while no message is judged and no other writer writes (the order a backup takes
    /// the locks in).
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let _judge = self.judge.lock().unwrap_or_else(|p| p.into_inner());
        let _writes = self.writes.write().unwrap_or_else(|p| p.into_inner());
        f()
    }
}

/// The background task, started with the server when `[bewaren] aan`.
pub struct Running {
    stop: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

/// Start the task: a run at once, then every `interval_minuten`. `None` when off.
pub fn start(gw: Arc<Gateway>, audit: AuditLog) -> Option<Running> {
    if !gw.settings.bewaren.aan {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(tokio::sync::Notify::new());
    let every = Duration::from_secs(gw.settings.bewaren.interval_minuten.saturating_mul(60));
    let (stopping, woken) = (stop.clone(), wake.clone());
    let task = tokio::spawn(async move {
        while !stopping.load(Ordering::Relaxed) {
            let (g, a, s) = (gw.clone(), audit.clone(), stopping.clone());
            let run =
                tokio::task::spawn_blocking(move || g.bewaren(&a, "sluis:bewaren", false, &s));
            match run.await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "retention run failed"),
                Err(e) => tracing::error!(error = %e, "retention run did not finish"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = woken.notified() => {}
            }
        }
    });
    Some(Running { stop, wake, task })
}

impl Running {
    /// Stop after the batch in progress.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn months_are_calendar_months_with_the_day_clamped() {
        let t = datetime!(2027-03-31 10:00 UTC);
        assert_eq!(months_before(t, 1), datetime!(2027-02-28 10:00 UTC));
        assert_eq!(months_before(t, 3), datetime!(2026-12-31 10:00 UTC));
        assert_eq!(months_before(t, 24), datetime!(2025-03-31 10:00 UTC));
        assert_eq!(
            months_before(datetime!(2028-03-29 0:00 UTC), 1),
            datetime!(2028-02-29 0:00 UTC)
        );
    }

    #[test]
    fn the_terms_are_checked_together() {
        let ok = BewaarSettings::default();
        assert_eq!(ok.check(), Ok(()));
        let long = BewaarSettings {
            payload_maanden: 100,
            gegevens_jaren: 7,
            ..ok.clone()
        };
        assert!(long.check().unwrap_err().contains("payload_maanden (100)"));
        let dossier = BewaarSettings {
            dossier_jaren: 6,
            ..ok.clone()
        };
        assert!(dossier
            .check()
            .unwrap_err()
            .contains("dossier_jaren (6) is korter dan gegevens_jaren (7)"));
        let short = BewaarSettings {
            audit_jaren: 3,
            ..ok.clone()
        };
        assert!(short.check().unwrap_err().contains("NEN 7513"));
        let zero = BewaarSettings {
            payload_maanden: 0,
            ..ok
        };
        assert!(zero.check().is_err());
    }
}
