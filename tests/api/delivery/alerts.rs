//! Alerts (`docs/delivery.md`, "Alerts"): a webhook and e-mail through a local SMTP sink, on
//! every dead letter, once when a party's backlog gets too old and once when it is over, and
//! once when a party's rejection rate jumps and once when it is back; nothing repeated.

use super::endpoint;
use super::fake::{free_port, FakeParty, Mode};
use crate::helpers::{settings, spawn_app_with};
use crate::scenario::trajectory::{toewijzing, verzoek, Client, Tw, UNKNOWN_CODE};
use reqwest::Method;
use serde_json::Value;
use sluis::delivery::settings::{AlertSettings, DeliverySettings, EmailSettings};
use sluis_testkit::bericht::Std;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A tiny SMTP server that accepts every message and keeps its DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    actix_web::rt::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let kept = kept.clone();
            actix_web::rt::spawn(async move {
                let (read, mut write) = conn.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            kept.lock().expect("lock").push(data);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, mails)
}

/// A client of its own (the elfproef holds) with a toewijzing numbered `n`.
fn client(n: u32) -> Client {
    let mut base = 100_000_000u64 + u64::from(n) * 1_013;
    let bsn = loop {
        let s = format!("{base:09}");
        if sluis_testkit::jaar::elfproef(&s) {
            break s;
        }
        base += 1;
    };
    Client {
        bsn: Box::leak(bsn.into_boxed_str()),
        nummer: Box::leak(format!("{}", 80_000 + n).into_boxed_str()),
        referentie: Box::leak(format!("AL-{n}").into_boxed_str()),
    }
}

fn alerts(hook: &FakeParty) -> Vec<Value> {
    hook.offers()
        .iter()
        .filter_map(|o| serde_json::from_str(&o.body).ok())
        .collect()
}

fn count(all: &[Value], soort: &str, partij: &str) -> usize {
    all.iter()
        .filter(|a| a["soort"] == soort && a["partij"] == partij)
        .count()
}

async fn until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < end, "{what} not within {within:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn alerts_go_to_the_webhook_and_by_mail_once_per_condition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hook = FakeParty::start(Mode::Up);
    let (smtp_port, mails) = smtp_sink().await;
    let down = free_port();
    let mut s = settings(dir.path());
    s.delivery = DeliverySettings {
        max_attempts: 2,
        backoff_ms: 20,
        max_backoff_ms: 40,
        endpoints: vec![endpoint("12345678", &format!("http://127.0.0.1:{down}/in"))],
        alerts: AlertSettings {
            webhook: Some(hook.url.clone()),
            email: Some(EmailSettings {
                smtp: format!("127.0.0.1:{smtp_port}"),
                from: "sluis@sluisdam.example".into(),
                to: vec!["beheer@sluisdam.example".into()],
                tls: "none".into(),
                ca: None,
            }),
            oldest_seconds: 1,
            rejection_jump_pct: 50,
            window_messages: 4,
            check_ms: 200,
            ..AlertSettings::default()
        },
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    let post = |xml: String| {
        let app = &app;
        async move {
            // A real address (the builder's placeholder is refused by CD034).
            let xml = crate::security::with_postcode(xml);
            let r = app
                .send(Method::POST, "/api/v1/berichten", "application/xml", xml)
                .await;
            assert!(r.status.is_success(), "{}", r.body);
            r.json()
        }
    };
    // Four good toewijzingen (the usual rate: 0 %), to an aanbieder that is down.
    for n in 0..4 {
        post(verzoek(Std::Ijw, &format!("AV{n}"), client(n))).await;
        post(toewijzing(
            Std::Ijw,
            &format!("AG{n}"),
            client(n),
            &Tw::default(),
        ))
        .await;
    }
    // Every delivery becomes a dead letter (one lane per client): one alert each.
    until("dead letter alerts", Duration::from_secs(30), || {
        count(&alerts(&hook), "onbezorgbaar", "12345678") == 4
    })
    .await;
    until("backlog alert", Duration::from_secs(30), || {
        count(&alerts(&hook), "achterstand", "12345678") == 1
    })
    .await;
    // Four toewijzingen of a product without contract: rejected, the rate jumps to 100 %.
    for n in 4..8 {
        post(toewijzing(
            Std::Ijw,
            &format!("AG{n}"),
            client(n),
            &Tw::default().code(UNKNOWN_CODE),
        ))
        .await;
    }
    until("rejection alert", Duration::from_secs(30), || {
        count(&alerts(&hook), "afkeur", "0599") == 1
    })
    .await;
    // Good again: one "over".
    for n in 8..12 {
        post(verzoek(Std::Ijw, &format!("AV{n}"), client(n))).await;
        post(toewijzing(
            Std::Ijw,
            &format!("AG{n}"),
            client(n),
            &Tw::default(),
        ))
        .await;
    }
    until("rejections over", Duration::from_secs(30), || {
        count(&alerts(&hook), "afkeur-voorbij", "0599") == 1
    })
    .await;
    // The party comes back; the re-drive clears the backlog: one "over".
    let up = FakeParty::start_on(Mode::Up, down);
    let r = app
        .client
        .post(format!("{}/api/v1/bezorging/opnieuw", app.base))
        .bearer_auth(crate::auth::token("demo-operator"))
        .json(&serde_json::json!({"alles": true}))
        .send()
        .await
        .expect("re-drive");
    assert_eq!(r.status(), 200);
    until("backlog over", Duration::from_secs(30), || {
        count(&alerts(&hook), "achterstand-voorbij", "12345678") == 1
    })
    .await;
    // Quiet meanwhile: every condition once, however often it was looked at.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    let all = alerts(&hook);
    assert_eq!(count(&all, "achterstand", "12345678"), 1, "{all:?}");
    assert_eq!(count(&all, "afkeur", "0599"), 1, "{all:?}");
    let dead = all
        .iter()
        .find(|a| a["soort"] == "onbezorgbaar")
        .expect("a dead letter alert");
    assert!(dead["bericht_id"].is_u64());
    assert!(dead["tekst"]
        .as_str()
        .unwrap_or_default()
        .contains("verbinding"));
    // The same alerts by mail, without a BSN.
    until("mails", Duration::from_secs(10), || {
        mails.lock().expect("lock").len() >= all.len()
    })
    .await;
    let mails = mails.lock().expect("lock").clone();
    assert!(mails
        .iter()
        .any(|m| m.contains("Subject: [Sluis] afkeur 0599")));
    assert!(mails
        .iter()
        .any(|m| m.contains("To: beheer@sluisdam.example")));
    for n in 0..12 {
        let bsn = client(n).bsn;
        assert!(
            !mails.iter().any(|m| m.contains(bsn))
                && !all.iter().any(|a| a.to_string().contains(bsn)),
            "no BSN in an alert"
        );
    }
    app.stop().await;
    hook.stop().await;
    up.stop().await;
}
