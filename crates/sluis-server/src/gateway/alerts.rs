//! Alerts to the operator about push delivery and the parties (`docs/delivery.md`,
//! "Alerts"): a JSON webhook and e-mail (SMTP through lettre, over the one rustls) when a
//! party's oldest undelivered message is older than the threshold, on every dead letter, and
//! when a party's rejection rate jumps. A condition alerts once when it starts and once when
//! it is over; nothing in between.

use super::Gateway;
use crate::delivery::settings::{AlertSettings, EmailSettings};
use crate::delivery::DeliveryStatus;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// What happened, for the alert task.
enum Event {
    Dead(DeliveryStatus),
    Judged { party: String, rejected: bool },
}

/// The gateway's side: events go to the alert task once it runs (never piling up without one).
pub struct AlertBus {
    tx: mpsc::UnboundedSender<Event>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Event>>>,
    active: AtomicBool,
}

impl Default for AlertBus {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        AlertBus {
            tx,
            rx: Mutex::new(Some(rx)),
            active: AtomicBool::new(false),
        }
    }
}

impl AlertBus {
    fn send(&self, e: Event) {
        if self.active.load(Ordering::Relaxed) {
            let _ = self.tx.send(e);
        }
    }

    /// A delivery became a dead letter.
    pub fn dead_letter(&self, d: &DeliveryStatus) {
        self.send(Event::Dead(d.clone()));
    }

    /// A message of `party` was judged (and stored).
    pub fn judged(&self, party: &str, rejected: bool) {
        self.send(Event::Judged {
            party: party.to_string(),
            rejected,
        });
    }
}

/// One alert, as the webhook gets it (JSON) and the e-mail says it.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `achterstand`, `achterstand-voorbij`, `onbezorgbaar`, `afkeur`, `afkeur-voorbij`.
    pub soort: &'static str,
    pub partij: String,
    pub tekst: String,
    pub tijd: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bericht_id: Option<u64>,
}

fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn alert(soort: &'static str, partij: &str, tekst: String) -> Alert {
    Alert {
        soort,
        partij: partij.to_string(),
        tekst,
        tijd: now_text(),
        bericht_id: None,
    }
}

/// Where alerts go.
struct Outlets {
    webhook: Option<(reqwest::Client, String)>,
    email: Option<(AsyncSmtpTransport<Tokio1Executor>, EmailSettings)>,
}

fn smtp(e: &EmailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let (host, port) = e
        .smtp
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .ok_or("delivery.alerts.email.smtp: host:poort")?;
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(port)
        .hello_name(ClientId::Domain("sluis".into()))
        .timeout(Some(Duration::from_secs(10)));
    let builder = match e.tls.as_str() {
        "none" => builder.tls(Tls::None),
        mode => {
            let mut p = TlsParameters::builder(host);
            if let Some(ca) = &e.ca {
                let pem = std::fs::read(ca).map_err(|err| format!("{}: {err}", ca.display()))?;
                p = p.add_root_certificate(
                    Certificate::from_pem(&pem)
                        .map_err(|err| format!("{}: {err}", ca.display()))?,
                );
            }
            let params = p.build_rustls().map_err(|err| err.to_string())?;
            builder.tls(if mode == "tls" {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            })
        }
    };
    Ok(builder.build())
}

fn webhook_client(s: &AlertSettings) -> Result<reqwest::Client, String> {
    // The webhook's CA is its only trust anchor (none: http to loopback only, checked).
    let tls = crate::delivery::tls::client_config(s.webhook_ca.as_deref(), None)
        .map_err(|e| format!("delivery.alerts.webhook_ca: {e}"))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())
}

impl Outlets {
    fn new(s: &AlertSettings) -> Result<Outlets, String> {
        Ok(Outlets {
            webhook: match &s.webhook {
                Some(url) => Some((webhook_client(s)?, url.clone())),
                None => None,
            },
            email: match &s.email {
                Some(e) => Some((smtp(e)?, e.clone())),
                None => None,
            },
        })
    }

    fn any(&self) -> bool {
        self.webhook.is_some() || self.email.is_some()
    }

    /// Send to every outlet; a failure is logged (an alert must never stop the gateway).
    async fn send(&self, a: &Alert) {
        tracing::warn!(soort = a.soort, partij = %a.partij, tekst = %a.tekst, "alert");
        if let Some((client, url)) = &self.webhook {
            match client.post(url).json(a).send().await {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::error!(status = r.status().as_u16(), "alert webhook refused"),
                Err(e) => tracing::error!(error = %e.without_url(), "alert webhook unreachable"),
            }
        }
        if let Some((transport, e)) = &self.email {
            if let Err(err) = mail(transport, e, a).await {
                tracing::error!(error = %err, "alert e-mail not sent");
            }
        }
    }
}

async fn mail(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    e: &EmailSettings,
    a: &Alert,
) -> Result<(), String> {
    let from: lettre::Address = e.from.parse().map_err(|x| format!("{x}"))?;
    let to =
        e.to.iter()
            .map(|t| t.parse::<lettre::Address>().map_err(|x| format!("{x}")))
            .collect::<Result<Vec<_>, _>>()?;
    let envelope = lettre::address::Envelope::new(Some(from), to).map_err(|x| x.to_string())?;
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    // Plain ASCII headers (no encoded words needed); the body is UTF-8.
    let subject: String = format!("[Sluis] {} {}", a.soort, a.partij)
        .chars()
        .filter(char::is_ascii)
        .collect();
    let body = format!(
        "From: {}\r\nTo: {}\r\nSubject: {subject}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n\r\n{}\r\n",
        e.from,
        e.to.join(", "),
        a.tekst,
        serde_json::to_string_pretty(a).unwrap_or_default()
    );
    transport
        .send_raw(&envelope, body.as_bytes())
        .await
        .map(|_| ())
        .map_err(|x| x.to_string())
}

/// A party's rejection rate per window of messages, against its usual rate.
#[derive(Default)]
struct Rate {
    n: u64,
    rejected: u64,
    /// The usual rate: the average of the windows without an alert (none yet: no baseline).
    usual: Option<f64>,
    windows: u64,
    alerting: bool,
}

/// Whether the configured outlets can be built (files readable): checked at the start.
pub fn check(s: &AlertSettings) -> Result<(), String> {
    Outlets::new(s).map(|_| ())
}

/// Start the alert task when alerts are configured (`None` otherwise).
pub fn start(gw: Arc<Gateway>, stop: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
    let s = gw.settings.delivery.alerts.clone();
    let outlets = match Outlets::new(&s) {
        Ok(o) if o.any() => o,
        Ok(_) => return None,
        Err(e) => {
            tracing::error!(error = %e, "alerts cannot be sent");
            return None;
        }
    };
    let rx = gw.alerts.rx.lock().ok()?.take()?;
    gw.alerts.active.store(true, Ordering::Relaxed);
    Some(tokio::spawn(run(gw, s, outlets, rx, stop)))
}

/// Per party with an endpoint, the age in seconds of its oldest undelivered message (0: none);
/// a party whose outbox cannot be read is left out (logged).
fn oldest_ages(gw: &Gateway) -> Vec<(String, u64)> {
    let now = crate::delivery::epoch_ms(time::OffsetDateTime::now_utc());
    let mut out = Vec::new();
    for e in &gw.settings.delivery.endpoints {
        match gw.store.outbox_heads(&e.party) {
            Ok(heads) => {
                let oldest = heads.iter().map(|(_, d)| d.created_ms).min();
                out.push((
                    e.party.clone(),
                    oldest.map_or(0, |o| (now - o).max(0) / 1000) as u64,
                ));
            }
            Err(err) => tracing::error!(party = %e.party, error = %err, "outbox unreadable"),
        }
    }
    out
}

async fn run(
    gw: Arc<Gateway>,
    s: AlertSettings,
    outlets: Outlets,
    mut rx: mpsc::UnboundedReceiver<Event>,
    mut stop: watch::Receiver<bool>,
) {
    let mut late: HashSet<String> = HashSet::new();
    let mut rates: HashMap<String, Rate> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(s.check_ms));
    // After a slow webhook or mail server: look once, not a burst of missed looks.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let jump = f64::from(s.rejection_jump_pct) / 100.0;
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                None => break,
                Some(Event::Dead(d)) => {
                    let mut a = alert("onbezorgbaar", &d.party, format!(
                        "bericht {} ({}) aan {} is na {} pogingen niet bezorgd: {}",
                        d.bericht_id, d.kind, d.party, d.attempts,
                        d.last_error.as_deref().unwrap_or("onbekende fout")
                    ));
                    a.bericht_id = Some(d.bericht_id);
                    outlets.send(&a).await;
                }
                Some(Event::Judged { party, rejected }) => {
                    let r = rates.entry(party.clone()).or_default();
                    r.n += 1;
                    r.rejected += u64::from(rejected);
                    if r.n < s.window_messages {
                        continue;
                    }
                    let rate = r.rejected as f64 / r.n as f64;
                    (r.n, r.rejected) = (0, 0);
                    let Some(usual) = r.usual else {
                        r.usual = Some(rate);
                        r.windows = 1;
                        continue;
                    };
                    if !r.alerting && rate - usual >= jump {
                        r.alerting = true;
                        outlets.send(&alert("afkeur", &party, format!(
                            "{party}: {:.0} % van de laatste {} berichten afgekeurd, gewoonlijk {:.0} %",
                            rate * 100.0, s.window_messages, usual * 100.0
                        ))).await;
                    } else if r.alerting && rate - usual < jump / 2.0 {
                        r.alerting = false;
                        outlets.send(&alert("afkeur-voorbij", &party, format!(
                            "{party}: afkeur weer {:.0} % (gewoonlijk {:.0} %)",
                            rate * 100.0, usual * 100.0
                        ))).await;
                    }
                    if !r.alerting {
                        // The usual rate follows the windows without an alert.
                        r.windows += 1;
                        r.usual = Some(usual + (rate - usual) / r.windows.min(20) as f64);
                    }
                }
            },
            _ = tick.tick() => {
                // One read per lane of every party: on the blocking pool, off the thread the
                // delivery tasks share.
                let reader = gw.clone();
                let ages = match tokio::task::spawn_blocking(move || oldest_ages(&reader)).await {
                    Ok(ages) => ages,
                    Err(e) => {
                        tracing::error!(error = %e, "backlog not measured");
                        continue;
                    }
                };
                for (party, age) in ages {
                    if age > s.oldest_seconds && late.insert(party.clone()) {
                        outlets.send(&alert("achterstand", &party, format!(
                            "{party}: het oudste onbezorgde bericht wacht {age} s (drempel {} s)",
                            s.oldest_seconds
                        ))).await;
                    } else if age <= s.oldest_seconds && late.remove(&party) {
                        outlets.send(&alert("achterstand-voorbij", &party, format!(
                            "{party}: achterstand ingehaald (oudste nu {age} s)"
                        ))).await;
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
}
