//! The retention policy (docs/retention.md) through the real server on a clock the test moves
//! on: the constructed year of `stromen` posted, part of it acknowledged; two months later the
//! payloads of what was acknowledged go (a dry run first removes nothing), what a party has not
//! acknowledged keeps its payload, the XML form answers 410 and the JSON form still the
//! metadata; two years later the background task removes the records themselves; six years
//! later the audit is pruned from an anchor and still verifies. Every step restarts the
//! gateway (the high-water mark accepts the store) and the flow and financing figures stay the
//! same throughout.

use crate::helpers::{settings, spawn_app_clocked, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sluis::gateway::retention::Verslag;
use sluis::gateway::Clock;
use std::path::Path;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

const GEMEENTE: &str = "0599";
const AANBIEDER: &str = "12345678";

/// A clock the test moves on.
#[derive(Clone)]
struct Time(Arc<Mutex<OffsetDateTime>>);

impl Time {
    fn new() -> Time {
        Time(Arc::new(Mutex::new(OffsetDateTime::now_utc())))
    }

    fn clock(&self) -> Clock {
        let t = self.0.clone();
        Clock::from_fn(move || *t.lock().expect("clock"))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock") += by;
    }
}

/// `sluis bewaren` as the CLI asks it: through the control socket of the running gateway.
async fn bewaren(dir: &Path, droog: bool) -> Verslag {
    let dir = dir.to_path_buf();
    actix_web::rt::task::spawn_blocking(move || sluis::control::request_bewaren(&dir, droog))
        .await
        .expect("joined")
        .expect("control socket")
        .expect("the gateway listens")
        .expect("the run")
}

impl TestApp {
    /// A party's whole inbox: (cursor, bericht id).
    async fn inbox_all(&self, party: &str) -> Vec<(u64, u64)> {
        let (status, v) = self
            .get_json(&format!("/api/v1/inbox/{party}?after=0&limit=1000"))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["cursor"].as_u64().expect("cursor"),
                    i["bericht_id"].as_u64().expect("id"),
                )
            })
            .collect()
    }

    async fn ack_to(&self, party: &str, cursor: u64) {
        let r = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/inbox/{party}/ack"),
                "application/json",
                json!({ "cursor": cursor }).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    /// The flow figures and the financing, as the contractmanager sees them.
    async fn figures(&self) -> (Value, Value) {
        let stromen = self.get_stromen("?per=kwartaal").await;
        let (status, financiering) = self.get_json("/api/v1/financiering").await;
        assert_eq!(status, StatusCode::OK, "{financiering}");
        (stromen, financiering)
    }

    /// Restart, and wait for the background task's run at start to be done.
    async fn restarted(self) -> TestApp {
        let app = self.restart().await;
        for _ in 0..400 {
            if app.metric("sluis_retention_last_run_seconds ").await > 0.0 {
                return app;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the background task never ran");
    }

    async fn metric(&self, line: &str) -> f64 {
        let (_, text) = self.get_text("/metrics").await;
        text.lines()
            .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
            .unwrap_or(0.0)
    }
}

#[actix_web::test]
async fn payloads_then_records_then_audit_go_and_the_figures_stay() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = settings(dir.path());
    s.bewaren.aan = true;
    s.bewaren.payload_maanden = 1;
    s.bewaren.gegevens_jaren = 1;
    s.bewaren.audit_jaren = 5;
    s.bewaren.batch = 3; // many batches, each under the writers' locks
    let time = Time::new();
    let app = spawn_app_clocked(s, time.clock()).await;
    crate::stromen::year(&app).await;
    let before = app.figures().await;

    // The gemeente acknowledges everything; the aanbieder its first five entries only.
    let gemeente = app.inbox_all(GEMEENTE).await;
    let aanbieder = app.inbox_all(AANBIEDER).await;
    assert!(aanbieder.len() > 6, "{aanbieder:?}");
    app.ack_to(GEMEENTE, gemeente.last().expect("entries").0)
        .await;
    app.ack_to(AANBIEDER, aanbieder[4].0).await;
    let unacked: std::collections::BTreeSet<u64> =
        aanbieder[5..].iter().map(|(_, id)| *id).collect();
    let ids: std::collections::BTreeSet<u64> = gemeente
        .iter()
        .chain(&aanbieder)
        .map(|(_, id)| *id)
        .collect();
    let acked: Vec<u64> = ids.difference(&unacked).copied().collect();
    let (some_acked, some_unacked) = (acked[0], *unacked.iter().next().expect("one"));

    // Nothing is due yet.
    let v = bewaren(dir.path(), false).await;
    assert_eq!(
        (v.payloads, v.berichten, v.overgeslagen.clone()),
        (0, 0, None),
        "{v:?}"
    );

    // Two months on: a dry run counts and removes nothing.
    time.advance(Duration::days(61));
    let dry = bewaren(dir.path(), true).await;
    assert!(dry.droog);
    assert_eq!(dry.payloads, acked.len() as u64, "{dry:?}");
    let (status, _) = app
        .get_text(&format!("/api/v1/berichten/{some_acked}?format=xml"))
        .await;
    assert_eq!(status, StatusCode::OK, "a dry run removes nothing");

    let v = bewaren(dir.path(), false).await;
    assert_eq!(v.payloads, acked.len() as u64, "{v:?}");
    assert_eq!(v.bewaard_onbevestigd, unacked.len() as u64, "{v:?}");
    assert_eq!((v.berichten, v.bewaard_mislukt), (0, 0));
    assert!(v.payload_bytes > 0);

    // What a caller sees of a message without its payload: the metadata, and 410 for the XML.
    let (status, meta) = app
        .get_json(&format!("/api/v1/berichten/{some_acked}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{meta}");
    assert!(meta["payload_verwijderd"].is_string(), "{meta}");
    assert_eq!(meta["body"], "");
    assert!(meta["identificatie"]
        .as_str()
        .is_some_and(|i| !i.is_empty()));
    let r = app
        .client
        .get(format!(
            "{}/api/v1/berichten/{some_acked}?format=xml",
            app.base
        ))
        .bearer_auth(crate::auth::token("demo-gemeente-0599"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        r.headers()["content-type"].to_str().ok(),
        Some("application/problem+json")
    );
    let problem: Value = r.json().await.expect("problem");
    assert!(problem["type"]
        .as_str()
        .is_some_and(|t| t.ends_with("/bewaartermijn-verstreken")));
    let r = app
        .client
        .post(format!("{}/api/v1/berichten/{some_acked}/replay", app.base))
        .bearer_auth(crate::auth::token("demo-operator"))
        .send()
        .await
        .expect("replay");
    assert_eq!(r.status(), StatusCode::GONE, "nothing to deliver again");
    // Not acknowledged: kept whole.
    let (status, xml) = app
        .get_text(&format!("/api/v1/berichten/{some_unacked}?format=xml"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(xml.contains("<"), "{xml}");
    // The inbox still lists what the aanbieder has not acknowledged, with its content.
    let (_, inbox) = app.get_json(&format!("/api/v1/inbox/{AANBIEDER}")).await;
    assert!(inbox["items"][0]["xml"].is_string(), "{inbox}");
    assert_eq!(
        app.figures().await,
        before,
        "figures after the payloads went"
    );

    // A restart: the high-water mark accepts the store; the figures are rebuilt the same.
    let app = app.restarted().await;
    assert_eq!(app.figures().await, before, "figures after a restart");

    // The aanbieder catches up; two years on, the background task (it runs at start) removes
    // the records of everything but the newest message.
    let aanbieder = app.inbox_all(AANBIEDER).await;
    app.ack_to(AANBIEDER, aanbieder.last().expect("entries").0)
        .await;
    let held = app.metric("sluis_store_messages ").await;
    assert!(held >= ids.len() as f64, "{held}");
    time.advance(Duration::days(2 * 366));
    let app = app.restarted().await;
    let removed = app
        .metric("sluis_retention_removed_total{wat=\"bericht\"} ")
        .await;
    assert_eq!(removed, held - 1.0, "all but the newest record");
    assert_eq!(app.metric("sluis_store_messages ").await, 1.0);
    let (status, _) = app
        .get_json(&format!("/api/v1/berichten/{some_acked}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Their inbox entries went with them: what is left points at a message that is there.
    let left = app.inbox_all(GEMEENTE).await;
    assert!(left.len() < gemeente.len(), "{left:?}");
    for (_, id) in left {
        let (status, _) = app.get_json(&format!("/api/v1/berichten/{id}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        app.figures().await,
        before,
        "figures after the records went"
    );
    let head = app.audit.head().expect("head");
    let app = app.restarted().await;
    assert_eq!(
        app.figures().await,
        before,
        "figures after records went and a restart"
    );

    // Six years on: the audit is pruned from an anchor and verifies; an anchor kept from
    // before the pruning is reported as pruned, not as a forgery.
    time.advance(Duration::days(6 * 366));
    let entries = app.audit.verify().expect("verifies").entries;
    let v = bewaren(dir.path(), false).await;
    assert!(v.audit > 0, "{v:?}");
    let anchor = app.audit.anchor().expect("anchor").expect("pruned");
    assert_eq!(Some(anchor.seq), v.audit_anker);
    let verified = app.audit.verify().expect("still verifies");
    assert!(
        verified.entries < entries,
        "{} < {entries}",
        verified.entries
    );
    let old = app.audit.verify_anchor(&head).expect_err("pruned");
    assert!(old.reason.contains("pruned"), "{}", old.reason);
    // Every run left one entry, with counts and no message id.
    let runs = app
        .audit
        .query(
            &sluis::security::audit::Filter {
                object_kind: Some("bewaren".into()),
                ..Default::default()
            },
            0,
            100,
        )
        .expect("query");
    let last = runs.last().expect("the last run's entry");
    assert_eq!(last.action.as_str(), "delete");
    assert!(
        last.detail.as_deref().is_some_and(|d| d.contains("audit ")),
        "{last:?}"
    );
    let app = app.restarted().await;
    app.audit.verify().expect("verifies after a restart");
    app.stop().await;
}

#[actix_web::test]
async fn a_real_run_needs_the_policy_on_and_the_terms_are_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = crate::helpers::spawn_app(dir.path()).await;
    let d = dir.path().to_path_buf();
    let refused =
        actix_web::rt::task::spawn_blocking(move || sluis::control::request_bewaren(&d, false))
            .await
            .expect("joined")
            .expect("socket")
            .expect("listens");
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("staat uit")),
        "{refused:?}"
    );
    let dry = bewaren(dir.path(), true).await;
    assert!(dry.droog);
    app.stop().await;

    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/config/sluis.toml"));
    let wrong = text.replacen("payload_maanden = 24", "payload_maanden = 120", 1);
    assert_ne!(wrong, text, "the demo configuration names the term");
    let e = sluis::config::Settings::parse(&wrong).expect_err("refused");
    assert!(e.contains("payload_maanden (120)"), "{e}");
}

/// The toewijzingen of a client as the API gives them (empty for a client it does not know).
async fn toewijzingen_van(app: &TestApp, bsn: &str) -> Vec<Value> {
    let (status, v) = app
        .get_json(&format!("/api/v1/clienten/{bsn}/toewijzingen"))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["items"].as_array().expect("items").clone()
}

/// The dossier step (docs/retention.md, "The dossier"), on the constructed year of `stromen`:
/// C1's trajectory ended (stop, resultaatmelding) and C3's verzoek was refused, so with a
/// dossier term of one year both go whole, while C2's of the same age stays (a start without
/// its stop). The rules then judge C1 as new (a declaratie on the removed toewijzing gets 9338, a
/// new toewijzing and the same start are accepted); the API no longer knows the removed
/// toewijzing; the two declaraties only C1 had prestaties in go, the one shared with C2 stays.
/// A year later the flow records of the year go too, and the figures after a restart are the
/// figures before it.
#[actix_web::test]
async fn an_ended_dossier_goes_after_its_term_and_an_open_one_stays() {
    use crate::stromen::{declaratie, prestatie, start, toewijzing, verzoek, year, C1, C2, C3};
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = settings(dir.path());
    s.bewaren.aan = true;
    s.bewaren.payload_maanden = 1;
    s.bewaren.gegevens_jaren = 1;
    s.bewaren.dossier_jaren = 1;
    s.bewaren.audit_jaren = 5;
    s.bewaren.batch = 1; // one client per batch, each under the writers' locks
    let time = Time::new();
    let app = spawn_app_clocked(s, time.clock()).await;
    year(&app).await;
    let figures = app.get_stromen("?per=kwartaal").await;
    assert_eq!(toewijzingen_van(&app, C1.bsn).await.len(), 1);
    let (status, _) = app.get_json("/api/v1/toewijzingen/7001/stroom").await;
    assert_eq!(status, StatusCode::OK);

    // The year's messages date from 2025, the clock is past 2025-12: C1 and C3 are over.
    let dry = bewaren(dir.path(), true).await;
    assert_eq!((dry.dossiers, dry.dossier_open), (2, 1), "{dry:?}");
    assert_eq!(
        toewijzingen_van(&app, C1.bsn).await.len(),
        1,
        "a dry run removes nothing"
    );
    let v = bewaren(dir.path(), false).await;
    assert_eq!(
        (v.dossiers, v.dossier_open, v.dossier_recent),
        (2, 1, 0),
        "{v:?}"
    );
    assert_eq!(
        v.declaraties, 2,
        "D1 and D3 had only C1's prestaties: {v:?}"
    );
    assert_eq!(v.stroom_blokken, 0, "the flow records were received today");
    assert!(v.dossier_sleutels > 20, "{v:?}");
    assert!(toewijzingen_van(&app, C1.bsn).await.is_empty());
    let (status, plans) = app
        .get_json(&format!("/api/v1/clienten/{}/planstatus", C1.bsn))
        .await;
    assert!(
        status == StatusCode::NOT_FOUND || plans["items"].as_array().is_some_and(|i| i.is_empty()),
        "{status} {plans}"
    );
    // C2's trajectory is whole: its toewijzing with its start and its prestatie in D2.
    let c2 = toewijzingen_van(&app, C2.bsn).await;
    assert_eq!(c2.len(), 1, "{c2:?}");
    assert_eq!(c2[0]["starts"].as_array().map(Vec::len), Some(1), "{c2:?}");
    assert_eq!(c2[0]["gedeclareerd"]["prestaties"], 1, "{c2:?}");
    // The flow figures are the messages' and stay until their own term.
    assert_eq!(app.get_stromen("?per=kwartaal").await, figures);
    assert_eq!(
        app.metric("sluis_retention_removed_total{wat=\"dossier\"} ")
            .await,
        2.0
    );

    // The rules no longer know C1's toewijzing: a declaratie on it is refused (TR338, 9338);
    // a new toewijzing under the same number is a new one, and the start C1 had before is no
    // duplicate of anything (it was 9074 for C2 in the year).
    let refused = app
        .post_stroom(declaratie(
            "D4",
            "2025-05-04",
            "2025-04",
            &[(C1.bsn, vec![prestatie("P6", &C1, "2025-04", 5)])],
        ))
        .await;
    assert_eq!(refused["accepted"], false, "{}", refused["findings"]);
    assert_eq!(
        refused["findings"][0]["retourcode"], "9338",
        "{}",
        refused["findings"]
    );
    app.post_ok(verzoek("V1B", "2025-05-08", C1.bsn, "R1B"))
        .await;
    app.post_ok(toewijzing("T1B", "2025-05-10", &C1, "R1B"))
        .await;
    app.post_ok(start("S1B", "2025-05-12", &C1, "2025-01-20"))
        .await;
    let c1 = toewijzingen_van(&app, C1.bsn).await;
    assert_eq!(c1.len(), 1, "{c1:?}");
    assert_eq!(
        (c1[0]["versies"].as_u64(), c1[0]["gestopt"].as_bool()),
        (Some(1), Some(false)),
        "a new trajectory: {c1:?}"
    );
    assert_eq!(c1[0]["gedeclareerd"]["prestaties"], 0, "{c1:?}");

    // Thirteen months on, the messages of the year are past the term: their flow records go,
    // all but the last chunk (64 ids). More messages first, until the year's chunk is full.
    let first = app
        .post_stroom(verzoek("F0", "2025-05-20", C3, "RF0"))
        .await["id"]
        .as_u64()
        .expect("id");
    for i in 1..100 {
        let id = app
            .post_stroom(verzoek(
                &format!("F{i}"),
                "2025-05-20",
                C3,
                &format!("RF{i}"),
            ))
            .await["id"]
            .as_u64()
            .expect("id");
        if id / 64 > first / 64 {
            break;
        }
    }
    time.advance(Duration::days(13 * 31));
    app.post_stroom(verzoek("N1", "2026-01-05", C3, "RN1"))
        .await;
    let v = bewaren(dir.path(), false).await;
    assert!(v.stroom_blokken >= 1 && v.stroom_berichten > 0, "{v:?}");
    let (status, _) = app.get_json("/api/v1/toewijzingen/7002/stroom").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "C2's flow records were in the year"
    );
    let after = app.get_stromen("?per=kwartaal").await;
    assert_ne!(after, figures);
    // C2 is still open: kept whole, however old.
    assert_eq!(toewijzingen_van(&app, C2.bsn).await.len(), 1);

    // A restart rebuilds the book from what is left: the same figures.
    let app = app.restarted().await;
    assert_eq!(app.get_stromen("?per=kwartaal").await, after);
    assert_eq!(toewijzingen_van(&app, C2.bsn).await.len(), 1);
    assert!(toewijzingen_van(&app, C1.bsn).await.len() == 1);
    app.stop().await;
}
