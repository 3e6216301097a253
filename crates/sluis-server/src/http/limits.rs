//! Request rate per caller: a token bucket per key (party, token, certificate, or address),
//! refilled continuously. Small on purpose: no rate-limiting crate is available to this build
//! (governor is not in the offline registry), and the rule is one formula.

use std::collections::HashMap;
use std::sync::Mutex;
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
}
