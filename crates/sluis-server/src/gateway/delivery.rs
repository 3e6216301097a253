//! Push delivery (`docs/delivery.md`): which deliveries a judged message adds to the outbox
//! (the parties the one routing rule names, when they have an endpoint), the worker that
//! empties it, the status per message and the operator's re-drive.
//!
//! The worker runs one task per party with an endpoint, so a party that is down or slow
//! delays only itself. Within a party, one lane per client: its head is offered, and only
//! after the party accepted it (2xx) the next one, so a stop never overtakes its start; up
//! to `concurrency_per_party` lanes are in flight at once, so one client's failing message
//! does not hold up the others. Every offer carries `Sluis-Delivery-Id` and the message's
//! Identificatie: a receiver drops a second offer of what it already has (at least once).

use super::Gateway;
use crate::delivery::settings::DeliveryEndpoint;
use crate::delivery::{client, DeliveryState, DeliveryStatus};
use crate::store::outbox::lane_of;
use crate::store::{OutboxWrite, StoreError};
use sluis_core::intake::{Delivery, DeliveryKind, Message, Read};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

pub use crate::delivery::epoch_ms;

fn now_ms() -> i64 {
    epoch_ms(OffsetDateTime::now_utc())
}

/// The parties with a delivery endpoint.
pub fn pushed_parties(settings: &crate::config::Settings) -> Vec<String> {
    settings
        .delivery
        .endpoints
        .iter()
        .map(|e| e.party.clone())
        .collect()
}

/// The wake-ups of one party's worker: lanes that got an entry, or a request to look at all.
#[derive(Default)]
struct PartyQueue {
    notify: Notify,
    lanes: Mutex<Vec<Vec<u8>>>,
    rescan: AtomicBool,
}

/// The wake-ups per party with an endpoint.
pub struct Wakers {
    parties: HashMap<String, Arc<PartyQueue>>,
}

impl Wakers {
    pub fn new(parties: &[String]) -> Wakers {
        Wakers {
            parties: parties
                .iter()
                .map(|p| (p.clone(), Arc::new(PartyQueue::default())))
                .collect(),
        }
    }

    /// Whether the party has an endpoint.
    pub fn pushes(&self, party: &str) -> bool {
        self.parties.contains_key(party)
    }

    /// A lane of the party got an entry.
    pub fn wake_lane(&self, party: &str, lane: Vec<u8>) {
        if let Some(q) = self.parties.get(party) {
            if let Ok(mut l) = q.lanes.lock() {
                l.push(lane);
            }
            // A permit is kept when the worker is busy: no wake-up is lost.
            q.notify.notify_one();
        }
    }

    /// Look at every lane of the party again (after a re-drive).
    pub fn wake_all(&self, party: &str) {
        if let Some(q) = self.parties.get(party) {
            q.rescan.store(true, Ordering::Relaxed);
            q.notify.notify_one();
        }
    }

    fn of(&self, party: &str) -> Arc<PartyQueue> {
        self.parties.get(party).cloned().unwrap_or_default()
    }
}

/// What an operator re-drives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redrive {
    Bericht(u64),
    Partij(String),
    Alles,
}

/// The backlog of one party with an endpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartyBacklog {
    pub partij: String,
    /// Deliveries not yet delivered (waiting, in flight, or dead letters).
    pub openstaand: u64,
    /// Of which dead letters.
    pub mislukt: u64,
    /// Age of the oldest undelivered message, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oudste_seconden: Option<i64>,
}

/// The client a message is about, for its lane: the BSN of a message of the standard with
/// one client and of Sluis's own doelbereik messages (so a beoordeling, and the signal it
/// causes, never overtakes a message of the standard about the same client to the same party),
/// else none (a declaratie about many clients: one lane for all of them at that party).
fn lane_client(read: &Read) -> String {
    use sluis_core::doelbereik::Bericht;
    match &read.message {
        Message::Standard(verdict) => verdict
            .document
            .text("Client/Bsn")
            .map(|b| b.into_owned())
            .unwrap_or_default(),
        Message::Doelbereik { bericht, .. } => match bericht {
            Bericht::Behandelplan(b) => b.bsn.as_str(),
            Bericht::Resultaatmelding(b) => b.bsn.as_str(),
            Bericht::Beoordeling(b) => b.bsn.as_str(),
        }
        .to_string(),
    }
}

impl Gateway {
    /// The outbox entries of a judged message: the routing rule's deliveries (and the
    /// terugvordering signals it causes) to parties with an endpoint, in the lane of the
    /// message's client, in the order given: a signal after the message that caused it.
    pub(super) fn outbox_writes(&self, read: &Read, deliveries: &[Delivery]) -> Vec<OutboxWrite> {
        let pushed: Vec<&Delivery> = deliveries
            .iter()
            .filter(|d| self.outbox.pushes(&d.party))
            .collect();
        if pushed.is_empty() {
            return Vec::new();
        }
        let client = lane_client(read);
        pushed
            .into_iter()
            .map(|d| OutboxWrite {
                party: d.party.clone(),
                kind: d.kind.as_str(),
                client: client.clone(),
                signaal: d.signaal.as_deref().cloned(),
            })
            .collect()
    }

    /// The push deliveries of a message (empty when none of its parties has an endpoint).
    pub fn bezorging(&self, id: u64) -> Result<Vec<DeliveryStatus>, StoreError> {
        self.store.deliveries_of(id)
    }

    /// Put dead letters back in the queue with a fresh budget of attempts; returns them.
    pub fn redrive(&self, what: &Redrive) -> Result<Vec<DeliveryStatus>, StoreError> {
        // A dead letter is always a lane's head: the heads are all there is to look at.
        let candidates = match what {
            Redrive::Bericht(id) => self.store.deliveries_of(*id)?,
            Redrive::Partij(p) => self
                .store
                .outbox_heads(p)?
                .into_iter()
                .map(|(_, d)| d)
                .collect(),
            Redrive::Alles => self
                .store
                .all_heads()?
                .into_iter()
                .map(|(_, d)| d)
                .collect(),
        };
        let now = now_ms();
        let mut out = Vec::new();
        for mut d in candidates {
            if d.state != DeliveryState::Mislukt {
                continue;
            }
            d.state = DeliveryState::Ontvangen;
            d.attempts = 0;
            d.next_ms = now;
            d.window_ms = now;
            self.store.set_delivery(&d)?;
            self.outbox.wake_all(&d.party);
            tracing::info!(bericht_id = d.bericht_id, party = %d.party, kind = %d.kind, "delivery re-driven");
            out.push(d);
        }
        Ok(out)
    }

    /// The backlog of every party with an endpoint.
    pub fn backlog(&self) -> Result<Vec<PartyBacklog>, StoreError> {
        let now = now_ms();
        let mut out = Vec::new();
        for e in &self.settings.delivery.endpoints {
            let (openstaand, oldest) = self.store.backlog(&e.party)?;
            let mislukt = self
                .store
                .outbox_heads(&e.party)?
                .iter()
                .filter(|(_, s)| s.state == DeliveryState::Mislukt)
                .count() as u64;
            out.push(PartyBacklog {
                partij: e.party.clone(),
                openstaand,
                mislukt,
                oudste_seconden: oldest.map(|o| (now - o).max(0) / 1000),
            });
        }
        Ok(out)
    }

    /// What a party gets for a delivery: content type, body, message code and Identificatie.
    fn payload(&self, d: &DeliveryStatus) -> Result<Payload, String> {
        let b = self
            .store
            .get(d.bericht_id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("bericht {} ontbreekt", d.bericht_id))?;
        if d.kind == DeliveryKind::Terugvordering.as_str() {
            // The signal as the inbox gives it (`json`), with the Identificatie of the
            // beoordeling that caused it.
            let signaal = self
                .store
                .delivery_signal(d)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("bericht {}: signaal ontbreekt", d.bericht_id))?;
            let value = super::reads::signaal_value(&signaal, &b).map_err(|e| e.to_string())?;
            return Ok(Payload {
                content_type: "application/json",
                body: serde_json::to_string(&value).map_err(|e| e.to_string())?,
                bericht: DeliveryKind::Terugvordering.as_str().to_string(),
                identificatie: b.identificatie,
            });
        }
        if d.kind == DeliveryKind::Retour.as_str() {
            let r = b
                .retour
                .as_ref()
                .ok_or_else(|| format!("bericht {} heeft geen retourbericht", d.bericht_id))?;
            return Ok(Payload {
                content_type: "application/xml; charset=utf-8",
                body: r.xml.clone(),
                bericht: r.bericht.clone(),
                identificatie: r.identificatie.clone(),
            });
        }
        let body = self
            .delivered(&b)
            .ok_or_else(|| format!("bericht {} leest niet meer", d.bericht_id))?;
        Ok(Payload {
            content_type: if b.format == "json" {
                "application/json"
            } else {
                "application/xml; charset=utf-8"
            },
            body,
            bericht: b.bericht,
            identificatie: b.identificatie,
        })
    }
}

struct Payload {
    content_type: &'static str,
    body: String,
    bericht: String,
    identificatie: String,
}

/// The worker: one task per party with an endpoint. Built with the server (the clients are
/// checked then), started with it, stopped before the store closes.
pub struct Worker {
    parties: Vec<(DeliveryEndpoint, reqwest::Client)>,
}

/// A started worker.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Worker {
    /// The clients of every endpoint (certificates and keys read now: an error stops the start).
    pub fn build(gw: &Gateway) -> Result<Worker, String> {
        super::alerts::check(&gw.settings.delivery.alerts)?;
        let parties = gw
            .settings
            .delivery
            .endpoints
            .iter()
            .map(|e| Ok((e.clone(), client::client(e)?)))
            .collect::<Result<_, String>>()?;
        Ok(Worker { parties })
    }

    /// Start the tasks on the current runtime. An attempt in flight when the process last
    /// stopped counts as failed (`onderbroken`) first, so nothing stays `aangeboden` and the
    /// attempt limit holds across crashes.
    pub fn start(self, gw: Arc<Gateway>) -> Running {
        let (stop, rx) = watch::channel(false);
        // The alerts first: an interrupted last attempt makes a dead letter now.
        let mut tasks: Vec<_> = super::alerts::start(gw.clone(), rx.clone())
            .into_iter()
            .collect();
        match gw.interrupted(now_ms()) {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                deliveries = n,
                "attempts interrupted by a stop or crash counted as failed"
            ),
            Err(e) => tracing::error!(error = %e, "outbox could not be read at the start"),
        }
        tasks.extend(self.parties.into_iter().map(|(ep, client)| {
            let queue = gw.outbox.of(&ep.party);
            tokio::spawn(party_loop(gw.clone(), ep, client, queue, rx.clone()))
        }));
        Running { stop, tasks }
    }
}

impl Running {
    /// Stop every task. An offer cut off by the stop is given back (not counted) by its
    /// party's task; one that does not end in time counts as interrupted at the next start.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let abort = t.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), t)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// How a lane's task ended.
enum LaneEnd {
    /// Nothing left in it.
    Empty,
    /// Its head waits until then (ms since the epoch).
    Later(i64),
    /// Its head is a dead letter: the lane waits for a re-drive.
    Blocked,
}

/// Look at `lane` again at `at` (once, however often it is asked for).
fn later(timers: &mut BTreeMap<i64, Vec<Vec<u8>>>, at: i64, lane: Vec<u8>) {
    let due = timers.entry(at).or_default();
    if !due.contains(&lane) {
        due.push(lane);
    }
}

/// One party: the lanes with a due head are offered, at most `concurrency_per_party` at
/// once. Lanes come from the wake-ups of new entries (no scan per message), from the timers
/// of lanes waiting for a retry, and from a look at every lane at the start, after a
/// re-drive and once a minute (a safety net).
async fn party_loop(
    gw: Arc<Gateway>,
    ep: DeliveryEndpoint,
    client: reqwest::Client,
    queue: Arc<PartyQueue>,
    mut stop: watch::Receiver<bool>,
) {
    let ep = Arc::new(ep);
    let limit = gw.settings.delivery.concurrency_per_party;
    let mut lanes: JoinSet<LaneEnd> = JoinSet::new();
    let mut running: HashMap<tokio::task::Id, Vec<u8>> = HashMap::new();
    let mut busy: HashSet<Vec<u8>> = HashSet::new();
    // Lanes woken while their task ran: looked at again when it ends.
    let mut again: HashSet<Vec<u8>> = HashSet::new();
    let mut ready: VecDeque<Vec<u8>> = VecDeque::new();
    let mut queued: HashSet<Vec<u8>> = HashSet::new();
    let mut timers: BTreeMap<i64, Vec<Vec<u8>>> = BTreeMap::new();
    let mut scanned = Instant::now();
    let mut rescan = true;
    let mut measured = Instant::now() - Duration::from_secs(10);
    let mut measuring: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let now = now_ms();
        if rescan
            || queue.rescan.swap(false, Ordering::Relaxed)
            || scanned.elapsed() > Duration::from_secs(60)
        {
            rescan = false;
            scanned = Instant::now();
            // One read per lane: on the blocking pool, off the thread all parties share.
            let (reader, party) = (gw.clone(), ep.party.clone());
            let heads = tokio::task::spawn_blocking(move || reader.store.outbox_heads(&party))
                .await
                .unwrap_or_else(|e| Err(StoreError::Io(e.into())));
            match heads {
                Ok(heads) => {
                    for (key, status) in heads {
                        let lane = lane_of(&key).to_vec();
                        match status.state {
                            DeliveryState::Mislukt | DeliveryState::Bezorgd => {}
                            _ if status.next_ms > now => later(&mut timers, status.next_ms, lane),
                            _ => {
                                if queued.insert(lane.clone()) {
                                    ready.push_back(lane);
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::error!(party = %ep.party, error = %e, "outbox unreadable"),
            }
        }
        let woken = queue
            .lanes
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        for lane in woken {
            if queued.insert(lane.clone()) {
                ready.push_back(lane);
            }
        }
        while let Some((&at, _)) = timers.first_key_value() {
            if at > now {
                break;
            }
            for lane in timers.pop_first().map(|(_, l)| l).unwrap_or_default() {
                if queued.insert(lane.clone()) {
                    ready.push_back(lane);
                }
            }
        }
        while busy.len() < limit {
            let Some(lane) = ready.pop_front() else { break };
            queued.remove(&lane);
            if busy.contains(&lane) {
                again.insert(lane);
                continue;
            }
            let h = lanes.spawn(run_lane(
                gw.clone(),
                ep.clone(),
                client.clone(),
                lane.clone(),
            ));
            running.insert(h.id(), lane.clone());
            busy.insert(lane);
        }
        // Counting a long backlog reads every entry: on the blocking pool, one count at a
        // time, so a party that is far behind never holds up the thread all parties share.
        if measured.elapsed() >= Duration::from_secs(2)
            && measuring.as_ref().is_none_or(|m| m.is_finished())
        {
            measured = Instant::now();
            let (gw, party) = (gw.clone(), ep.party.clone());
            measuring = Some(tokio::task::spawn_blocking(move || {
                if let Ok((count, oldest)) = gw.store.backlog(&party) {
                    let age = oldest.map_or(0, |o| (now_ms() - o).max(0) / 1000);
                    gw.metrics.delivery_backlog(&party, count, age);
                }
            }));
        }
        let next = timers.first_key_value().map_or(now + 1_000, |(at, _)| *at);
        let wait = Duration::from_millis((next - now).clamp(1, 1_000) as u64);
        tokio::select! {
            _ = queue.notify.notified() => {}
            Some(done) = lanes.join_next_with_id() => {
                let (id, end) = match done {
                    Ok((id, end)) => (id, Some(end)),
                    Err(e) => {
                        tracing::error!(party = %ep.party, error = %e, "delivery task failed");
                        (e.id(), None)
                    }
                };
                if let Some(lane) = running.remove(&id) {
                    busy.remove(&lane);
                    let woken = again.remove(&lane);
                    match end {
                        Some(LaneEnd::Later(at)) => later(&mut timers, at, lane),
                        Some(LaneEnd::Empty | LaneEnd::Blocked) if !woken => {}
                        // Woken meanwhile, or the task failed: look at it again.
                        _ => {
                            if queued.insert(lane.clone()) {
                                ready.push_back(lane);
                            }
                        }
                    }
                }
            }
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
    }
    lanes.shutdown().await;
    // Our own stop cut these offers off: not the message's failure, so not counted.
    match gw.store.give_back_offered(&ep.party, now_ms()) {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(party = %ep.party, deliveries = n, "offers cut off by the stop given back")
        }
        Err(e) => {
            tracing::error!(party = %ep.party, error = %e, "offers not given back (counted at the next start)")
        }
    }
}

/// Offer one lane's messages in order until it is empty, a head is not yet due, or an offer
/// failed (the head then waits for its next attempt, or is a dead letter).
async fn run_lane(
    gw: Arc<Gateway>,
    ep: Arc<DeliveryEndpoint>,
    client: reqwest::Client,
    lane: Vec<u8>,
) -> LaneEnd {
    loop {
        let (_key, mut d) = match gw.store.lane_head(&lane) {
            Ok(Some(h)) => h,
            Ok(None) => return LaneEnd::Empty,
            Err(e) => {
                tracing::error!(party = %ep.party, error = %e, "outbox unreadable");
                return LaneEnd::Later(now_ms() + 1_000);
            }
        };
        let now = now_ms();
        match d.state {
            DeliveryState::Mislukt | DeliveryState::Bezorgd => return LaneEnd::Blocked,
            _ if d.next_ms > now => return LaneEnd::Later(d.next_ms),
            _ => {}
        }
        // The attempt is recorded before it is made, and the same group commit that makes
        // the entry durable makes the attempt durable: a party never gets a message a crash
        // could still take back, and an attempt a crash interrupts still counts.
        if d.attempts == 0 {
            // `max_hours` counts from the first attempt: time spent waiting behind an earlier
            // message of the lane (say through an outage and a re-drive) is not this one's.
            d.window_ms = d.window_ms.max(now);
        }
        d.state = DeliveryState::Aangeboden;
        d.attempts += 1;
        d.next_ms = now;
        if let Err(e) = gw.store.set_delivery(&d) {
            tracing::error!(error = %e, "attempt not recorded; delivery waits");
            return LaneEnd::Later(now_ms() + 1_000);
        }
        if let Err(e) = gw.store.durable().await {
            tracing::error!(error = %e, "not durable; delivery waits");
            return LaneEnd::Later(now_ms() + 1_000);
        }
        let outcome = offer(&gw, &ep, &client, &d).await;
        let at = now_ms();
        match outcome {
            Ok(()) => {
                if let Err(e) = gw.store.set_delivered(&d, at) {
                    tracing::error!(error = %e, "delivered, but not recorded (offered again later)");
                    return LaneEnd::Later(at + 1_000);
                }
                gw.metrics.delivery_attempt(&ep.party, "bezorgd");
            }
            Err(failure) => {
                let end = gw.failed(&mut d, failure, at);
                if let Err(e) = gw.store.set_delivery(&d) {
                    tracing::error!(error = %e, "delivery state not written");
                }
                return end;
            }
        }
    }
}

impl Gateway {
    /// A failed attempt on `d` (its attempts already counted): the next attempt after the
    /// backoff, or a dead letter when the attempts or the time ran out (alerted). The caller
    /// writes `d`.
    fn failed(&self, d: &mut DeliveryStatus, failure: Failure, at: i64) -> LaneEnd {
        let s = &self.settings.delivery;
        let expired = at - d.window_ms >= (s.max_hours as i64) * 3_600_000;
        d.last_error = Some(failure.error);
        if d.attempts >= s.max_attempts || expired {
            d.state = DeliveryState::Mislukt;
            d.next_ms = at;
            self.metrics.delivery_attempt(&d.party, "mislukt");
            self.alerts.dead_letter(d);
            tracing::warn!(bericht_id = d.bericht_id, party = %d.party, attempts = d.attempts, error = d.last_error.as_deref().unwrap_or_default(), "dead letter");
            LaneEnd::Blocked
        } else {
            d.state = DeliveryState::Ontvangen;
            d.next_ms = at + wait_ms(s, d.attempts, failure.retry_after_ms);
            self.metrics.delivery_attempt(&d.party, "fout");
            LaneEnd::Later(d.next_ms)
        }
    }

    /// At the start: every delivery still `aangeboden` was in flight when the process
    /// stopped without giving it back (a crash, a kill). That attempt counts as failed
    /// (`onderbroken`), so a message that brings Sluis or the receiver down every time ends
    /// as a dead letter instead of being offered for ever. Returns how many.
    fn interrupted(&self, now: i64) -> Result<usize, StoreError> {
        let offered = self.store.offered()?;
        for mut d in offered.iter().cloned() {
            let failure = Failure {
                error: "onderbroken: Sluis stopte tijdens de poging".into(),
                retry_after_ms: None,
            };
            self.failed(&mut d, failure, now);
            self.store.set_delivery(&d)?;
        }
        Ok(offered.len())
    }
}

struct Failure {
    error: String,
    retry_after_ms: Option<u64>,
}

/// One offer: POST the message to the endpoint; 2xx is delivered.
async fn offer(
    gw: &Gateway,
    ep: &DeliveryEndpoint,
    client: &reqwest::Client,
    d: &DeliveryStatus,
) -> Result<(), Failure> {
    let p = gw.payload(d).map_err(|error| Failure {
        error,
        retry_after_ms: None,
    })?;
    let sent = client
        .post(&ep.url)
        .header("Content-Type", p.content_type)
        .header("Sluis-Delivery-Id", format!("{}-{}", d.bericht_id, d.kind))
        .header("Sluis-Bericht-Id", d.bericht_id.to_string())
        .header("Sluis-Soort", d.kind.as_str())
        .header("Sluis-Bericht", p.bericht.as_str())
        .header("Sluis-Identificatie", p.identificatie.as_str())
        .header("Sluis-Poging", d.attempts.to_string())
        .body(p.body)
        .send()
        .await;
    match sent {
        Ok(r) => {
            let status = r.status();
            let retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_ms);
            // Read the (ignored) answer, so the connection can be used again.
            let _ = r.bytes().await;
            if status.is_success() {
                Ok(())
            } else {
                Err(Failure {
                    error: format!("HTTP {}", status.as_u16()),
                    retry_after_ms: retry_after,
                })
            }
        }
        // The URL is in the configuration; the error says what went wrong.
        Err(e) => Err(Failure {
            error: describe(&e.without_url()),
            retry_after_ms: None,
        }),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "time-out"
    } else if e.is_connect() {
        "geen verbinding"
    } else {
        "fout"
    };
    let mut text = format!("{kind}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text.chars().take(300).collect()
}

/// `Retry-After` in ms: delta-seconds or an HTTP date.
fn retry_after_ms(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(s.saturating_mul(1000));
    }
    let at = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    Some((epoch_ms(at) - now_ms()).max(0) as u64)
}

/// The wait before the next attempt: exponential from `backoff_ms`, capped at
/// `max_backoff_ms`, with jitter (a random point in the second half, so parties that failed
/// together do not come back together); a `Retry-After` asking for longer wins.
fn wait_ms(
    s: &crate::delivery::settings::DeliverySettings,
    attempts: u32,
    retry_after: Option<u64>,
) -> i64 {
    let exp = s
        .backoff_ms
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(30))
        .min(s.max_backoff_ms);
    let r = getrandom::u64().unwrap_or(0);
    let jittered = exp / 2 + r % (exp / 2 + 1);
    // A Retry-After beyond the whole `max_hours` window would only park the lane.
    let asked = retry_after
        .unwrap_or(0)
        .min(s.max_hours.saturating_mul(3_600_000));
    jittered.max(asked) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::settings::DeliverySettings;

    #[test]
    fn the_wait_doubles_with_jitter_is_capped_and_honours_retry_after() {
        let s = DeliverySettings {
            backoff_ms: 100,
            max_backoff_ms: 1_000,
            ..DeliverySettings::default()
        };
        for _ in 0..50 {
            let w1 = wait_ms(&s, 1, None);
            assert!((50..=100).contains(&w1), "{w1}");
            let w3 = wait_ms(&s, 3, None);
            assert!((200..=400).contains(&w3), "{w3}");
            let w20 = wait_ms(&s, 20, None);
            assert!((500..=1_000).contains(&w20), "{w20}");
        }
        assert_eq!(wait_ms(&s, 1, Some(7_000)), 7_000);
        assert_eq!(
            wait_ms(&s, 1, Some(u64::MAX)),
            s.max_hours as i64 * 3_600_000,
            "never beyond the window"
        );
        assert_eq!(retry_after_ms("3"), Some(3_000));
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(0));
        assert_eq!(retry_after_ms("morgen"), None);
    }
}
