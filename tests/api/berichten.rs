//! The gateway through its HTTP API: the real server on a loopback port, a real sled store in a
//! temporary directory, real messages.

use crate::auth::{self, DemoAuth};
use crate::helpers::{spawn_app_with, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use sluis::config::Settings;
use std::path::Path;

// On an empty store these pass every level: a toewijzing needs no history (it refers to no
// verzoek), and the start refers to the JW301's toewijzing.
const JW301: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ijw-3.2/JW301/valid/minimaal.xml"
));
const JW305: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/ijw-3.2/JW305/valid/minimaal.xml"
));
const WMO301: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/iwmo-3.2/WMO301/valid/minimaal.xml"
));

/// The token of aanbieder 99999999, which only one test adds to the configuration.
const NOBODY: &str =
    "sluis_demo-aanbieder-99999999_d0000000000000000000000000000000000000000000000000000000000000ff";

/// The demo configuration with a small body limit (the oversized-body cases).
fn settings(dir: &Path) -> Settings {
    let mut s = crate::helpers::settings(dir);
    s.server.max_body_bytes = 256 * 1024;
    s
}

async fn spawn(dir: &Path) -> TestApp {
    spawn_app_with(settings(dir)).await
}

impl TestApp {
    async fn post_message(&self, body: &str, content_type: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/berichten", self.base))
            .header("Content-Type", content_type)
            .body(body.to_string())
            .demo_auth()
            .send()
            .await
            .expect("request")
    }

    /// Post as the party of `token`, whatever the body says (or does not say).
    async fn post_message_as(
        &self,
        body: &str,
        content_type: &str,
        token: &str,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/berichten", self.base))
            .header("Content-Type", content_type)
            .bearer_auth(token)
            .body(body.to_string())
            .send()
            .await
            .expect("request")
    }

    async fn post_xml(&self, body: &str) -> reqwest::Response {
        self.post_message(body, "application/xml").await
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn count(app: &TestApp) -> usize {
    let (_, v) = app.get_json("/api/v1/berichten?limit=1000").await;
    v["items"].as_array().map_or(0, Vec::len)
}

#[actix_web::test]
async fn a_valid_message_is_stored_and_answered_with_its_retourbericht() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let r = app.post_xml(JW301).await;
    assert_eq!(r.status(), StatusCode::OK);
    let loc = location(&r);
    assert!(loc.starts_with("/api/v1/berichten/"), "{loc}");
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<jw302:BerichtCode>437</jw302:BerichtCode>"),
        "{body}"
    );
    assert!(
        !body.contains("RetourCode>"),
        "a clean message gets a header without codes"
    );

    let (status, record) = app.get_json(&loc).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["bericht"], "JW301");
    assert_eq!(record["body"], JW301, "kept exactly as received");
    assert_eq!(record["accepted"], true);
    assert_eq!(record["retour"]["bericht"], "JW302");

    // The JSON form of the answer, on request.
    let r = app
        .client
        .post(format!("{}/api/v1/berichten", app.base))
        .header("Content-Type", "application/xml")
        .header("Accept", "application/json")
        .body(WMO301)
        .demo_auth()
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["bericht"], "WMO302");
    app.stop().await;
}

#[actix_web::test]
async fn a_message_rejected_by_a_rule_gets_0001_and_goes_nowhere_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    // StatusAanlevering 2 breaks CS058 (in-message).
    let bad = JW305.replacen("StatusAanlevering>1<", "StatusAanlevering>2<", 1);
    assert_ne!(bad, JW305);
    let r = app.post_xml(&bad).await;
    assert_eq!(r.status(), StatusCode::OK, "rejections are answers too");
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<jw306:RetourCode>0001</jw306:RetourCode>"),
        "{body}"
    );
    let (_, gemeente) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(
        gemeente["items"].as_array().map(Vec::len),
        Some(0),
        "not forwarded"
    );
    let (_, aanbieder) = app.get_json("/api/v1/inbox/12345678").await;
    assert_eq!(aanbieder["items"][0]["kind"], "retour");
    assert_eq!(aanbieder["items"][0]["bericht"], "JW306");
    app.stop().await;
}

#[actix_web::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    assert_eq!(app.post_xml(JW301).await.status(), StatusCode::OK);
    let before = app.get_json("/api/v1/berichten").await.1;

    let cases: Vec<(String, &str, StatusCode, &str)> = vec![
        (
            "<not xml".into(),
            "application/xml",
            StatusCode::BAD_REQUEST,
            "unreadable",
        ),
        (
            JW301[..JW301.len() / 2].into(),
            "application/xml",
            StatusCode::BAD_REQUEST,
            "unreadable",
        ),
        (
            "{\"bericht\": \"JW301\"".into(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "unreadable",
        ),
        (
            JW301.into(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
        (
            "x".repeat(300 * 1024),
            "application/xml",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
        ),
        (
            JW301.replace(
                "<ijw:Dagtekening>2026-05-04</ijw:Dagtekening>",
                "<ijw:Dagtekening>2026-02-30</ijw:Dagtekening>",
            ),
            "application/xml",
            StatusCode::BAD_REQUEST,
            "xsd",
        ),
        (
            r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#.into(),
            "application/xml",
            StatusCode::BAD_REQUEST,
            "unreadable",
        ),
    ];
    // Sent by the gemeente's back office: bodies of its own (JW301), or unreadable ones
    // whose sender only its token tells.
    let back_office = auth::party("0599");
    for (body, ct, want, kind) in cases {
        let r = app.post_message_as(&body, ct, &back_office).await;
        assert_eq!(r.status(), want, "{kind}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|c| c.to_str().ok()),
            Some("application/problem+json"),
            "{kind}"
        );
        let p: Value = r.json().await.expect("problem json");
        assert!(p["type"].as_str().is_some_and(|t| t.ends_with(kind)), "{p}");
        assert_eq!(p["status"], want.as_u16());
        if kind == "xsd" {
            assert!(
                p["errors"][0]["path"]
                    .as_str()
                    .is_some_and(|x| x.contains("Dagtekening")),
                "{p}"
            );
        }
    }
    assert_eq!(
        app.get_json("/api/v1/berichten").await.1,
        before,
        "nothing stored or changed"
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_same_message_twice_is_answered_the_same_and_stored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let first = app.post_xml(JW301).await;
    let loc = location(&first);
    let answer = first.text().await.expect("body");
    let again = app.post_xml(JW301).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(location(&again), loc);
    assert_eq!(
        again.headers().get("sluis-replay").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(again.text().await.expect("body"), answer);
    assert_eq!(count(&app).await, 1);

    // The same identificatie with other content: 9056, and the first message is untouched.
    let (_, original) = app.get_json(&loc).await;
    let other = JW301.replace("<ijw:Achternaam>Visser", "<ijw:Achternaam>Visscher");
    assert_ne!(other, JW301);
    let r = app.post_xml(&other).await;
    assert_eq!(r.status(), StatusCode::OK);
    let conflict_loc = location(&r);
    assert_ne!(conflict_loc, loc);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<jw302:RetourCode>9056</jw302:RetourCode>"),
        "{body}"
    );
    assert_eq!(app.get_json(&loc).await.1, original);
    let (_, conflict) = app.get_json(&conflict_loc).await;
    assert_eq!(conflict["accepted"], false);
    assert_eq!(conflict["findings"][0]["code"], "TR056");
    // Posting the conflicting one again still says 9056 and still leaves the first alone.
    let r = app.post_xml(&other).await;
    assert!(r.text().await.expect("body").contains("9056"));
    assert_eq!(app.get_json(&loc).await.1, original);
    app.stop().await;
}

#[actix_web::test]
async fn a_thousand_parallel_duplicates_are_stored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let posts = (0..1000).map(|_| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/berichten", app.base);
        async move {
            let r = client
                .post(url)
                .header("Content-Type", "application/xml")
                .body(JW301)
                .demo_auth()
                .send()
                .await
                .expect("request");
            (r.status(), location(&r), r.text().await.unwrap_or_default())
        }
    });
    let results = futures_join_all(posts).await;
    let (status, loc, body) = &results[0];
    assert_eq!(*status, StatusCode::OK);
    for r in &results {
        assert_eq!(
            (&r.0, &r.1, &r.2),
            (status, loc, body),
            "every duplicate gets the one answer"
        );
    }
    assert_eq!(count(&app).await, 1);
    let (_, inbox) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(
        inbox["items"].as_array().map(Vec::len),
        Some(1),
        "forwarded once"
    );
    app.stop().await;
}

/// Run futures concurrently on this task (no extra dependency for a join).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    let handles: Vec<_> = futures.map(actix_web::rt::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[actix_web::test]
async fn what_was_acknowledged_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let r = app.post_xml(JW301).await;
    let loc = location(&r);
    let answer = r.text().await.expect("body");
    app.stop().await;

    let app = spawn(dir.path()).await;
    let (status, record) = app.get_json(&loc).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["body"], JW301);
    let again = app.post_xml(JW301).await;
    assert_eq!(location(&again), loc);
    assert_eq!(again.text().await.expect("body"), answer);
    // New ids keep growing after a restart.
    let r = app.post_xml(WMO301).await;
    let new_id: u64 = location(&r)
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    let old_id: u64 = loc
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(new_id > old_id);
    app.stop().await;
}

#[actix_web::test]
async fn the_inbox_hands_out_messages_in_order_until_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An aanbieder to whom nothing was ever sent, reading its own (unknown) inbox.
    let mut s = settings(dir.path());
    s.security
        .tokens
        .push(sluis::security::tokens::ConfiguredToken {
            id: "demo-aanbieder-99999999".into(),
            role: sluis::security::access::Role::Aanbieder,
            party: Some("99999999".into()),
            gemeente: None,
            team: None,
            label: "DEMO: an aanbieder without messages".into(),
            sha256: None,
            demo_secret: Some(NOBODY.into()),
        });
    let app = spawn_app_with(s).await;
    assert_eq!(app.post_xml(JW301).await.status(), StatusCode::OK);
    assert_eq!(app.post_xml(WMO301).await.status(), StatusCode::OK);
    // Both toewijzingen go from the gemeente to aanbieder 12345678.
    let (_, inbox) = app.get_json("/api/v1/inbox/12345678").await;
    let items = inbox["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["bericht"], "JW301");
    assert_eq!(items[1]["bericht"], "WMO301");
    assert!(items[0]["xml"]
        .as_str()
        .is_some_and(|x| x.contains("jw301:Bericht")));
    let first = items[0]["cursor"].as_u64().expect("cursor");
    let second = items[1]["cursor"].as_u64().expect("cursor");
    assert!(first < second);
    // The gemeente gets the retourberichten.
    let (_, gemeente) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(gemeente["items"][0]["kind"], "retour");

    let ack = |cursor: u64| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/inbox/12345678/ack", app.base);
        async move {
            let r = client
                .post(url)
                .json(&serde_json::json!({ "cursor": cursor }))
                .demo_auth()
                .send()
                .await
                .expect("request");
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, v) = ack(first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["acked"], first);
    let (_, inbox) = app.get_json("/api/v1/inbox/12345678").await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(inbox["items"][0]["cursor"], second);
    // An acknowledgement never moves back; `after` still reads older entries.
    let (_, v) = ack(0).await;
    assert_eq!(v["acked"], first);
    let (_, all) = app.get_json("/api/v1/inbox/12345678?after=0").await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let r = app
        .client
        .get(format!("{}/api/v1/inbox/99999999", app.base))
        .bearer_auth(NOBODY)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[actix_web::test]
async fn messages_are_listed_with_filters_and_a_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    for m in [JW301, WMO301, JW305] {
        assert_eq!(app.post_xml(m).await.status(), StatusCode::OK);
    }
    let (_, page) = app.get_json("/api/v1/berichten?limit=2").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let next = page["next"].as_u64().expect("a next page");
    let (_, rest) = app
        .get_json(&format!("/api/v1/berichten?limit=2&after={next}"))
        .await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    assert!(rest.get("next").is_none());
    let (_, jw) = app.get_json("/api/v1/berichten?type=jw305").await;
    assert_eq!(jw["items"][0]["bericht"], "JW305");
    assert_eq!(jw["items"].as_array().map(Vec::len), Some(1));
    let (_, from) = app.get_json("/api/v1/berichten?afzender=12345678").await;
    assert_eq!(from["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = app.get_json("/api/v1/berichten?van=2999-01-01").await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        app.get_json("/api/v1/berichten?van=gisteren").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get_json("/api/v1/berichten/999999").await.0,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[actix_web::test]
async fn health_readiness_and_metrics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    assert_eq!(app.post_xml(JW301).await.status(), StatusCode::OK);
    for path in ["/healthz", "/readyz"] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .demo_auth()
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .demo_auth()
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(r#"sluis_messages_total{bericht="JW301",uitkomst="geaccepteerd"} 1"#),
        "{text}"
    );
    assert!(text.contains("sluis_ingest_seconds_bucket"));
    assert!(text.contains("sluis_store_messages 1"));
    assert!(!text.contains("999990019"), "no BSN in metrics");
    app.stop().await;
}

#[actix_web::test]
async fn a_toewijzing_shows_its_current_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    assert_eq!(
        app.get_json("/api/v1/toewijzingen/7001").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post_xml(JW301).await.status(), StatusCode::OK);
    let (status, v) = app.get_json("/api/v1/toewijzingen/7001").await;
    assert_eq!(status, StatusCode::OK);
    let t = &v["items"][0];
    assert_eq!(t["domein"], "ijw");
    assert_eq!(t["aanbieder"], "12345678");
    assert_eq!(t["ingangsdatum"], "2026-01-01");
    assert_eq!(t["product"]["categorie"], "31");
    assert_eq!(t["gestart"], false);
    // The start is accepted (it refers to this toewijzing) and shows.
    let r = app.post_xml(JW305).await;
    let body = r.text().await.expect("body");
    assert!(!body.contains("RetourCode>"), "{body}");
    let (_, v) = app.get_json("/api/v1/toewijzingen/7001").await;
    assert_eq!(v["items"][0]["gestart"], true);
    assert_eq!(v["items"][0]["starts"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["items"][0]["gedeclareerd"]["prestaties"], 0);
    // Per client, in either standard.
    let (status, v) = app
        .get_json("/api/v1/clienten/999990019/toewijzingen")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = app
        .get_json("/api/v1/clienten/999990020/toewijzingen")
        .await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let (status, p) = app.get_json("/api/v1/clienten/12345/toewijzingen").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!p.to_string().contains("12345"), "the value is not echoed");
    app.stop().await;
}

#[actix_web::test]
async fn a_truncated_upload_stores_nothing() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Announce the whole message, send half of it, and hang up.
    let half = &JW301.as_bytes()[..JW301.len() / 2];
    // Sent as the gemeente's back office, the JW301's Afzender.
    let token = auth::party("0599");
    let sent = actix_web::rt::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        let head = format!(
            "POST /api/v1/berichten HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
            JW301.len()
        );
        s.write_all(head.as_bytes()).expect("head");
        s.write_all(half).expect("half a body");
        s.shutdown(std::net::Shutdown::Write).expect("hang up");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        answer
    })
    .await
    .expect("client");
    assert!(
        !String::from_utf8_lossy(&sent).starts_with("HTTP/1.1 200"),
        "no acknowledgement"
    );
    assert_eq!(count(&app).await, 0, "nothing stored");
    // The whole message afterwards is taken as new.
    let r = app.post_xml(JW301).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("sluis-replay").is_none());
    app.stop().await;
}

#[actix_web::test]
async fn in_advies_mode_a_declaratie_goes_to_the_gemeente_with_sluis_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(dir.path());
    s.declaratie.mode = sluis::config::DeclaratieMode::Advies;
    let app = spawn_app_with(s).await;
    // A declaratie on a toewijzing Sluis never saw: rejected on level 3 in auto mode; here it
    // is the gemeente's decision, with Sluis's findings as advice.
    let jw323 = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/ijw-3.2/JW323/valid/minimaal.xml"
    ));
    let r = app.post_xml(jw323).await;
    assert_eq!(r.status(), StatusCode::OK);
    let loc = location(&r);
    let summary: Value = r.json().await.expect("a summary, no retourbericht");
    assert_eq!(summary["bericht"], "JW323");
    let (_, record) = app.get_json(&loc).await;
    assert!(record["retour"].is_null(), "the gemeente answers");
    assert!(
        record["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "Sluis's advice"
    );
    let (_, gemeente) = app.get_json("/api/v1/inbox/0599").await;
    assert_eq!(gemeente["items"][0]["bericht"], "JW323");
    // A technical rejection (level 2) is still answered by Sluis at once.
    // The total no longer adds up (TR358).
    let broken = jw323
        .replace("SLUIS-0001", "SLUIS-0002")
        .replace("<ijw:TotaalBedrag>", "<ijw:TotaalBedrag>9");
    let r = app.post_xml(&broken).await;
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<jw325:RetourCode>0001</jw325:RetourCode>"),
        "{body}"
    );
    app.stop().await;
}

/// A toewijzing to an AGB-code that is not a configured aanbieder would wait in an inbox nobody
/// reads: refused with 422 problem+json, nothing stored, no retourbericht.
#[actix_web::test]
async fn a_message_to_an_unknown_party_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn(dir.path()).await;
    let to_nobody = JW301.replace(
        "<jw301:Ontvanger>12345678</jw301:Ontvanger>",
        "<jw301:Ontvanger>99999999</jw301:Ontvanger>",
    );
    assert_ne!(to_nobody, JW301, "the fixture names aanbieder 12345678");
    let r = app.post_xml(&to_nobody).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let problem: Value = r.json().await.expect("json");
    assert_eq!(
        problem["type"],
        "https://sluis.example/problems/onbekende-ontvanger"
    );
    assert_eq!(count(&app).await, 0, "nothing stored");
    // The same message to the configured aanbieder is taken.
    assert_eq!(app.post_xml(JW301).await.status(), StatusCode::OK);
    assert_eq!(count(&app).await, 1);
    app.stop().await;
}
