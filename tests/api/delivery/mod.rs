//! Push delivery through the real server to fake party endpoints (`docs/delivery.md`): every
//! message delivered exactly as accepted, in order per party and client, a party that is down
//! delaying only itself, dead letters after the limit and their re-drive (API and CLI).

mod alerts;
mod fake;
mod terugvordering;

use crate::auth::token;
use crate::helpers::{settings, spawn_app_with, TestApp};
use fake::{free_port, FakeParty, Mode, Offer};
use reqwest::Method;
use serde_json::Value;
use sluis::delivery::settings::{DeliveryEndpoint, DeliverySettings};
use sluis_testkit::jaar::{self, Opties};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

fn endpoint(party: &str, url: &str) -> DeliveryEndpoint {
    DeliveryEndpoint {
        party: party.into(),
        url: url.into(),
        client_cert: None,
        client_key: None,
        ca: None,
        timeout_ms: 2_000,
    }
}

/// One delivery as the API shows it, with what the party must have got.
#[derive(Debug, Clone)]
struct Expected {
    bericht_id: u64,
    partij: String,
    soort: String,
    status: String,
    pogingen: u64,
    laatste_fout: Option<String>,
    body: String,
    identificatie: String,
}

impl TestApp {
    /// Post the messages in order; the ids of those stored.
    async fn post_all(&self, berichten: &[jaar::JaarBericht]) -> Vec<u64> {
        let mut ids = Vec::new();
        for b in berichten {
            let r = self
                .send(
                    Method::POST,
                    "/api/v1/berichten",
                    "application/xml",
                    b.xml.clone(),
                )
                .await;
            assert!(r.status.is_success(), "{}: {}", r.status, r.body);
            let id = r
                .location
                .as_deref()
                .and_then(|l| l.rsplit('/').next())
                .and_then(|i| i.parse().ok())
                .expect("a Location");
            ids.push(id);
        }
        ids
    }

    /// Every push delivery of these messages, with the content the party must get.
    async fn deliveries(&self, ids: &[u64]) -> Vec<Expected> {
        let mut out = Vec::new();
        for id in ids {
            let (status, v) = self.get_json(&format!("/api/v1/berichten/{id}")).await;
            assert!(status.is_success(), "{status}");
            for d in v["bezorging"].as_array().expect("bezorging in the answer") {
                let soort = d["soort"].as_str().expect("soort").to_string();
                let (body, identificatie) = if soort == "terugvordering" {
                    // The signal: checked against the inbox (`terugvordering.rs`).
                    (
                        String::new(),
                        v["identificatie"].as_str().expect("id").to_string(),
                    )
                } else if soort == "retour" {
                    (
                        v["retour"]["xml"].as_str().expect("retour").to_string(),
                        v["retour"]["identificatie"]
                            .as_str()
                            .expect("id")
                            .to_string(),
                    )
                } else {
                    (
                        v["canonical"].as_str().expect("canonical").to_string(),
                        v["identificatie"].as_str().expect("id").to_string(),
                    )
                };
                out.push(Expected {
                    bericht_id: *id,
                    partij: d["partij"].as_str().expect("partij").to_string(),
                    soort,
                    status: d["status"].as_str().expect("status").to_string(),
                    pogingen: d["pogingen"].as_u64().expect("pogingen"),
                    laatste_fout: d["laatste_fout"].as_str().map(str::to_string),
                    body,
                    identificatie,
                });
            }
        }
        out
    }

    /// Poll until `done` holds for the deliveries of `ids`, at most `within`.
    async fn wait_for(
        &self,
        ids: &[u64],
        within: Duration,
        what: &str,
        done: impl Fn(&[Expected]) -> bool,
    ) -> Vec<Expected> {
        let until = Instant::now() + within;
        loop {
            let ds = self.deliveries(ids).await;
            if done(&ds) {
                return ds;
            }
            if Instant::now() > until {
                let by: BTreeMap<(String, String), usize> =
                    ds.iter().fold(BTreeMap::new(), |mut m, d| {
                        *m.entry((d.partij.clone(), d.status.clone())).or_default() += 1;
                        m
                    });
                panic!("{what}: not within {within:?}: {by:?}");
            }
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn as_operator(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token("demo-operator"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.expect("text");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// The first BSN in a message (the lane of a message about one client).
fn bsn(body: &str) -> Option<&str> {
    let i = body.find("Bsn>")? + 4;
    body.get(i..i + 9)
}

/// Declaraties and their answers are about many clients: one lane of their own.
fn single_client(code: &str) -> bool {
    !(code.ends_with("323") || code.ends_with("325"))
}

/// Every delivered offer is exactly the message as accepted, re-sends are identical, and per
/// client the offers never go back to an earlier message (a later one never overtakes).
fn check_party(party: &str, offers: &[Offer], expected: &[Expected]) {
    let mine: Vec<&Expected> = expected.iter().filter(|e| e.partij == party).collect();
    let by_id: HashMap<String, &&Expected> = mine
        .iter()
        .map(|e| (format!("{}-{}", e.bericht_id, e.soort), e))
        .collect();
    for e in &mine {
        let id = format!("{}-{}", e.bericht_id, e.soort);
        let got: Vec<&Offer> = offers.iter().filter(|o| o.delivery_id == id).collect();
        assert!(
            got.iter().any(|o| (200..300).contains(&o.status)),
            "{party}: {id} never delivered ({} offers)",
            got.len()
        );
        for o in got {
            assert_eq!(o.body, e.body, "{party}: {id} delivered as accepted");
            assert_eq!(
                o.identificatie, e.identificatie,
                "{party}: {id} identificatie"
            );
            assert_eq!(o.soort, e.soort, "{party}: {id} soort");
        }
    }
    for o in offers {
        assert!(
            by_id.contains_key(&o.delivery_id),
            "{party}: an offer of {} that is not its delivery",
            o.delivery_id
        );
    }
    let mut last: HashMap<&str, u64> = HashMap::new();
    for o in offers.iter().filter(|o| single_client(&o.bericht)) {
        let Some(client) = bsn(&o.body) else { continue };
        let prev = last.entry(client).or_insert(0);
        assert!(
            o.bericht_id >= *prev,
            "{party}: bericht {} offered after {} of the same client",
            o.bericht_id,
            prev
        );
        *prev = o.bericht_id;
    }
}

const DOWN: &str = "23456789";

#[actix_web::test]
async fn every_message_is_pushed_as_accepted_in_order_and_a_down_party_delays_only_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let flaky = FakeParty::start(Mode::Flaky(30));
    let limited = FakeParty::start(Mode::RateLimited);
    let slow = FakeParty::start(Mode::Slow(Duration::from_millis(40)));
    let down_port = free_port();
    let mut s = settings(dir.path());
    s.delivery = DeliverySettings {
        max_attempts: 5,
        max_hours: 1,
        backoff_ms: 100,
        max_backoff_ms: 400,
        concurrency_per_party: 4,
        endpoints: vec![
            endpoint("12345678", &flaky.url),
            endpoint("34567890", &limited.url),
            endpoint("0599", &slow.url),
            endpoint(DOWN, &format!("http://127.0.0.1:{down_port}/in")),
        ],
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    let berichten = jaar::genereer(&Opties {
        seed: 16,
        clienten: 12,
        jaar: 2026,
        tot_maand: 3,
    });
    let ids = app.post_all(&berichten).await;
    assert!(ids.len() > 40, "traffic of some size: {}", ids.len());

    // Every party that is up gets everything while the down party gets nothing.
    let ds = app
        .wait_for(&ids, Duration::from_secs(90), "up parties", |ds| {
            ds.iter()
                .filter(|d| d.partij != DOWN)
                .all(|d| d.status == "bezorgd")
        })
        .await;
    let per_party: BTreeMap<&str, usize> = ds.iter().fold(BTreeMap::new(), |mut m, d| {
        *m.entry(d.partij.as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        per_party.len(),
        4,
        "deliveries to every party: {per_party:?}"
    );
    assert!(ds.iter().any(|d| d.partij == DOWN && d.status != "bezorgd"));
    for (party, fake) in [
        ("12345678", &flaky),
        ("34567890", &limited),
        ("0599", &slow),
    ] {
        check_party(party, &fake.offers(), &ds);
    }
    // The flaky party needed second offers; each was the same message.
    let flaky_offers = flaky.offers();
    assert!(flaky_offers.iter().any(|o| o.status == 500));
    // 429 with Retry-After: 1 — the next offer came no sooner.
    let limited_offers = limited.offers();
    for o in limited_offers.iter().filter(|o| o.status == 429) {
        let next = limited_offers
            .iter()
            .find(|n| n.delivery_id == o.delivery_id && n.at > o.at)
            .expect("offered again");
        assert!(
            next.at - o.at >= Duration::from_millis(950),
            "Retry-After honoured: {:?}",
            next.at - o.at
        );
    }

    // The down party: the head of each of its lanes becomes a dead letter after 5 attempts,
    // with the last error; what waits behind it was never offered.
    let ds = app
        .wait_for(&ids, Duration::from_secs(60), "dead letters", |ds| {
            let down: Vec<_> = ds.iter().filter(|d| d.partij == DOWN).collect();
            down.iter().any(|d| d.status == "mislukt")
                && down
                    .iter()
                    .all(|d| d.status == "mislukt" || (d.status == "ontvangen" && d.pogingen == 0))
        })
        .await;
    let dead: Vec<&Expected> = ds.iter().filter(|d| d.status == "mislukt").collect();
    for d in &dead {
        assert_eq!(d.pogingen, 5);
        assert!(
            d.laatste_fout
                .as_deref()
                .is_some_and(|e| e.contains("verbinding")),
            "{:?}",
            d.laatste_fout
        );
    }
    // The list filter and the metrics see them.
    let (status, list) = app
        .as_operator(
            Method::GET,
            "/api/v1/berichten?bezorging=mislukt&limit=1000",
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let mut listed: Vec<u64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_u64())
        .collect();
    let mut dead_ids: Vec<u64> = dead.iter().map(|d| d.bericht_id).collect();
    listed.sort_unstable();
    dead_ids.sort_unstable();
    dead_ids.dedup();
    assert_eq!(listed, dead_ids);
    let (status, bad) = app
        .as_operator(Method::GET, "/api/v1/berichten?bezorging=zoek", None)
        .await;
    assert_eq!(status, 400, "{bad}");
    let (_, overzicht) = app
        .as_operator(Method::GET, "/api/v1/bezorging", None)
        .await;
    let down_row = overzicht["partijen"]
        .as_array()
        .expect("partijen")
        .iter()
        .find(|p| p["partij"] == DOWN)
        .expect("the down party")
        .clone();
    assert_eq!(down_row["mislukt"].as_u64(), Some(dead.len() as u64));
    assert_eq!(
        down_row["openstaand"].as_u64(),
        Some(ds.iter().filter(|d| d.partij == DOWN).count() as u64)
    );
    // The worker measures every 2 s.
    let want = format!(
        "sluis_delivery_backlog{{party=\"{DOWN}\"}} {}",
        down_row["openstaand"]
    );
    let until = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let (_, m) = app.as_operator(Method::GET, "/metrics", None).await;
        let m = m.as_str().unwrap_or_default().to_string();
        if m.contains(&want) || Instant::now() > until {
            break m;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(metrics.contains(&want), "{metrics}");
    assert!(metrics.contains("sluis_delivery_oldest_seconds{party=\"23456789\"}"));
    assert!(metrics.contains("sluis_delivery_backlog{party=\"0599\"} 0"));

    // The party comes up; the operator re-drives it: everything arrives, in order.
    let back = FakeParty::start_on(Mode::Up, down_port);
    let (status, redriven) = app
        .as_operator(
            Method::POST,
            "/api/v1/bezorging/opnieuw",
            Some(serde_json::json!({ "partij": DOWN })),
        )
        .await;
    assert_eq!(status, 200, "{redriven}");
    assert_eq!(redriven["opnieuw"].as_u64(), Some(dead.len() as u64));
    let ds = app
        .wait_for(&ids, Duration::from_secs(60), "after the re-drive", |ds| {
            ds.iter().all(|d| d.status == "bezorgd")
        })
        .await;
    check_party(DOWN, &back.offers(), &ds);
    let (status, _) = app
        .as_operator(
            Method::POST,
            "/api/v1/bezorging/opnieuw",
            Some(serde_json::json!({ "partij": DOWN, "alles": true })),
        )
        .await;
    assert_eq!(status, 400, "one of bericht, partij, alles");
    app.stop().await;
    for f in [flaky, limited, slow, back] {
        f.stop().await;
    }
}

/// `sluis bezorging`: the overview, and a re-drive of one message and of all.
#[actix_web::test]
async fn the_cli_shows_the_backlog_and_re_drives_dead_letters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut s = settings(dir.path());
    s.delivery = DeliverySettings {
        max_attempts: 2,
        backoff_ms: 20,
        max_backoff_ms: 40,
        endpoints: vec![endpoint("0599", &format!("http://127.0.0.1:{port}/in"))],
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    let berichten = jaar::genereer(&Opties {
        seed: 3,
        clienten: 3,
        jaar: 2026,
        tot_maand: 2,
    });
    let ids = app.post_all(&berichten).await;
    let ds = app
        .wait_for(&ids, Duration::from_secs(30), "dead letters", |ds| {
            !ds.is_empty()
                && ds
                    .iter()
                    .all(|d| d.status == "mislukt" || (d.status == "ontvangen" && d.pogingen == 0))
        })
        .await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sluis"))
            .arg("bezorging")
            .args(args)
            .args(["--url", &app.base, "--token", &token("demo-operator")])
            .output()
            .expect("sluis runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = cli(&["overzicht"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("0599"), "{out}");
    let up = FakeParty::start_on(Mode::Up, port);
    let first = ds
        .iter()
        .find(|d| d.status == "mislukt")
        .expect("a dead letter");
    let (code, out, err) = cli(&["opnieuw", "--bericht", &first.bericht_id.to_string()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("1 bezorging(en) opnieuw aangeboden"),
        "{out}"
    );
    app.wait_for(&ids, Duration::from_secs(30), "one re-driven", |ds| {
        ds.iter()
            .any(|d| d.bericht_id == first.bericht_id && d.status == "bezorgd")
    })
    .await;
    let (code, _, err) = cli(&["opnieuw", "--alles"]);
    assert_eq!(code, Some(0), "{err}");
    let ds = app
        .wait_for(&ids, Duration::from_secs(30), "all re-driven", |ds| {
            ds.iter().all(|d| d.status == "bezorgd")
        })
        .await;
    check_party("0599", &up.offers(), &ds);
    let (code, _, err) = cli(&["opnieuw"]);
    assert_ne!(code, Some(0), "one of the three is required: {err}");
    app.stop().await;
    up.stop().await;
}

/// mutual TLS: Sluis presents its client certificate and trusts only the party's CA; a party
/// whose server certificate does not chain to the configured CA gets nothing, and the error
/// says why.
#[actix_web::test]
async fn https_endpoints_get_mutual_tls_and_only_the_configured_ca_is_trusted() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use sluis_testkit::pki::Ca;
    let dir = tempfile::tempdir().expect("tempdir");
    let party_ca = Ca::new("party CA");
    let sluis_ca = Ca::new("Sluis push CA");
    let server = party_ca.leaf(&["localhost"]);
    let client = sluis_ca.leaf(&["sluis"]);
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut client_roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(sluis_ca.pem.as_bytes()) {
        client_roots.add(c.expect("ca")).expect("add");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        std::sync::Arc::new(client_roots),
        provider.clone(),
    )
    .build()
    .expect("verifier");
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            CertificateDer::pem_slice_iter(server.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("chain"),
            PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).expect("key"),
        )
        .expect("server config");
    let party = FakeParty::start_tls(Mode::Up, tls.clone());
    let stranger = FakeParty::start_tls(Mode::Up, tls);
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        Some(p)
    };
    let mut good = endpoint("12345678", &party.url);
    good.client_cert = file("push.crt", &client.cert_pem);
    good.client_key = file("push.key", &client.key_pem);
    good.ca = file("party-ca.pem", &party_ca.pem);
    // The gemeente's endpoint is configured with the wrong CA: its server is not trusted.
    let mut wrong = good.clone();
    wrong.party = "0599".into();
    wrong.url = stranger.url.clone();
    wrong.ca = file("other-ca.pem", &sluis_ca.pem);
    let mut s = settings(&dir.path().join("data"));
    s.delivery = DeliverySettings {
        max_attempts: 2,
        backoff_ms: 20,
        max_backoff_ms: 40,
        endpoints: vec![good, wrong],
        ..DeliverySettings::default()
    };
    let app = spawn_app_with(s).await;
    let berichten = jaar::genereer(&Opties {
        seed: 5,
        clienten: 2,
        jaar: 2026,
        tot_maand: 1,
    });
    let ids = app.post_all(&berichten).await;
    let ds = app
        .wait_for(&ids, Duration::from_secs(30), "mutual TLS", |ds| {
            ds.iter().any(|d| d.partij == "12345678")
                && ds.iter().all(|d| {
                    (d.partij == "12345678" && d.status == "bezorgd")
                        || (d.partij == "0599"
                            && (d.status == "mislukt"
                                || (d.status == "ontvangen" && d.pogingen == 0)))
                })
        })
        .await;
    check_party("12345678", &party.offers(), &ds);
    assert!(
        stranger.offers().is_empty(),
        "nothing sent to an untrusted server"
    );
    let failed = ds
        .iter()
        .find(|d| d.status == "mislukt")
        .expect("the gemeente's dead letter");
    let error = failed.laatste_fout.clone().unwrap_or_default();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    app.stop().await;
    party.stop().await;
    stranger.stop().await;
}
