//! Logs and metrics. Logs carry message ids, types and parties, never personal data (a BSN is
//! never logged: no log line takes a value out of a message body). Metrics are Prometheus text.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// Log to standard error; `RUST_LOG` filters (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests start several servers) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    bericht: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RetourcodeLabels {
    bericht: String,
    retourcode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartyLabels {
    party: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    party: String,
    outcome: String,
}

pub struct Metrics {
    registry: Registry,
    /// Push delivery (`docs/delivery.md`), per party with an endpoint.
    delivery_backlog: Family<PartyLabels, Gauge>,
    delivery_oldest: Family<PartyLabels, Gauge>,
    delivery_attempts: Family<AttemptLabels, Counter>,
    messages: Family<MessageLabels, Counter>,
    retourcodes: Family<RetourcodeLabels, Counter>,
    latency: Family<MessageLabels, Histogram>,
    store_bytes: Gauge<u64, AtomicU64>,
    store_messages: Gauge<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("sluis");
        let messages = Family::<MessageLabels, Counter>::default();
        let retourcodes = Family::<RetourcodeLabels, Counter>::default();
        let latency = Family::<MessageLabels, Histogram>::new_with_constructor(|| {
            // 100 µs … about 3 s.
            Histogram::new(exponential_buckets(0.0001, 2.0, 16))
        });
        let store_bytes = Gauge::<u64, AtomicU64>::default();
        let store_messages = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "messages",
            "Messages received, by type and outcome",
            messages.clone(),
        );
        registry.register(
            "retourcodes",
            "Findings reported, by message type and retourcode",
            retourcodes.clone(),
        );
        registry.register(
            "ingest_seconds",
            "Time from receiving a message to its durable answer",
            latency.clone(),
        );
        registry.register(
            "store_bytes",
            "Size of the store on disk",
            store_bytes.clone(),
        );
        registry.register(
            "store_messages",
            "Messages in the store",
            store_messages.clone(),
        );
        let delivery_backlog = Family::<PartyLabels, Gauge>::default();
        let delivery_oldest = Family::<PartyLabels, Gauge>::default();
        let delivery_attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "delivery_backlog",
            "Push deliveries not yet delivered, by party (dead letters included)",
            delivery_backlog.clone(),
        );
        registry.register(
            "delivery_oldest_seconds",
            "Age of the oldest undelivered push delivery, by party",
            delivery_oldest.clone(),
        );
        registry.register(
            "delivery_attempts",
            "Push delivery attempts, by party and outcome (bezorgd, fout, mislukt)",
            delivery_attempts.clone(),
        );
        Metrics {
            registry,
            delivery_backlog,
            delivery_oldest,
            delivery_attempts,
            messages,
            retourcodes,
            latency,
            store_bytes,
            store_messages,
        }
    }
}

impl Metrics {
    pub fn message(&self, bericht: &str, outcome: &str, seconds: f64) {
        let labels = MessageLabels {
            bericht: bericht.to_string(),
            outcome: outcome.to_string(),
        };
        self.messages.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    pub fn retourcode(&self, bericht: &str, retourcode: &str) {
        self.retourcodes
            .get_or_create(&RetourcodeLabels {
                bericht: bericht.to_string(),
                retourcode: retourcode.to_string(),
            })
            .inc();
    }

    /// A party's push backlog and the age of its oldest undelivered message.
    pub fn delivery_backlog(&self, party: &str, count: u64, oldest_seconds: i64) {
        let labels = PartyLabels {
            party: party.to_string(),
        };
        self.delivery_backlog
            .get_or_create(&labels)
            .set(i64::try_from(count).unwrap_or(i64::MAX));
        self.delivery_oldest
            .get_or_create(&labels)
            .set(oldest_seconds);
    }

    /// One push attempt's outcome.
    pub fn delivery_attempt(&self, party: &str, outcome: &str) {
        self.delivery_attempts
            .get_or_create(&AttemptLabels {
                party: party.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// The Prometheus text exposition, with the store figures as of now.
    pub fn render(&self, store_bytes: u64, store_messages: u64) -> String {
        self.store_bytes.set(store_bytes);
        self.store_messages.set(store_messages);
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
