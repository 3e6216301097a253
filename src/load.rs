//! `sluis bench-load`: post a realistic mix of messages to a running gateway with many clients at
//! once and report throughput, latency percentiles, the server's memory and the store's bytes per
//! message. Only loopback addresses are accepted: this is a measuring tool, not a load on others.

use crate::demo::{with_token, Tokens};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The mix: trajectories as they happen, toewijzing (gemeente → aanbieder), start and stop
/// (aanbieder → gemeente), in both standards, each for its own client and toewijzingnummer, so
/// most messages are accepted and change the history. Every few trajectories also has a message
/// that is rejected on the history (a second start on the same toewijzing). Templates are our
/// fixtures; every post gets its own identificatie.
const TRAJECTORY: [[&str; 3]; 2] = [
    [
        include_str!("../fixtures/ijw-3.2/JW301/valid/minimaal.xml"),
        include_str!("../fixtures/ijw-3.2/JW305/valid/minimaal.xml"),
        include_str!("../fixtures/ijw-3.2/JW307/valid/minimaal.xml"),
    ],
    [
        include_str!("../fixtures/iwmo-3.2/WMO301/valid/minimaal.xml"),
        include_str!("../fixtures/iwmo-3.2/WMO305/valid/minimaal.xml"),
        include_str!("../fixtures/iwmo-3.2/WMO307/valid/minimaal.xml"),
    ],
];

/// The templates' client and toewijzing, replaced per trajectory.
const TEMPLATE_BSN: &str = ">999990019<";
const TEMPLATE_NUMMER: &str = ">7001<";

/// A nine-digit number passing the elfproef, different for every `n`.
fn bsn(n: u64) -> String {
    let mut base = 100_000_000 + (n * 7) % 800_000_000;
    loop {
        let digits: Vec<u64> = format!("{base:09}")
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        let sum: i64 = digits[..8]
            .iter()
            .enumerate()
            .map(|(i, d)| (9 - i as i64) * *d as i64)
            .sum::<i64>()
            - digits[8] as i64;
        if sum % 11 == 0 {
            return format!("{base:09}");
        }
        base += 1;
    }
}

/// Message `step` (0 toewijzing, 1 start, 2 stop, 3 the start again) of trajectory `t`.
pub fn trajectory_message(t: u64, step: usize, id: &str) -> String {
    let [toewijzing, start, stop] = TRAJECTORY[(t % 2) as usize];
    let template = [toewijzing, start, stop, start][step.min(3)];
    with_identificatie(template, id)
        .replacen(TEMPLATE_BSN, &format!(">{}<", bsn(t)), 1)
        .replacen(TEMPLATE_NUMMER, &format!(">{}<", 100_000 + t), 1)
}

/// The Afzender of a message made from our templates (the text of `<…Afzender>`).
pub fn afzender(body: &str) -> Option<&str> {
    let rest = &body[body.find("Afzender>")? + "Afzender>".len()..];
    Some(rest[..rest.find('<')?].trim())
}

pub struct LoadOptions {
    /// Base URL of the gateway, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub clients: usize,
    pub messages: u64,
    /// The server's process id, to read its resident memory.
    pub server_pid: Option<u32>,
    /// Prefix of the identificaties, so runs against one store do not collide.
    pub run_id: String,
    /// The tokens the senders post with (the gemeente its toewijzingen, the aanbieder its
    /// starts and stops) and the operator reads `/metrics` with; from the configuration's demo
    /// tokens ([`Tokens::from_settings`]).
    pub tokens: Tokens,
    /// The CA (PEM) to trust when the gateway speaks TLS (`https://` URL).
    pub ca_cert: Option<std::path::PathBuf>,
    /// The aanbieders the trajectories go to in turn (empty: 12345678 only, the templates').
    pub aanbieders: Vec<String>,
}

/// A client trusting `ca` (PEM) only, on ring.
fn tls_client(
    builder: reqwest::ClientBuilder,
    ca: &std::path::Path,
) -> Result<reqwest::ClientBuilder, String> {
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots
            .add(c.map_err(|e| format!("{}: {e}", ca.display()))?)
            .map_err(|e| e.to_string())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

#[derive(Debug)]
pub struct LoadReport {
    pub messages: u64,
    pub failures: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub server_rss_mb: Option<f64>,
    pub store_bytes: Option<u64>,
    pub store_messages: Option<u64>,
    /// Messages the gateway accepted (no findings), from its metrics.
    pub accepted: Option<u64>,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "messages   {} ({} failed) in {:.1} s",
            self.messages, self.failures, self.seconds
        )?;
        writeln!(f, "throughput {:.0} messages/s", self.per_second)?;
        writeln!(
            f,
            "latency    p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.p50_ms, self.p99_ms, self.max_ms
        )?;
        if let Some(a) = self.accepted {
            writeln!(
                f,
                "accepted   {a} (the rest rejected on the history, as the mix intends)"
            )?;
        }
        if let Some(rss) = self.server_rss_mb {
            writeln!(f, "server RSS {rss:.0} MB")?;
        }
        if let (Some(bytes), Some(n)) = (self.store_bytes, self.store_messages) {
            let per = bytes.checked_div(n).unwrap_or(0);
            writeln!(
                f,
                "store      {} messages, {:.1} MB on disk, {per} bytes per message",
                n,
                bytes as f64 / 1e6
            )?;
        }
        Ok(())
    }
}

/// The message with the given identificatie in place of the template's (the first
/// `Identificatie` element, the one in the header).
fn with_identificatie(template: &str, id: &str) -> String {
    let Some(at) = template.find(":Identificatie>") else {
        return template.to_string();
    };
    let start = at + ":Identificatie>".len();
    let Some(len) = template[start..].find('<') else {
        return template.to_string();
    };
    format!("{}{id}{}", &template[..start], &template[start + len..])
}

fn loopback_only(url: &str) -> Result<(), String> {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|h| h.rsplit_once(':').map_or(h, |(h, _)| h))
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .unwrap_or("");
    let ok = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if ok {
        Ok(())
    } else {
        Err(format!("{url}: bench-load only targets loopback addresses"))
    }
}

/// Resident memory of a process, from `/proc` (Linux).
pub fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A value of the gateway's `/metrics`.
async fn metric(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    name: &str,
) -> Option<u64> {
    let text = with_token(client.get(format!("{url}/metrics")), token)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| v as u64)
}

/// The sum of `sluis_messages_total` with uitkomst `geaccepteerd`.
async fn accepted(client: &reqwest::Client, url: &str, token: Option<&str>) -> Option<u64> {
    let text = with_token(client.get(format!("{url}/metrics")), token)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some(
        text.lines()
            .filter(|l| {
                l.starts_with("sluis_messages_total{") && l.contains(r#"uitkomst="geaccepteerd""#)
            })
            .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
            .sum::<f64>() as u64,
    )
}

pub async fn run(opts: LoadOptions) -> Result<LoadReport, String> {
    loopback_only(&opts.url)?;
    let mut builder = crate::client::builder().pool_max_idle_per_host(opts.clients);
    if let Some(ca) = &opts.ca_cert {
        builder = tls_client(builder, ca)?;
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let clients = opts.clients.max(1) as u64;
    let bar = crate::client::progress(opts.messages, "bench-load");
    for client_nr in 0..clients {
        let client = client.clone();
        let next = next.clone();
        let failures = failures.clone();
        let url = format!("{}/api/v1/berichten", opts.url);
        let run_id = opts.run_id.clone();
        let tokens = opts.tokens.clone();
        let total = opts.messages;
        let aanbieders = opts.aanbieders.clone();
        let bar = bar.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            // Each client walks its own trajectories in order, so a start never overtakes its
            // toewijzing; every fifth one repeats its start (rejected: 9074/9326).
            let mut t = client_nr;
            loop {
                let steps = if t % 5 == 4 { 4 } else { 3 };
                for step in 0..steps {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        return latencies;
                    }
                    // At most 12 characters: the standard's limit for an identificatie.
                    let id = format!("{run_id}{n:08}");
                    let mut body = trajectory_message(t, step, &id);
                    if !aanbieders.is_empty() {
                        let agb = &aanbieders[(t % aanbieders.len() as u64) as usize];
                        body = body.replace(">12345678<", &format!(">{agb}<"));
                    }
                    let token = afzender(&body).and_then(|a| tokens.party(a));
                    let start = Instant::now();
                    // A 429 or 503 with Retry-After is waited out, not counted as a failure.
                    let sent = crate::client::send_patiently(
                        with_token(client.post(&url), token)
                            .header("Content-Type", "application/xml")
                            .body(body),
                    )
                    .await;
                    bar.inc(1);
                    let ok = match sent {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    latencies.push(start.elapsed());
                    if !ok {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                t += clients;
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())?);
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i.min(latencies.len() - 1)].as_secs_f64() * 1e3
    };
    let messages = latencies.len() as u64;
    let operator = opts.tokens.operator();
    Ok(LoadReport {
        messages,
        failures: failures.load(Ordering::Relaxed),
        seconds,
        per_second: messages as f64 / seconds.max(1e-9),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        server_rss_mb: opts.server_pid.and_then(rss_mb),
        store_bytes: metric(&client, &opts.url, operator, "sluis_store_bytes").await,
        store_messages: metric(&client, &opts.url, operator, "sluis_store_messages").await,
        accepted: accepted(&client, &opts.url, operator).await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_are_valid_messages_for_their_own_client() {
        for t in [0, 1, 17, 123_456] {
            for step in 0..4 {
                let m = trajectory_message(t, step, "LOAD00000001");
                let sender = if step == 0 { "0599" } else { "12345678" };
                assert_eq!(afzender(&m), Some(sender), "the sender's token is chosen");
                assert!(m.contains(">LOAD00000001<"));
                assert!(m.contains(&format!(">{}<", bsn(t))), "client replaced");
                assert!(
                    m.contains(&format!(">{}<", 100_000 + t)),
                    "toewijzing replaced"
                );
                let v = crate::validate(m.as_bytes(), &crate::Limits::default()).expect("readable");
                assert!(v.is_valid(), "{:?}", v.findings);
            }
        }
        assert_ne!(bsn(1), bsn(2));
    }

    #[test]
    fn a_trajectory_is_accepted_on_the_history() {
        use crate::validate::history::{self, MemoryHistory};
        let mut h = MemoryHistory::default();
        let ext = history::External::default();
        for step in 0..4 {
            let m = trajectory_message(7, step, &format!("T{step}"));
            let v = crate::validate(m.as_bytes(), &crate::Limits::default()).expect("readable");
            let findings = history::check(&v.document, &h, &ext);
            // The repeated start (step 3) is the one rejection.
            assert_eq!(findings.is_empty(), step < 3, "step {step}: {findings:?}");
            h.apply(&history::accepted_effects(&v.document, &findings));
        }
    }

    #[test]
    fn only_loopback_is_a_target() {
        assert!(loopback_only("http://127.0.0.1:8080").is_ok());
        assert!(loopback_only("http://localhost:8080").is_ok());
        assert!(loopback_only("http://[::1]:8080").is_ok());
        assert!(loopback_only("http://10.0.0.1:8080").is_err());
        assert!(loopback_only("http://example.org").is_err());
    }
}
