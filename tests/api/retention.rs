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
