//! Logs and metrics (docs/operations.md). Logs carry message ids, types, parties, route
//! templates and request ids, never personal data (a BSN is never logged: no log line takes a
//! value out of a message body or a raw path). Metrics are OpenMetrics text.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::io::IsTerminal;
use std::sync::atomic::AtomicU64;

/// The content type of [`Metrics::render`]: prometheus-client writes OpenMetrics 1.0 text
/// (counters end in `_total`, the exposition ends in `# EOF`).
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One line per event for people; colours only when standard error is a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is no log format: text or json")),
        }
    }
}

/// Log to standard error in `format`; `RUST_LOG` filters (default `info`). Colour codes only
/// for a terminal, and never with `NO_COLOR` set.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (tests start several servers) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => {
            let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(ansi).try_init()
        }
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// What became of a judged message: the one outcome vocabulary of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uitkomst {
    /// No findings: the message goes on to its Ontvanger.
    Geaccepteerd,
    /// A declaratie of which some prestaties were granted and others not.
    Deels,
    /// Findings: the retourbericht names them.
    Afgekeurd,
}

impl Uitkomst {
    pub fn as_str(self) -> &'static str {
        match self {
            Uitkomst::Geaccepteerd => "geaccepteerd",
            Uitkomst::Deels => "deels",
            Uitkomst::Afgekeurd => "afgekeurd",
        }
    }
}

/// Why a message was refused before it was judged (nothing stored, no retourbericht).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weigering {
    Onleesbaar,
    Xsd,
    Schema,
    Geweigerd,
    OnbekendeOntvanger,
    Opslagfout,
}

impl Weigering {
    pub fn as_str(self) -> &'static str {
        match self {
            Weigering::Onleesbaar => "onleesbaar",
            Weigering::Xsd => "xsd",
            Weigering::Schema => "schema",
            Weigering::Geweigerd => "geweigerd",
            Weigering::OnbekendeOntvanger => "onbekende-ontvanger",
            Weigering::Opslagfout => "opslagfout",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    bericht: String,
    uitkomst: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    reden: &'static str,
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route template (`/api/v1/clienten/{bsn}/toewijzingen`), never a raw path.
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    profile: &'static str,
    standaard: &'static str,
}

pub struct Metrics {
    registry: Registry,
    /// Push delivery (`docs/delivery.md`), per party with an endpoint.
    delivery_backlog: Family<PartyLabels, Gauge>,
    delivery_oldest: Family<PartyLabels, Gauge>,
    delivery_attempts: Family<AttemptLabels, Counter>,
    messages: Family<MessageLabels, Counter>,
    refused: Family<RefusalLabels, Counter>,
    retourcodes: Family<RetourcodeLabels, Counter>,
    latency: Family<MessageLabels, Histogram>,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: Family<HttpLabels, Histogram>,
    store_bytes: Gauge<u64, AtomicU64>,
    store_messages: Gauge<u64, AtomicU64>,
    /// The retention policy (`docs/retention.md`).
    retention_removed: Family<RetentionLabels, Counter>,
    retention_kept: Family<KeptLabels, Gauge>,
    retention_last_run: Gauge<u64, AtomicU64>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RetentionLabels {
    /// `payload`, `bericht` or `audit`.
    wat: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeptLabels {
    /// `onbevestigd`, `onbezorgd` or `mislukt`.
    reden: &'static str,
}

/// 100 µs … about 3 s.
fn seconds_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let messages = Family::<MessageLabels, Counter>::default();
        let refused = Family::<RefusalLabels, Counter>::default();
        let retourcodes = Family::<RetourcodeLabels, Counter>::default();
        let latency = Family::<MessageLabels, Histogram>::new_with_constructor(seconds_buckets);
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_seconds = Family::<HttpLabels, Histogram>::new_with_constructor(seconds_buckets);
        let store_bytes = Gauge::<u64, AtomicU64>::default();
        let store_messages = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "sluis_messages",
            "Messages judged, by message type and outcome (geaccepteerd, deels, afgekeurd)",
            messages.clone(),
        );
        registry.register(
            "sluis_messages_refused",
            "Messages refused before judging, by reason; nothing was stored",
            refused.clone(),
        );
        registry.register(
            "sluis_retourcodes",
            "Findings reported, by message type and retourcode",
            retourcodes.clone(),
        );
        registry.register(
            "sluis_ingest_seconds",
            "Time from receiving a message to its durable answer, by message type and outcome",
            latency.clone(),
        );
        registry.register(
            "sluis_http_requests",
            "HTTP requests answered, by method, route template and status",
            http_requests.clone(),
        );
        registry.register(
            "sluis_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status",
            http_seconds.clone(),
        );
        registry.register(
            "sluis_store_bytes",
            "Size of the store on disk",
            store_bytes.clone(),
        );
        registry.register(
            "sluis_store_messages",
            "Messages in the store",
            store_messages.clone(),
        );
        let delivery_backlog = Family::<PartyLabels, Gauge>::default();
        let delivery_oldest = Family::<PartyLabels, Gauge>::default();
        let delivery_attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "sluis_delivery_backlog",
            "Push deliveries not yet delivered, by party (dead letters included)",
            delivery_backlog.clone(),
        );
        registry.register(
            "sluis_delivery_oldest_seconds",
            "Age of the oldest undelivered push delivery, by party",
            delivery_oldest.clone(),
        );
        registry.register(
            "sluis_delivery_attempts",
            "Push delivery attempts, by party and outcome (bezorgd, fout, mislukt)",
            delivery_attempts.clone(),
        );
        registry.register(
            "sluis_build",
            "The running build: version, profile and the standards it speaks",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                profile: if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                },
                standaard: "iJw 3.2, iWmo 3.2",
            }),
        );
        let retention_removed = Family::<RetentionLabels, Counter>::default();
        let retention_kept = Family::<KeptLabels, Gauge>::default();
        let retention_last_run = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "sluis_retention_removed",
            "Removed by the retention policy: message payloads, whole messages, audit entries",
            retention_removed.clone(),
        );
        registry.register(
            "sluis_retention_kept",
            "Messages past their payload term kept at the last run, by reason",
            retention_kept.clone(),
        );
        registry.register(
            "sluis_retention_last_run_seconds",
            "When the retention policy last ran (Unix time)",
            retention_last_run.clone(),
        );
        registry.register_collector(Box::new(Process {
            created: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or_default(),
        }));
        Metrics {
            registry,
            delivery_backlog,
            delivery_oldest,
            delivery_attempts,
            messages,
            refused,
            retourcodes,
            latency,
            http_requests,
            http_seconds,
            store_bytes,
            store_messages,
            retention_removed,
            retention_kept,
            retention_last_run,
        }
    }
}

impl Metrics {
    /// A judged message.
    pub fn message(&self, bericht: &str, uitkomst: Uitkomst, seconds: f64) {
        let labels = MessageLabels {
            bericht: bericht.to_string(),
            uitkomst: uitkomst.as_str(),
        };
        self.messages.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// A message refused before judging.
    pub fn refused(&self, reden: Weigering) {
        self.refused
            .get_or_create(&RefusalLabels {
                reden: reden.as_str(),
            })
            .inc();
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

    /// An answered HTTP request; `route` is the template the request matched (or `-`).
    pub fn http(&self, method: &str, route: &'static str, status: u16, seconds: f64) {
        let labels = HttpLabels {
            method: method.to_string(),
            route,
            status,
        };
        self.http_requests.get_or_create(&labels).inc();
        self.http_seconds.get_or_create(&labels).observe(seconds);
    }

    /// The OpenMetrics text exposition ([`METRICS_CONTENT_TYPE`]), with the store figures
    /// and the process figures as of now.
    /// A retention run that removed (`docs/retention.md`).
    pub fn retention(&self, v: &crate::gateway::retention::Verslag) {
        for (wat, n) in [
            ("payload", v.payloads),
            ("bericht", v.berichten),
            ("dossier", v.dossiers),
            ("audit", v.audit),
        ] {
            self.retention_removed
                .get_or_create(&RetentionLabels { wat })
                .inc_by(n);
        }
        for (reden, n) in [
            ("onbevestigd", v.bewaard_onbevestigd),
            ("onbezorgd", v.bewaard_onbezorgd),
            ("mislukt", v.bewaard_mislukt),
        ] {
            self.retention_kept
                .get_or_create(&KeptLabels { reden })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        self.retention_last_run.set(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
        );
    }

    pub fn render(&self, store_bytes: u64, store_messages: u64) -> String {
        self.store_bytes.set(store_bytes);
        self.store_messages.set(store_messages);
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The process figures Prometheus' client libraries call `process_*`, read from `/proc` on
/// every scrape (Linux; elsewhere they are left out).
#[derive(Debug)]
struct Process {
    /// When the metrics were made (at startup): the start time where `/proc/stat` is hidden
    /// (systemd's `ProcSubset=pid`).
    created: f64,
}

/// What `/proc/self` says now.
#[derive(Debug, Default, PartialEq)]
struct ProcessFigures {
    cpu_seconds: Option<f64>,
    resident_bytes: Option<u64>,
    virtual_bytes: Option<u64>,
    start_time_seconds: Option<f64>,
    open_fds: Option<u64>,
    max_fds: Option<u64>,
}

/// Clock ticks per second of `/proc/<pid>/stat`: 100 on every Linux this runs on (USER_HZ).
const TICKS: f64 = 100.0;
const PAGE: u64 = 4096;

impl ProcessFigures {
    fn read() -> ProcessFigures {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let boot = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| boot_time(&s));
        let mut f = parse_stat(&stat, boot);
        f.open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| d.count() as u64);
        f.max_fds = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|s| max_fds(&s));
        f
    }
}

/// The fields of `/proc/self/stat` after the command name (which may hold spaces): utime
/// and stime (14, 15), starttime (22), vsize (23), rss in pages (24).
fn parse_stat(stat: &str, boot_time: Option<u64>) -> ProcessFigures {
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return ProcessFigures::default();
    };
    // `rest` starts at field 3 (state).
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    ProcessFigures {
        cpu_seconds: field(14)
            .zip(field(15))
            .map(|(u, s)| (u + s) as f64 / TICKS),
        start_time_seconds: field(22)
            .zip(boot_time)
            .map(|(t, boot)| boot as f64 + t as f64 / TICKS),
        virtual_bytes: field(23),
        resident_bytes: field(24).map(|p| p * PAGE),
        ..ProcessFigures::default()
    }
}

fn boot_time(proc_stat: &str) -> Option<u64> {
    proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

fn max_fds(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
}

impl Collector for Process {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let f = ProcessFigures::read();
        let started = f.start_time_seconds.or(Some(self.created));
        if let Some(v) = f.cpu_seconds {
            let m = ConstCounter::new(v);
            m.encode(encoder.encode_descriptor(
                "process_cpu_seconds",
                "User and system CPU time spent, in seconds",
                None,
                m.metric_type(),
            )?)?;
        }
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                f.resident_bytes.map(|v| v as f64),
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                f.virtual_bytes.map(|v| v as f64),
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since the Unix epoch, in seconds",
                started,
            ),
            (
                "process_open_fds",
                "Open file descriptors",
                f.open_fds.map(|v| v as f64),
            ),
            (
                "process_max_fds",
                "Most file descriptors the process may open",
                f.max_fds.map(|v| v as f64),
            ),
        ];
        for (name, help, value) in gauges {
            if let Some(v) = value {
                let m = ConstGauge::new(v);
                m.encode(encoder.encode_descriptor(name, help, None, m.metric_type())?)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stat_line_is_read_past_a_command_name_with_spaces() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss …
        let stat = "42 (sluis (x) y) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 8 0 \
                    1000 123456789 2560 18446744073709551615";
        let f = parse_stat(stat, Some(1_700_000_000));
        assert_eq!(f.cpu_seconds, Some(3.0));
        assert_eq!(f.start_time_seconds, Some(1_700_000_010.0));
        assert_eq!(f.virtual_bytes, Some(123_456_789));
        assert_eq!(f.resident_bytes, Some(2560 * 4096));
        assert_eq!(parse_stat("garbage", None), ProcessFigures::default());
        assert_eq!(
            boot_time("cpu 1 2\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
        assert_eq!(
            max_fds("Limit Soft Hard Units\nMax open files            1024                 524288               files\n"),
            Some(1024)
        );
    }

    #[test]
    fn the_exposition_is_openmetrics_with_one_vocabulary() {
        let m = Metrics::default();
        m.message("JW301", Uitkomst::Geaccepteerd, 0.01);
        m.message("JW323", Uitkomst::Deels, 0.01);
        m.refused(Weigering::Xsd);
        m.retourcode("JW323", "8001");
        m.http("GET", "/api/v1/clienten/{bsn}/toewijzingen", 200, 0.002);
        let text = m.render(10, 2);
        for line in [
            r#"sluis_messages_total{bericht="JW301",uitkomst="geaccepteerd"} 1"#,
            r#"sluis_messages_total{bericht="JW323",uitkomst="deels"} 1"#,
            r#"sluis_messages_refused_total{reden="xsd"} 1"#,
            r#"sluis_retourcodes_total{bericht="JW323",retourcode="8001"} 1"#,
            r#"sluis_http_requests_total{method="GET",route="/api/v1/clienten/{bsn}/toewijzingen",status="200"} 1"#,
            r#"sluis_build_info{version=""#,
            "sluis_store_messages 2",
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
        if cfg!(target_os = "linux") {
            for name in [
                "process_resident_memory_bytes ",
                "process_open_fds ",
                "process_start_time_seconds ",
                "process_cpu_seconds_total ",
            ] {
                assert!(text.contains(name), "{name} missing");
            }
        }
        assert!(text.ends_with("# EOF\n"), "OpenMetrics ends in # EOF");
    }
}
