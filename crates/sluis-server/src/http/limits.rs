//! Limits against floods (docs/security.md, "Threats and defences"):
//! - [`RateLimiter`]: a rate with a burst per key (party, token, certificate, or address):
//!   governor's GCRA, which is a token bucket refilled continuously. Used per caller, and per
//!   source address for refusals: a source that spent its budget on refused requests is
//!   answered 429 before its credentials are even looked at.
//! - [`InFlight`]: requests in flight per source address (actix has no per-source connection
//!   cap); above the maximum, 429 at once.
//! - [`Refusals`]: anonymous refusals are written to the audit once per source per minute in
//!   full, the rest of that minute as one entry with their number, so a flood cannot fill the
//!   disk with audit entries.

use crate::security::audit::{Action, AuditSender, Event, Object, Outcome};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The rate per key: governor's GCRA with `per_second` and a burst of `burst`.
pub struct RateLimiter {
    gcra: Keyed,
    /// The time one request's budget takes to come back (the wait after a spent burst).
    interval: Duration,
    /// `Some` for a budget that is also checked without spending ([`RateLimiter::check`]):
    /// the keys whose budget is spent, and until when.
    spent: Option<Mutex<HashMap<String, Instant>>>,
}

type Keyed = governor::RateLimiter<
    String,
    governor::state::keyed::DefaultKeyedStateStore<String>,
    governor::clock::DefaultClock,
    governor::middleware::StateInformationMiddleware,
>;

/// Above this many keys the idle ones are forgotten, so the maps do not grow without bound.
const FORGET_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A rate per caller: only [`RateLimiter::take`].
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota =
            governor::Quota::per_second(at_least_one(per_second)).allow_burst(at_least_one(burst));
        RateLimiter {
            gcra: governor::RateLimiter::keyed(quota).with_middleware(),
            interval: quota.replenish_interval(),
            spent: None,
        }
    }

    /// A budget that is spent by [`RateLimiter::take`] and also looked at without spending
    /// ([`RateLimiter::check`]): the refusals per source address.
    pub fn checked(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            spent: Some(Mutex::new(HashMap::new())),
            ..RateLimiter::new(per_second, burst)
        }
    }

    /// Take one request for `key`; `Err` with how long until the next one would be allowed.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        if self.gcra.len() > FORGET_ABOVE {
            self.gcra.retain_recent();
        }
        let key = key.to_string();
        let now = Instant::now();
        let (result, spent_until) = match self.gcra.check_key(&key) {
            // The last of the burst: the next request waits about one interval.
            Ok(state) if state.remaining_burst_capacity() == 0 => {
                (Ok(()), Some(now + self.interval))
            }
            Ok(_) => (Ok(()), None),
            Err(not_until) => {
                let wait = not_until.wait_time_from(now);
                (Err(wait), Some(now + wait))
            }
        };
        if let Some(spent) = &self.spent {
            let mut spent = spent.lock().unwrap_or_else(|e| e.into_inner());
            if spent.len() > FORGET_ABOVE {
                spent.retain(|_, until| *until > now);
            }
            match spent_until {
                Some(until) => spent.insert(key, until),
                None => spent.remove(&key),
            };
        }
        result
    }

    /// Whether `key` has a request left, without taking it (a limiter made with
    /// [`RateLimiter::checked`]; another always says yes).
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let Some(spent) = &self.spent else {
            return Ok(());
        };
        let now = Instant::now();
        match spent.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
            Some(until) if *until > now => Err(*until - now),
            _ => Ok(()),
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
        let l = RateLimiter::new(20, 3);
        assert!(l.take("a").is_ok());
        assert!(l.take("a").is_ok());
        assert!(l.take("a").is_ok());
        let wait = l.take("a").expect_err("burst spent");
        assert!(
            wait <= Duration::from_millis(50) && wait > Duration::ZERO,
            "{wait:?}"
        );
        assert!(l.take("b").is_ok(), "per caller");
        assert!(l.check("a").is_ok(), "a plain limiter is not checked");
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.take("a").is_ok(), "refilled");
        assert!(l.take("a").is_err(), "one came back, not the burst");
    }

    #[test]
    fn a_checked_budget_is_looked_at_without_spending() {
        let l = RateLimiter::checked(20, 2);
        for _ in 0..5 {
            assert!(l.check("10.0.0.1").is_ok(), "looking spends nothing");
        }
        assert!(l.take("10.0.0.1").is_ok());
        assert!(l.check("10.0.0.1").is_ok(), "one left");
        assert!(l.take("10.0.0.1").is_ok());
        let wait = l.check("10.0.0.1").expect_err("spent");
        assert!(wait <= Duration::from_millis(50), "{wait:?}");
        assert!(l.check("10.0.0.2").is_ok(), "per source");
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.check("10.0.0.1").is_ok(), "back after the interval");
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
