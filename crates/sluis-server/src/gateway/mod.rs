//! The path of one message through the gateway, as a thin shell around the pure decision of
//! `sluis_core::intake`: read (outside any lock) → lock → decide over the store's views → one
//! store transaction → durable → answer. Handlers call [`Gateway::ingest`] (the standard's
//! messages) or [`Gateway::ingest_doelbereik`] (Sluis's own) and translate the result to HTTP;
//! the views of the trajectories are in [`views`].

pub mod alerts;
pub mod delivery;
mod doelbereik;
mod import;
mod pages;
pub mod reads;
pub mod retention;
mod stromen;
pub mod views;

#[cfg(test)]
mod tests;

pub use doelbereik::DoelbereikError;
pub use reads::{gemeente_of, retour_in, BerichtFilter, InboxItem, Page, Replay, Requeued};

use crate::config::Settings;
use crate::store::{
    client_key, ClientInfo, Inserted, Store, StoreError, StoredBericht, StoredFinding,
    StoredRetour, Writes,
};
use crate::telemetry::Metrics;
use sluis_core::doelbereik::TrajectoryIndex;
use sluis_core::intake::{
    self, ClientPostcode, Decision, Earlier, Identificaties, Judged, Message, Read, Refusal, Views,
};
use sluis_core::policy::Policy;
use sluis_core::standard::types::Datum;
use sluis_core::validate::history::ReadFault;
use sluis_core::validate::Finding;
use sluis_core::{Format, Limits, ReadError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use thiserror::Error;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// Where the gateway reads the time: the system clock, or a fixed one in tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    pub fn fixed(at: OffsetDateTime) -> Clock {
        Clock(Arc::new(move || at))
    }

    /// A clock read from `f` (tests: one that moves on by months).
    pub fn from_fn(f: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }

    /// Today as the receiver's system date: the Dutch calendar day.
    pub fn today(&self) -> Datum {
        Datum::dutch_day(self.now())
    }
}

pub struct Gateway {
    pub settings: Settings,
    /// Private to the gateway: handlers go through its methods (`reads.rs`, `views.rs`).
    pub(crate) store: Store,
    pub metrics: Metrics,
    limits: Limits,
    /// The gemeente's policy as the decision reads it (contracts, declaratie mode, financing).
    policy: Policy,
    /// Judging against the history and writing the result happen under this lock, so no two
    /// messages are judged against the same old state.
    judge: Mutex<()>,
    /// Writers outside the judging lock (inbox acks, replays) hold it shared; a backup holds
    /// it alone, with the judging lock, so the store does not change while it is read.
    writes: RwLock<()>,
    /// Every trajectory, kept current under the judging lock (see [`views`]).
    index: RwLock<TrajectoryIndex>,
    /// A compact record of every stored message, for the flow figures (see [`stromen`]).
    berichten: RwLock<sluis_core::stuurinformatie::Berichtenboek>,
    /// Slots for judging on the blocking pool (see [`Gateway::off_worker`]): bounds the CPU
    /// and memory that concurrent large messages take.
    judging: Arc<Semaphore>,
    clock: Clock,
    /// Set when a read of the store failed; cleared by the next judgement that reads it whole.
    /// `/readyz` says not ready meanwhile.
    read_fault: AtomicBool,
    /// Wakes the push-delivery worker of a party when its outbox gets an entry.
    pub(crate) outbox: delivery::Wakers,
    /// Events for the operator's alerts (dead letters, rejections).
    pub(crate) alerts: alerts::AlertBus,
    /// One retention run at a time (the task's and an operator's wait for each other).
    bewaren: Mutex<()>,
}

#[derive(Debug, Error)]
pub enum IngestError {
    /// Not a readable message (not well-formed, too large, DOCTYPE, unknown message …).
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    /// Not valid by its XSD: the standard gives no retourbericht, the sender gets the errors.
    #[error("het bericht voldoet niet aan het XSD ({} fout(en))", .0.len())]
    Structure(Vec<Finding>),
    /// The caller may not send as the message's Afzender.
    #[error("de afzender van het bericht is niet de aangemelde partij")]
    Forbidden,
    /// The Ontvanger is not a party of this gateway: nothing stored.
    #[error(
        "de ontvanger van het bericht is geen partij van deze gemeente; er is niets opgeslagen"
    )]
    UnknownOntvanger,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Refusal> for IngestError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unreadable(e) => IngestError::Unreadable(e),
            Refusal::Structure(f) | Refusal::Schema { findings: f, .. } => {
                IngestError::Structure(f)
            }
            Refusal::Forbidden => IngestError::Forbidden,
            Refusal::UnknownOntvanger => IngestError::UnknownOntvanger,
        }
    }
}

/// Who waits for the disk before a message is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The gateway: `ingest` returns once the message is on disk.
    Here,
    /// The caller, before it answers, with [`Gateway::durable`]. The HTTP middleware does so
    /// for every request once its audit entry is written (`http::auth::record`), so one group
    /// commit makes both the message and its audit entry durable before the answer leaves;
    /// waiting here as well would cost a second sync per request.
    ByCaller,
}

/// What became of a message.
#[derive(Debug)]
pub struct Ingested {
    pub record: StoredBericht,
    /// The same message had been received before: nothing changed, its original answer is
    /// given again.
    pub replay: bool,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Whether the standard counts a stored message as never sent (levels 1–2).
fn never_sent(b: &StoredBericht) -> bool {
    !b.accepted && b.conflicts_with.is_none() && b.technisch()
}

/// Where a judged message goes besides the store.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    /// To the inboxes of its parties, with its retourbericht (a posted message).
    Deliver,
    /// Only into the history (an imported archive).
    History,
}

/// The store's claimed identificaties, as the decision reads them.
struct Claimed<'a>(&'a Store);

impl Identificaties for Claimed<'_> {
    fn earlier(
        &self,
        afzender: &str,
        bericht: &str,
        identificatie: &str,
    ) -> Result<Option<Earlier>, ReadFault> {
        let fault = |e: StoreError| ReadFault(e.to_string());
        let Some(id) = self
            .0
            .by_identificatie(afzender, bericht, identificatie)
            .map_err(fault)?
        else {
            return Ok(None);
        };
        let b = self
            .0
            .get(id)
            .map_err(fault)?
            .ok_or_else(|| ReadFault(format!("identificatie index points at missing {id}")))?;
        Ok(Some(Earlier {
            id,
            never_sent: never_sent(&b),
            content_hash: b.content_hash,
        }))
    }
}

/// The record of a judged message, as stored.
fn record_of(id: u64, at: OffsetDateTime, read: &Read, bytes: &[u8], j: &Judged) -> StoredBericht {
    let e = &j.envelope;
    StoredBericht {
        id,
        received_at: rfc3339(at),
        format: match j.format {
            Format::Xml => "xml".into(),
            Format::Json => "json".into(),
        },
        bericht: e.bericht.clone(),
        afzender: e.afzender.clone(),
        ontvanger: e.ontvanger.clone(),
        identificatie: e.identificatie.clone(),
        dagtekening: e.dagtekening.clone(),
        content_hash: read.content_hash.clone(),
        // The body is UTF-8: it was read as a message.
        body: String::from_utf8_lossy(bytes).into_owned(),
        canonical: read.canonical.clone(),
        accepted: j.accepted,
        findings: j.findings.iter().map(StoredFinding::from).collect(),
        retour: j.retour.as_ref().map(|r| StoredRetour {
            bericht: r.bericht.clone(),
            identificatie: r.identificatie.clone(),
            xml: r.xml.clone(),
        }),
        conflicts_with: j.conflicts_with,
        granted: j.granted,
        payload_verwijderd: None,
    }
}

/// From this many messages on, a starting gateway reopens sled after its start-up reads
/// ([`Store::reopen`]). Below it they leave little (31 MB at 100,000 messages, so some MB
/// here), and each open moves sled's id generator on by its persist interval (a million), so
/// the message ids of a small store would jump at every start for nothing.
const REOPEN_FROM: u64 = 10_000;

/// As many judging slots as cores, at least two (one heavy message cannot hold all).
fn judging_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

impl Gateway {
    /// The gateway over an opened store on the system clock; builds the index of trajectories.
    pub fn new(settings: Settings, store: Store) -> Result<Gateway, StoreError> {
        Gateway::with_clock(settings, store, Clock::system())
    }

    /// The gateway on a given clock (tests: a fixed moment).
    pub fn with_clock(
        settings: Settings,
        store: Store,
        clock: Clock,
    ) -> Result<Gateway, StoreError> {
        Gateway::build(settings, store, clock, false)
    }

    /// The gateway of a starting server (or a command on a stopped one's data directory):
    /// after the start-up has read the whole store, sled is closed and opened again, which
    /// gives back the memory the reading left ([`Store::reopen`]). `store` must be the only
    /// handle on its database: the security layer opens its trees after this.
    pub fn starting(settings: Settings, store: Store, clock: Clock) -> Result<Gateway, StoreError> {
        Gateway::build(settings, store, clock, true)
    }

    fn build(
        settings: Settings,
        store: Store,
        clock: Clock,
        reopen: bool,
    ) -> Result<Gateway, StoreError> {
        let limits = Limits {
            max_bytes: settings.server.max_body_bytes,
            ..Limits::default()
        };
        let started = Instant::now();
        let index = views::build_index(&settings, &store)?;
        tracing::info!(
            trajectories = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "trajectory index built"
        );
        let parties = delivery::pushed_parties(&settings);
        let started = Instant::now();
        let (berichten, opbouw) = stromen::build_boek(&store, &limits)?;
        tracing::info!(
            berichten = berichten.len(),
            bytes = berichten.bytes() as u64,
            geladen = opbouw.geladen,
            gemigreerd = opbouw.gemigreerd,
            ms = started.elapsed().as_millis() as u64,
            "message records built"
        );
        // The walk of the store, the index and the book leave much freed memory in the heap,
        // and sled keeps the bookkeeping of every page they read.
        let store = if reopen && store.count() >= REOPEN_FROM {
            let started = Instant::now();
            let store = store.reopen()?;
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "store reopened after the start-up reads"
            );
            store
        } else {
            store
        };
        crate::memory::trim();
        Ok(Gateway {
            outbox: delivery::Wakers::new(&parties),
            alerts: alerts::AlertBus::default(),
            policy: settings.policy(),
            settings,
            store,
            metrics: Metrics::default(),
            limits,
            judge: Mutex::new(()),
            writes: RwLock::new(()),
            index: RwLock::new(index),
            berichten: RwLock::new(berichten),
            judging: Arc::new(Semaphore::new(judging_slots())),
            clock,
            read_fault: AtomicBool::new(false),
            bewaren: Mutex::new(()),
        })
    }

    /// Another tree of the store, outside the message transactions (the security layer's
    /// tokens and audit log).
    pub fn open_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        self.store.open_tree(name)
    }

    /// Whether the gateway can take messages: the store is open and was readable last time.
    pub fn ready(&self) -> bool {
        self.store.ready() && !self.read_fault.load(Ordering::Relaxed)
    }

    /// Run CPU-bound judging on the blocking pool, at most [`Gateway::judging`] at once.
    /// Reading a large message takes milliseconds to seconds of CPU; on an async worker that
    /// would stall every other request of that worker (health checks too) and the request
    /// time limit could not fire. Waiting for a slot is async, so the time limit covers it.
    pub(crate) async fn off_worker<T, F>(self: &Arc<Self>, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Gateway) -> T + Send + 'static,
    {
        let permit = self
            .judging
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Durability("judging pool closed".into()))?;
        let gw = Arc::clone(self);
        // The request's span goes along, so log lines of the job carry its request id.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(|| job(&gw))
        })
        .await
        .map_err(|e| StoreError::Durability(format!("judging task failed: {e}")))
    }

    /// Judge a message on its own and build the retourbericht it would get, storing nothing
    /// and reading no history (`POST /api/v1/validatie`); on the judging pool like a message
    /// taken in. The inner `Err`: not readable as a message at all.
    pub async fn check(
        self: &Arc<Self>,
        bytes: &[u8],
    ) -> Result<Result<intake::Checked, ReadError>, StoreError> {
        let body: Arc<[u8]> = Arc::from(bytes);
        self.off_worker(move |gw| intake::check(&body, &gw.limits, &gw.policy, gw.clock.today()))
            .await
    }

    /// A consistent backup of the store to `out` while the gateway runs: judging, the other
    /// store writers and the audit chain pause while the trees are read (requests wait, they
    /// are not refused), so no message is in the backup without its inbox entries and
    /// history, and the audit chain is whole. Everything acknowledged before it began is in it.
    pub fn backup(
        &self,
        audit: &crate::security::audit::AuditLog,
        out: &mut dyn std::io::Write,
    ) -> Result<crate::store::backup::Summary, crate::store::backup::BackupError> {
        let _judge = self.judge.lock().unwrap_or_else(|p| p.into_inner());
        let _writes = self.writes.write().unwrap_or_else(|p| p.into_inner());
        audit.paused(|| self.store.export(out))
    }

    /// A writer outside the judging lock: shared with the others, never during a backup.
    pub(crate) fn writing(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.writes.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Take in one message. Returns once it is durably stored (or known from before).
    /// `sender`: the party the caller is; a message with another Afzender is refused before
    /// anything is judged or stored (`None`: no such restriction).
    pub async fn ingest(
        self: &Arc<Self>,
        bytes: &[u8],
        sender: Option<&str>,
    ) -> Result<Ingested, IngestError> {
        self.ingest_with(bytes, sender, Durability::Here).await
    }

    /// [`Gateway::ingest`], with the wait for the disk left to the caller when `sync` says so.
    pub async fn ingest_with(
        self: &Arc<Self>,
        bytes: &[u8],
        sender: Option<&str>,
        sync: Durability,
    ) -> Result<Ingested, IngestError> {
        let started = Instant::now();
        // Owned copies for the blocking pool (a copy of the body costs far less than reading it).
        let body: Arc<[u8]> = Arc::from(bytes);
        let sender = sender.map(str::to_string);
        let judged = self
            .off_worker(move |gw| {
                let read = intake::read(&body, sender.as_deref(), &gw.limits)?;
                gw.judge_and_store(&read, &body, Route::Deliver)
            })
            .await;
        let result = match judged {
            Ok(Ok(step)) => self.finish(step, sync).await,
            Ok(Err(e)) => Err(e),
            Err(e) => Err(IngestError::Store(e)),
        };
        use crate::telemetry::{Uitkomst, Weigering};
        match &result {
            Ok(i) => {
                for f in &i.record.findings {
                    self.metrics
                        .retourcode(&i.record.bericht, f.retourcode.as_deref().unwrap_or("XSD"));
                }
                let uitkomst = match (i.record.accepted, i.record.granted) {
                    (true, _) => Uitkomst::Geaccepteerd,
                    (false, true) => Uitkomst::Deels,
                    (false, false) => Uitkomst::Afgekeurd,
                };
                self.metrics
                    .message(&i.record.bericht, uitkomst, started.elapsed().as_secs_f64());
            }
            Err(e) => self.metrics.refused(match e {
                IngestError::Unreadable(_) => Weigering::Onleesbaar,
                IngestError::Structure(_) => Weigering::Xsd,
                IngestError::Forbidden => Weigering::Geweigerd,
                IngestError::UnknownOntvanger => Weigering::OnbekendeOntvanger,
                IngestError::Store(_) => Weigering::Opslagfout,
            }),
        }
        // The rejection-rate alert (docs/delivery.md): judged messages only, not replays.
        if let Ok(i) = &result {
            if !i.replay {
                self.alerts.judged(&i.record.afzender, !i.record.accepted);
            }
        }
        result
    }

    /// Wait until a stored message is durable, then answer. A replay waits too: the earlier
    /// copy may be in a group commit that has not finished. With [`Durability::ByCaller`] the
    /// caller waits instead.
    async fn finish(&self, step: Ingested, sync: Durability) -> Result<Ingested, IngestError> {
        if sync == Durability::Here {
            self.store.durable().await?;
        }
        if !step.replay {
            let record = &step.record;
            tracing::info!(id = record.id, bericht = %record.bericht, afzender = %record.afzender, accepted = record.accepted, "stored");
        }
        Ok(step)
    }

    /// The synchronous part of the shell around the decision: lock → decide → one
    /// transaction. Runs on the blocking pool; [`Gateway::finish`] waits until it is durable.
    /// [`Route::History`] stores the same judgement without its retourbericht and without
    /// inbox entries (an imported archive: the parties already had these messages).
    fn judge_and_store(
        &self,
        read: &Read,
        bytes: &[u8],
        route: Route,
    ) -> Result<Ingested, IngestError> {
        let id = self.store.next_id()?;
        let now = self.clock.now();
        let (record, replay) = 'judged: {
            let _judging = self
                .judge
                .lock()
                .map_err(|_| StoreError::Durability("judge lock poisoned".into()))?;
            let history = self.store.history();
            let plans = self.store.plans();
            let views = Views {
                history: &history,
                plans: &plans,
                identificaties: &Claimed(&self.store),
            };
            let decision = intake::decide(read, &views, &self.policy, self.clock.today(), id)
                .inspect_err(|_| self.read_fault.store(true, Ordering::Relaxed))
                .map_err(StoreError::from)?;
            self.read_fault.store(false, Ordering::Relaxed);
            let judged = match decision {
                Decision::Refuse(refusal) => return Err(refusal.into()),
                Decision::Replay { earlier } => {
                    let record = self.store.get(earlier)?.ok_or_else(|| {
                        StoreError::Corrupt(earlier, "index without record".into())
                    })?;
                    break 'judged (record, true);
                }
                Decision::Store(judged) => *judged,
            };
            if let Some(error) = &judged.retour_error {
                tracing::error!(id, %error, "no retourbericht could be made");
            }
            let mut record = record_of(id, now, read, bytes, &judged);
            let deliver = route == Route::Deliver;
            if !deliver {
                record.retour = None;
            }
            let clienten = self.client_facts(&judged.postcodes)?;
            let clients_changed = !clienten.is_empty();
            let changed = !judged.effects.is_empty() || judged.accepted;
            let (signalen, plain): (Vec<_>, Vec<_>) = judged
                .deliveries
                .iter()
                .filter(|_| deliver)
                .partition(|d| d.signaal.is_some());
            // Push carries what the inboxes get, a signal after the message that caused it.
            let outbox = if deliver {
                let pushed: Vec<_> = plain
                    .iter()
                    .chain(&signalen)
                    .map(|d| (*d).clone())
                    .collect();
                self.outbox_writes(read, &pushed)
            } else {
                Vec::new()
            };
            let (stroom, stroom_bytes) = self.record_stroom(read, &record, now)?;
            let writes = Writes {
                stroom: Some(stroom_bytes),
                outbox,
                now_ms: delivery::epoch_ms(now),
                inbox: plain
                    .into_iter()
                    .map(|d| (d.party.clone(), d.kind.as_str()))
                    .collect(),
                signalen: signalen
                    .into_iter()
                    .filter_map(|d| Some((d.party.clone(), (**d.signaal.as_ref()?).clone())))
                    .collect(),
                effects: judged.effects,
                plans: judged.plans,
                clienten,
            };
            if let Inserted::Exists(other) =
                self.store
                    .insert(&record, judged.claim, judged.replaces, &writes)?
            {
                // Checked by the decision under the same lock; only a damaged index gets here.
                return Err(
                    StoreError::Corrupt(other, "identificatie claimed twice".into()).into(),
                );
            }
            if changed {
                self.refresh_after(read, &writes, clients_changed)?;
            }
            for w in &writes.outbox {
                let lane = self.store.lane_prefix(&w.party, &w.client);
                self.outbox.wake_lane(&w.party, lane);
            }
            self.add_stroom(stroom);
            (record, false)
        };
        Ok(Ingested { record, replay })
    }

    /// The trajectories a stored message changed, anew in the index.
    fn refresh_after(
        &self,
        read: &Read,
        writes: &Writes,
        clients_changed: bool,
    ) -> Result<(), StoreError> {
        match &read.message {
            Message::Standard(verdict) if !writes.effects.is_empty() => {
                self.refresh_standard(verdict, clients_changed)
            }
            Message::Doelbereik { .. } if !writes.plans.is_empty() => {
                if let Some((domein, gemeente, nummers)) = &read.envelope.trajectories {
                    self.refresh(*domein, gemeente, nummers)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The client facts to write for what a toewijzing gives (postcode, name, birth date): what
    /// is known of the client stays (the team the back office set); no change is no write.
    fn client_facts(
        &self,
        postcodes: &[ClientPostcode],
    ) -> Result<Vec<(Vec<u8>, ClientInfo)>, StoreError> {
        let mut out = Vec::new();
        for p in postcodes {
            let bsn = p.bsn.as_str();
            let known = self.store.client(&p.gemeente, bsn)?.unwrap_or_default();
            // What the toewijzing gives replaces what was known; what it leaves out stays.
            let mut info = known.clone();
            info.postcode = p.postcode.clone().or(info.postcode);
            info.naam = p.naam.clone().or(info.naam);
            info.geboortedatum = p.geboortedatum.or(info.geboortedatum);
            if info == known {
                continue;
            }
            info.bsn = Some(bsn.to_string());
            out.push((client_key(&p.gemeente, bsn), info));
        }
        Ok(out)
    }
}
