//! Limits against floods (docs/security.md, "Threats and defences"):
//! - [`RateLimiter`]: a token bucket per key (party, token, certificate, or address), refilled
//!   continuously. Used per caller, and per source address for refusals: a source that spent
//!   its budget on refused requests is answered 429 before its credentials are even looked at.
//!   Small on purpose: governor is not in the offline registry, and the rule is one formula.
//! - [`InFlight`]: requests in flight per source address (actix has no per-source connection
//!   cap); above the maximum, 429 at once.
//! - [`Refusals`]: anonymous refusals are written to the audit once per source per minute in
//!   full, the rest of that minute as one entry with their number, so a flood cannot fill the
//!   disk with audit entries.

use crate::security::audit::{Action, AuditSender, Event, Object, Outcome};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request for `key`; `Err` with how long until the next one would be allowed.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    /// Whether `key` has a request left, without taking it.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some((tokens, last)) = buckets.get(key) else {
            return Ok(());
        };
        let refilled =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        if refilled >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle callers now and then, so the map does not grow without bound.
        if buckets.len() > 10_000 {
            let idle = Duration::from_secs_f64(self.burst / self.per_second);
            buckets.retain(|_, (_, last)| now.duration_since(*last) < idle);
        }
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let refilled =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

/// Requests in flight per source address.
pub struct InFlight {
    max: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One request in flight; leaving (drop) frees its place.
pub struct InFlightGuard {
    owner: Arc<InFlight>,
    ip: IpAddr,
}

impl InFlight {
    pub fn new(max: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            max: max.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more request of `ip`; `None` when it already has `max` in flight.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> Option<InFlightGuard> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(InFlightGuard {
            owner: self.clone(),
            ip,
        })
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut counts = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// The minute of one source: when it began, and the refusals not written in full since.
struct Window {
    start: Instant,
    suppressed: u64,
    outcome: Outcome,
}

/// Anonymous refusals, aggregated per source per minute (see the module).
pub struct Refusals {
    window: Duration,
    by_source: Mutex<HashMap<String, Window>>,
    audit: AuditSender,
}

impl Refusals {
    /// Aggregate over `window` (a minute in the server); summaries go to `audit`. A sweeper
    /// thread writes the summary of a minute that ended while its source went quiet.
    pub fn new(window: Duration, audit: AuditSender) -> std::io::Result<Arc<Refusals>> {
        let r = Arc::new(Refusals {
            window,
            by_source: Mutex::new(HashMap::new()),
            audit,
        });
        let weak: Weak<Refusals> = Arc::downgrade(&r);
        let tick = (window / 4).max(Duration::from_millis(50));
        std::thread::Builder::new()
            .name("sluis-refusals".into())
            .spawn(move || loop {
                std::thread::sleep(tick);
                // Ends with the server (the last strong reference is the middleware's).
                let Some(r) = weak.upgrade() else { break };
                r.sweep(Instant::now());
            })?;
        Ok(r)
    }

    /// Note one anonymous refusal of `source`: `true` when it is the first of its minute and
    /// is to be written in full; the others are only counted.
    pub fn note(&self, source: &str, outcome: Outcome) -> bool {
        let now = Instant::now();
        let mut ended = None;
        let first = {
            let mut map = self.by_source.lock().unwrap_or_else(|e| e.into_inner());
            match map.get_mut(source) {
                Some(w) if now.duration_since(w.start) < self.window => {
                    w.suppressed += 1;
                    w.outcome = outcome;
                    false
                }
                Some(w) => {
                    if w.suppressed > 0 {
                        ended = Some((source.to_string(), w.suppressed, w.outcome));
                    }
                    *w = Window {
                        start: now,
                        suppressed: 0,
                        outcome,
                    };
                    true
                }
                None => {
                    map.insert(
                        source.to_string(),
                        Window {
                            start: now,
                            suppressed: 0,
                            outcome,
                        },
                    );
                    true
                }
            }
        };
        if let Some(s) = ended {
            self.write(s);
        }
        first
    }

    /// Write the summaries of the minutes that are over, and forget those sources.
    fn sweep(&self, now: Instant) {
        let ended: Vec<(String, u64, Outcome)> = {
            let mut map = self.by_source.lock().unwrap_or_else(|e| e.into_inner());
            let mut out = Vec::new();
            map.retain(|source, w| {
                if now.duration_since(w.start) < self.window {
                    return true;
                }
                if w.suppressed > 0 {
                    out.push((source.clone(), w.suppressed, w.outcome));
                }
                false
            });
            out
        };
        for s in ended {
            self.write(s);
        }
    }

    fn write(&self, (source, count, outcome): (String, u64, Outcome)) {
        let event = Event {
            actor: "anonymous".into(),
            role: None,
            on_behalf_of: None,
            action: Action::Deny,
            object: Object::new("weigeringen", None),
            client: None,
            outcome,
            source: (!source.is_empty()).then_some(source),
            detail: Some(format!(
                "aantal={count}: geweigerd zonder geldige aanmelding, samengevat per bron per minuut"
            )),
        };
        if let Err(e) = self.audit.send(event) {
            tracing::error!(error = %e, "summary of refusals not written");
        }
    }
}

impl Drop for Refusals {
    /// At shutdown the counts of the current minutes are written too.
    fn drop(&mut self) {
        let map = std::mem::take(&mut *self.by_source.lock().unwrap_or_else(|e| e.into_inner()));
        for (source, w) in map {
            if w.suppressed > 0 {
                self.write((source, w.suppressed, w.outcome));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let l = RateLimiter::new(10, 3);
        let t0 = Instant::now();
        assert!(l.take_at("a", t0).is_ok());
        assert!(l.take_at("a", t0).is_ok());
        assert!(l.take_at("a", t0).is_ok());
        let wait = l.take_at("a", t0).expect_err("burst spent");
        assert!(wait <= Duration::from_millis(100) && wait > Duration::ZERO);
        assert!(l.take_at("b", t0).is_ok(), "per caller");
        assert!(
            l.take_at("a", t0 + Duration::from_millis(100)).is_ok(),
            "refilled"
        );
        assert!(l.take_at("a", t0 + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn in_flight_per_source() {
        let f = InFlight::new(2);
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let g1 = f.enter(a).expect("first");
        let _g2 = f.enter(a).expect("second");
        assert!(f.enter(a).is_none(), "third of the same source");
        assert!(f.enter(b).is_some(), "another source");
        drop(g1);
        assert!(f.enter(a).is_some(), "a place freed");
    }

    #[test]
    fn refusals_are_counted_per_source_per_window() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sled::open(dir.path()).expect("sled");
        let log = crate::security::audit::AuditLog::new(db.open_tree("audit").expect("tree"))
            .expect("log");
        let (tx, writer) = crate::security::audit::spawn_writer(log.clone()).expect("writer");
        let r = Refusals::new(Duration::from_millis(200), tx).expect("refusals");
        assert!(r.note("10.0.0.1", Outcome::Unauthenticated));
        for _ in 0..99 {
            assert!(!r.note("10.0.0.1", Outcome::Denied));
        }
        assert!(r.note("10.0.0.2", Outcome::Unauthenticated), "per source");
        std::thread::sleep(Duration::from_millis(300));
        // The next minute begins with an entry in full; the last one's count was written.
        assert!(r.note("10.0.0.1", Outcome::Unauthenticated));
        r.note("10.0.0.1", Outcome::Unauthenticated);
        drop(r);
        writer.join().expect("writer");
        let all = log
            .query(&crate::security::audit::Filter::default(), 0, 100)
            .expect("query");
        let details: Vec<_> = all.iter().filter_map(|e| e.detail.clone()).collect();
        assert_eq!(details.len(), 2, "{details:?}");
        assert!(details[0].starts_with("aantal=99"), "{details:?}");
        assert!(details[1].starts_with("aantal=1"), "written at shutdown");
    }
}
